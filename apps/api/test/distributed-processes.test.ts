// The distributed mode as deployed: two API processes and a worker process on one real Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedisStore } from '@recsys/store';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitForJob } from './support/http.js';
import { builtEntryArgs, type ServiceProcess, startServiceProcess } from './support/service-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EVENTS = 100_000;
const BATCH = 1000;

let redis: RedisTestServer;
let apis: ServiceProcess[] = [];
let worker: ChildProcess;
const keyPrefix = `procs:${randomUUID().slice(0, 8)}:`;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, RECSYS_KEY_PREFIX: keyPrefix, RECSYS_DEMO: '0', RECSYS_RATE_LIMIT_PER_MINUTE: '1000000' };
  apis = await Promise.all([startServiceProcess(env, 60_000, '/readyz'), startServiceProcess(env, 60_000, '/readyz')]);
  worker = spawn(process.execPath, builtEntryArgs('worker'), {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redis.url, RECSYS_KEY_PREFIX: keyPrefix, RECSYS_TRAIN_ON_START: '0', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop('SIGTERM')));
  if (worker?.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
});

describe('two API processes and a worker', () => {
  it('stores 100k events sent through both exactly once, retrains in the worker, and both serve the new version within 5 s', async () => {
    const [a, b] = apis as [ServiceProcess, ServiceProcess];
    const items = Array.from({ length: 50 }, (_, i) => ({ item_id: `i${i}`, title: `Title ${i}`, content_type: 'movie', genres: [i % 2 ? 'Drama' : 'Comedy'] }));
    expect((await call(a.baseUrl, 'PUT', '/v1/items', { items })).status).toBe(200);

    // 100 batches of 1,000, eight at a time, alternating replicas; every 10th batch is sent twice
    // (a client retry through the other replica) and must be recognised as duplicates.
    let next = 0;
    let duplicates = 0;
    const client = async () => {
      while (next < EVENTS / BATCH) {
        const batch = next++;
        const events = Array.from({ length: BATCH }, (_, k) => {
          const n = batch * BATCH + k;
          const user = n % 500;
          // Two taste groups: even users watch even items, odd users odd items.
          return { event_id: `p-${n}`, user_id: `u${user}`, item_id: `i${((n * 7) % 25) * 2 + (user % 2)}`, type: 'complete' };
        });
        const first = await call(batch % 2 ? b.baseUrl : a.baseUrl, 'POST', '/v1/events', { events });
        expect(first.status).toBe(202);
        expect(first.body.accepted).toBe(BATCH);
        if (batch % 10 === 0) {
          const retry = await call(batch % 2 ? a.baseUrl : b.baseUrl, 'POST', '/v1/events', { events });
          duplicates += retry.body.duplicates;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(duplicates).toBe(10 * BATCH);
    const store = createRedisStore({ url: redis.url, keyPrefix });
    await store.open();
    expect(await store.events.count()).toBe(EVENTS);
    await store.close();

    const job = await call(a.baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' });
    expect(job.status).toBe(202);
    const done = await waitForJob(b.baseUrl, job.body.job_id, 120_000);
    expect(done.state).toBe('completed');
    const published = Date.now();
    for (const api of apis) {
      await expect
        .poll(async () => (await call(api.baseUrl, 'GET', '/v1/users/u2/recommendations?limit=5')).body.model_version, { timeout: 5000, interval: 100 })
        .toBe(done.result.version);
    }
    expect(Date.now() - published).toBeLessThan(5000);
    const recs = await call(b.baseUrl, 'GET', '/v1/users/u2/recommendations?limit=5&diversity=0');
    expect(recs.body.degraded).toBe(false);
    expect(recs.body.items.every((i: { item_id: string }) => Number(i.item_id.slice(1)) % 2 === 0)).toBe(true);
  }, 180_000);
});
