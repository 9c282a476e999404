// GDPR erasure over real HTTP, in both run modes: after DELETE /v1/users/{id} and the next retrain,
// no Redis key or value (the whole database, model versions and queues included) and no file of
// the embedded data directory carries the user's id or their distinctive data.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecommendationEngine } from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore, type RedisStore } from '@recsys/store';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDistributedService, type DistributedService } from '../src/distributed-service.js';
import { createEmbeddedService, type EmbeddedService } from '../src/embedded-service.js';
import { audienceEvents, testCatalogue } from './support/fixtures.js';
import { call, waitForJob } from './support/http.js';
import { fileBytes, redisKeyBytes } from './support/stored-bytes.js';

const config = (env: Record<string, string>) =>
  loadConfig({ RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RETRAIN_INTERVAL_MINUTES: '0', RECSYS_INCREMENTAL_INTERVAL_MINUTES: '0', ...env });

function subject() {
  const tag = randomBytes(4).toString('hex');
  return { userId: `erased-${tag}`, query: `quokka ${tag}`, session: `sess-${tag}`, gender: `g-${tag}`, eventPrefix: `ev-${tag}-` };
}
type Subject = ReturnType<typeof subject>;
const needles = (s: Subject) => [s.userId, s.query, s.session, s.gender, s.eventPrefix].map((n) => Buffer.from(n));
const carries = (bytes: Buffer, s: Subject) => needles(s).some((needle) => bytes.includes(needle));

/** Events, preferences, served lists with impressions, as a real client would leave them. */
async function seed(baseUrl: string, s: Subject): Promise<void> {
  expect((await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() })).status).toBe(200);
  const own = [3, 8, 15].map((i, k) => ({ event_id: `${s.eventPrefix}${k}`, user_id: s.userId, item_id: `anime-${i}`, type: 'complete', session_id: s.session }));
  const search = { event_id: `${s.eventPrefix}q`, user_id: s.userId, type: 'search', query: s.query, session_id: s.session };
  expect((await call(baseUrl, 'POST', '/v1/events', { events: [...audienceEvents(), ...own, search] })).status).toBe(202);
  expect((await call(baseUrl, 'PUT', `/v1/users/${s.userId}/preferences`, { genres: ['Animation'], gender: s.gender })).status).toBe(200);
  const list = await call(baseUrl, 'GET', `/v1/users/${s.userId}/recommendations?limit=5&session_id=${s.session}`);
  expect(list.status).toBe(200);
  const shown = (list.body.items as { item_id: string }[]).map((item, k) => ({
    event_id: `${s.eventPrefix}imp-${k}`,
    user_id: s.userId,
    item_id: item.item_id,
    type: k === 0 ? 'click' : 'impression',
    recommendation_id: list.body.request_id,
  }));
  expect((await call(baseUrl, 'POST', '/v1/events', { events: shown })).status).toBe(202);
}

async function redisKeysCarrying(redis: RedisStore['redis'], s: Subject): Promise<string[]> {
  const found: string[] = [];
  for await (const { key, bytes } of redisKeyBytes(redis)) if (carries(bytes, s)) found.push(key);
  return found;
}

/** Files under `root` (paths relative to it) whose bytes carry the subject. */
const filesCarrying = (root: string, s: Subject): string[] => fileBytes(root).filter(({ bytes }) => carries(bytes, s)).map(({ file }) => file);

describe('erasure leaves nothing behind', () => {
  let embedded: EmbeddedService | undefined;
  let distributed: DistributedService | undefined;
  let trainer: { engine: RecommendationEngine; close(): Promise<void> } | undefined;
  let server: RedisTestServer | undefined;
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-erasure-'));
  });
  afterAll(async () => {
    await embedded?.close();
    await trainer?.close();
    await distributed?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('embedded: no file of the data directory carries the user after DELETE and the next retrain', async () => {
    const s = subject();
    embedded = await createEmbeddedService(config({ RECSYS_DATA_DIR: dataDir }));
    const baseUrl = await embedded.app.listen({ host: '127.0.0.1', port: 0 });
    await seed(baseUrl, s);
    const retrain = async () => {
      const job = await waitForJob(baseUrl, (await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' })).body.job_id);
      expect(job.state).toBe('completed');
    };
    await retrain();
    expect(filesCarrying(dataDir, s).length).toBeGreaterThan(0); // the search finds them before

    expect((await call(baseUrl, 'DELETE', `/v1/users/${s.userId}`)).status).toBe(200);
    // The stores forget at once; only model versions trained before still name the user.
    expect(filesCarrying(dataDir, s).filter((file) => !file.startsWith(`models${path.sep}`))).toEqual([]);
    await retrain();
    expect(filesCarrying(dataDir, s)).toEqual([]);
    expect((await call(baseUrl, 'GET', `/v1/users/${s.userId}/export`)).status).toBe(404);
  }, 60_000);

  it.skipIf(Boolean(process.env.REDIS_TEST_URL))('distributed: no Redis key or value carries the user after DELETE and the next retrain', async () => {
    const s = subject();
    server = await startRedisServer();
    const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;
    distributed = await createDistributedService(config({}), { url: server.url, keyPrefix });
    const baseUrl = await distributed.app.listen({ host: '127.0.0.1', port: 0 });
    await distributed.connected;
    // A worker's engine, in process: retrains run here.
    const store = createRedisStore({ url: server.url, keyPrefix });
    const registry = createRedisModelRegistry({ url: server.url, keyPrefix });
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine({ store, registry, jobs }, { trainOnStart: false, retrainEveryMs: 0, incrementalEveryMs: 0 });
    trainer = {
      engine,
      async close() {
        engine.close();
        await jobs.close();
        await registry.close();
        await store.close();
      },
    };
    await store.open();
    await engine.start();
    const retrain = async () => {
      const job = await engine.requestRetrain('full');
      for (let state = await engine.getJob(job.id); state?.state !== 'completed'; state = await engine.getJob(job.id)) {
        expect(state?.state).not.toBe('failed');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    await seed(baseUrl, s);
    await retrain();
    const redis = distributed.store.redis;
    expect((await redisKeysCarrying(redis, s)).length).toBeGreaterThan(0);

    expect((await call(baseUrl, 'DELETE', `/v1/users/${s.userId}`)).status).toBe(200);
    const modelKey = (key: string) => key.startsWith(`${keyPrefix}model:`) || key === `${keyPrefix}models`;
    expect((await redisKeysCarrying(redis, s)).filter((key) => !modelKey(key))).toEqual([]);
    await retrain();
    expect(await redisKeysCarrying(redis, s)).toEqual([]);
  }, 60_000);
});
