// The distributed mode when Redis fails: an API replica started while Redis is down, and Redis
// killed (SIGKILL) under load and restarted on the same port. A real redis-server with an
// append-only file, so what it acknowledged survives the kill.
import { randomUUID } from 'node:crypto';
import type { InteractionEvent } from '@recsys/core';
import { RecommendationEngine } from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore } from '@recsys/store';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDistributedService, type DistributedService } from '../src/distributed-service.js';
import { normaliseItem } from '../src/routes/items.js';
import { audienceEvents, nextEventId, testCatalogue } from './support/fixtures.js';
import { call } from './support/http.js';

const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;
const FANS = Array.from({ length: 12 }, (_, u) => [`anime-fan-${u}`, `crime-fan-${u}`]).flat();
/** The promise this suite checks: serving normally again within this long after Redis returns. */
const RECOVERY_BOUND_MS = 5000;

let server: RedisTestServer;
let trained: string;
const replicas: DistributedService[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startReplica(): Promise<{ service: DistributedService; baseUrl: string }> {
  const config = loadConfig({ RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RATE_LIMIT_PER_MINUTE: '10000000' });
  const service = await createDistributedService(config, { url: server.url, keyPrefix });
  replicas.push(service);
  return { service, baseUrl: await service.app.listen({ host: '127.0.0.1', port: 0 }) };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

const oneEvent = (user: string) => ({ events: [{ event_id: nextEventId(), user_id: user, item_id: 'anime-3', type: 'complete' }] });

/** Polls `check` until it holds; returns how long that took. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, interval = 25): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not so after ${timeoutMs} ms`);
    await sleep(interval);
  }
  return performance.now() - started;
}

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
  // The catalogue, the audience and a trained, active model version, as a worker would leave them.
  const store = createRedisStore({ url: server.url, keyPrefix });
  const registry = createRedisModelRegistry({ url: server.url, keyPrefix });
  const jobs = new InProcessJobRunner();
  const engine = new RecommendationEngine({ store, registry, jobs }, { trainOnStart: false, retrainEveryMs: 0 });
  try {
    await store.open();
    await engine.start();
    await engine.upsertItems(testCatalogue().map((item) => normaliseItem(item, new Date().toISOString())));
    await engine.ingestEvents(audienceEvents() as unknown as InteractionEvent[]);
    const job = await engine.requestRetrain('full');
    await until(async () => (await engine.getJob(job.id))?.state === 'completed', 30_000);
    trained = ((await engine.getJob(job.id))!.result as { version: string }).version;
    expect(await registry.activeVersion()).toBe(trained);
  } finally {
    engine.close();
    await jobs.close();
    await registry.close();
    await store.close();
  }
}, 40_000);

afterAll(async () => {
  for (const service of replicas) await service.close();
  await server?.stop();
});

describe.skipIf(Boolean(process.env.REDIS_TEST_URL))('distributed mode with Redis failing', () => {
  it('starts while Redis is down: live, not ready, degraded answers at once, writes 503; ready soon after Redis returns', async () => {
    await server.kill();
    const [{ baseUrl }, startMs] = await timed(startReplica);
    expect(startMs).toBeLessThan(2000); // does not wait for Redis

    expect((await call(baseUrl, 'GET', '/healthz')).status).toBe(200);
    const readiness = await call(baseUrl, 'GET', '/readyz');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({ status: 'not_ready', checks: { engine: false, store: false } });

    // Nothing was ever loaded: an empty list, marked degraded, answered in milliseconds.
    const [recommendations, recommendMs] = await timed(() => call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations?limit=5'));
    expect(recommendations.status).toBe(200);
    expect(recommendations.body).toMatchObject({ degraded: true, model_version: null, items: [] });
    expect(recommendMs).toBeLessThan(500);
    const [events, eventsMs] = await timed(() => call(baseUrl, 'POST', '/v1/events', oneEvent('anime-fan-1')));
    expect(events.status).toBe(503);
    expect(events.body.error.code).toBe('SERVICE_UNAVAILABLE');
    // 5 s, or what is left of the circuit breaker's cool-down once it opened.
    expect(Number(events.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(events.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(eventsMs).toBeLessThan(500);
    expect((await call(baseUrl, 'POST', '/v1/models/retrain', {})).status).toBe(503);
    expect((await call(baseUrl, 'GET', '/v1/models')).status).toBe(503);

    await server.restart();
    const readyMs = await until(async () => (await call(baseUrl, 'GET', '/readyz')).status === 200, RECOVERY_BOUND_MS);
    const served = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations?limit=5');
    expect(served.body).toMatchObject({ degraded: false, model_version: trained });
    expect(served.body.items).toHaveLength(5);
    expect((await call(baseUrl, 'POST', '/v1/events', oneEvent('anime-fan-1'))).status).toBe(202);
    console.log(
      `replica started without Redis in ${startMs.toFixed(0)} ms; degraded recommendation in ${recommendMs.toFixed(1)} ms, ` +
        `refused event in ${eventsMs.toFixed(1)} ms; ready ${readyMs.toFixed(0)} ms after Redis returned`,
    );
  }, 30_000);

  it('Redis killed under load: no 5xx on recommendations, degraded answers from the loaded model, recovery within 5 s, no acknowledged event lost', async () => {
    const { service, baseUrl } = await startReplica();
    await service.connected;
    await until(() => service.engine.activeVersion() === trained, 5000);

    interface Answer {
      kind: 'recommend' | 'events';
      sentAt: number;
      at: number;
      status: number;
      degraded?: boolean;
      items?: number;
      model?: string | null;
    }
    const answers: Answer[] = [];
    const acknowledged: string[] = [];
    let stopped = false;
    const recommender = async (client: number) => {
      for (let i = 0; !stopped; i++) {
        const user = FANS[(client * 5 + i) % FANS.length]!;
        const sentAt = performance.now();
        const { status, body } = await call(baseUrl, 'GET', `/v1/users/${user}/recommendations?limit=5`);
        answers.push({ kind: 'recommend', sentAt, at: performance.now(), status, degraded: body.degraded, items: body.items?.length, model: body.model_version });
      }
    };
    const ingester = async () => {
      for (let i = 0; !stopped; i++) {
        const batch = Array.from({ length: 5 }, (_, k) => ({
          event_id: nextEventId(),
          user_id: FANS[(i + k) % FANS.length]!,
          item_id: `crime-${(i + k) % 30}`,
          type: 'watch',
          completion: 0.9,
        }));
        const sentAt = performance.now();
        const { status } = await call(baseUrl, 'POST', '/v1/events', { events: batch });
        if (status === 202) acknowledged.push(...batch.map((e) => e.event_id));
        answers.push({ kind: 'events', sentAt, at: performance.now(), status });
      }
    };
    const load = Promise.all([...Array.from({ length: 6 }, (_, c) => recommender(c)), ingester(), ingester()]);
    try {
      await sleep(1000);
      const killedAt = performance.now();
      await server.kill();
      await sleep(2000);
      await server.restart();
      const backAt = performance.now();
      const recovered = (kind: Answer['kind']) =>
        answers.find((a) => a.kind === kind && a.sentAt >= backAt && (kind === 'events' ? a.status === 202 : a.degraded === false));
      await until(() => Boolean(recovered('recommend') && recovered('events')), RECOVERY_BOUND_MS + 1000);
      await sleep(500);
      stopped = true;
      await load;

      const recommendations = answers.filter((a) => a.kind === 'recommend');
      const events = answers.filter((a) => a.kind === 'events');
      expect(recommendations.filter((a) => a.status !== 200)).toEqual([]);
      expect(events.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);

      // While Redis was down: answers from the model loaded before, marked degraded; writes refused.
      const outage = (a: Answer) => a.sentAt > killedAt + 50 && a.at < backAt;
      const degraded = recommendations.filter((a) => outage(a) && a.degraded);
      expect(degraded.length).toBeGreaterThan(10);
      for (const answer of degraded) expect(answer).toMatchObject({ items: 5, model: trained });
      expect(events.filter((a) => outage(a) && a.status === 503).length).toBeGreaterThan(0);
      const outageLatencies = recommendations.filter(outage).map((a) => a.at - a.sentAt).sort((x, y) => x - y);

      const recommendRecoveryMs = recovered('recommend')!.at - backAt;
      const eventsRecoveryMs = recovered('events')!.at - backAt;
      expect(recommendRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
      expect(eventsRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

      // Every acknowledged event is in the log, the ones acknowledged just before the kill included.
      const ackedBefore = events.filter((a) => a.at < killedAt && a.status === 202).length;
      expect(ackedBefore).toBeGreaterThan(0);
      const check = createRedisStore({ url: server.url, keyPrefix });
      try {
        await check.open();
        const present = await Promise.all(acknowledged.map((id) => check.events.has(id)));
        expect(acknowledged.filter((_, i) => !present[i])).toEqual([]);
      } finally {
        await check.close();
      }

      const p = (q: number) => outageLatencies[Math.min(outageLatencies.length - 1, Math.floor(q * outageLatencies.length))]!;
      console.log(
        `Redis killed under load: ${recommendations.length} recommendation requests (0 errors, ${degraded.length} degraded while down, ` +
          `p50 ${p(0.5).toFixed(1)} ms / p99 ${p(0.99).toFixed(1)} ms while down), ${events.length} event requests ` +
          `(${events.filter((a) => a.status === 503).length} refused with 503, ${acknowledged.length} events acknowledged, none lost); ` +
          `recommendations non-degraded ${recommendRecoveryMs.toFixed(0)} ms and events accepted ${eventsRecoveryMs.toFixed(0)} ms after Redis returned`,
      );
    } finally {
      stopped = true;
      await load;
    }
  }, 40_000);
});
