// The distributed mode end to end: API replicas (in this process) and a worker process sharing a
// real Redis. Retrains requested through the API run in the worker; replicas see each other's data.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDistributedService, type DistributedService } from '../src/distributed-service.js';
import { audienceEvents, testCatalogue } from './support/fixtures.js';
import { call as request, waitForJob } from './support/http.js';
import { builtEntryArgs } from './support/service-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;

let server: RedisTestServer;
let worker: ChildProcess | undefined;
let workerOutput = '';
let trained: string | undefined;
const replicas: { service: DistributedService; baseUrl: string }[] = [];
const ADMIN_KEY = 'admin-key-for-tests';
const BACKEND_KEY = 'backend-key-for-tests';
const AS_ADMIN = { 'x-api-key': ADMIN_KEY };
/** With keys configured every route but the probes needs one: the replicas are driven as admin. */
const call = (baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = AS_ADMIN) =>
  request(baseUrl, method, path, body, headers);

async function startReplica(): Promise<{ service: DistributedService; baseUrl: string }> {
  const config = loadConfig({
    RECSYS_DEMO: '0',
    LOG_LEVEL: 'silent',
    RECSYS_ADMIN_API_KEY: ADMIN_KEY,
    RECSYS_API_KEYS: `backend:read+write:${BACKEND_KEY}`,
  });
  const service = await createDistributedService(config, { url: server.url, keyPrefix });
  await service.connected;
  const baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  const replica = { service, baseUrl };
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const { service } of replicas) await service.close();
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
});

describe('distributed mode', () => {
  it('serves what one replica stored from another, and trains in the worker on request', async () => {
    const first = await startReplica();
    const second = await startReplica();
    expect((await call(first.baseUrl, 'PUT', '/v1/items', { items: testCatalogue() })).status).toBe(200);
    expect((await call(second.baseUrl, 'POST', '/v1/events', { events: audienceEvents() })).status).toBe(202);
    expect((await call(second.baseUrl, 'GET', '/readyz')).status).toBe(200);
    expect((await call(first.baseUrl, 'GET', '/v1/users/anime-fan-1/export')).body.events.length).toBeGreaterThan(0);

    worker = spawn(process.execPath, builtEntryArgs('worker'), {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: server.url, RECSYS_KEY_PREFIX: keyPrefix, RECSYS_TRAIN_ON_START: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));

    const job = await call(first.baseUrl, 'POST', '/v1/models/retrain', {});
    expect(job.status).toBe(202);
    expect(job.body.job_id).toMatch(/^retrain:/);
    const done = await waitForJob(second.baseUrl, job.body.job_id, 60_000, AS_ADMIN); // any replica can answer
    expect(done, workerOutput).toMatchObject({ state: 'completed', attempts: 1 });
    expect(done.result.activated).toBe(true);

    const models = await call(second.baseUrl, 'GET', '/v1/models');
    expect(models.body.models.map((m: { version: string; status: string }) => [m.version, m.status])).toEqual([
      [done.result.version, 'active'],
    ]);
    trained = done.result.version;
  });

  it('hot-swaps every replica to a version activated elsewhere within a second', async () => {
    expect(trained).toBeDefined();
    for (const { baseUrl } of replicas) {
      await expect.poll(async () => (await call(baseUrl, 'GET', '/v1/models')).body.active_version, { timeout: 1000 }).toBe(trained);
      const served = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations?limit=3');
      expect(served.body.model_version).toBe(trained);
      expect(served.body.degraded).toBe(false);
    }
  });

  it('serves the queue dashboard at /admin/queues to the admin key only', async () => {
    const { baseUrl } = replicas[0]!;
    const anonymous = await call(baseUrl, 'GET', '/admin/queues', undefined, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
    expect((await call(baseUrl, 'GET', '/admin/queues', undefined, { 'x-api-key': 'wrong' })).status).toBe(401);
    const page = await call(baseUrl, 'GET', '/admin/queues', undefined, { 'x-api-key': ADMIN_KEY });
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
    const queues = await call(baseUrl, 'GET', '/admin/queues/api/queues', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['retrain', 'incremental-update']));
    // The dashboard is an admin route: a valid key without the admin scope is refused too.
    expect((await call(baseUrl, 'GET', '/admin/queues', undefined, { 'x-api-key': BACKEND_KEY })).status).toBe(403);
  });

  it('enforces API key scopes on every replica', async () => {
    const backend = { authorization: `Bearer ${BACKEND_KEY}` };
    for (const { baseUrl } of replicas) {
      expect((await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations?limit=3', undefined, backend)).status).toBe(200);
      const event = { event_id: `auth-${baseUrl}`, user_id: 'anime-fan-1', item_id: 'anime-1', type: 'click' };
      expect((await call(baseUrl, 'POST', '/v1/events', { events: [event] }, backend)).status).toBe(202);
      const anonymous = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations', undefined, {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
      for (const [method, path] of [['GET', '/v1/models'], ['GET', '/v1/users/anime-fan-1/export'], ['POST', '/v1/models/retrain']] as const) {
        const refused = await call(baseUrl, method, path, method === 'POST' ? {} : undefined, backend);
        expect(refused.status, `${method} ${path}`).toBe(403);
        expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'admin' } });
      }
      expect((await call(baseUrl, 'GET', '/v1/users/anime-fan-1/export')).status).toBe(200);
    }
  });
});
