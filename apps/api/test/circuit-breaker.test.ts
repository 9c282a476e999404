// The API replica's circuit breaker on Redis, against a real redis-server and real HTTP. A hung
// Redis (SIGSTOP: the connection stays open, nothing answers) is the case the breaker is for: a
// killed one already fails fast. Once the breaker opens, recommendations answer at once from
// memory (degraded) and writes get 503 with Retry-After, instead of each waiting for a timeout;
// after SIGCONT the half-open probe closes it again.
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
let server: RedisTestServer;
let service: DistributedService;
let baseUrl: string;
let redisPid: number;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not so after ${timeoutMs} ms`);
    await sleep(25);
  }
  return performance.now() - started;
}

/** Lets a stopped redis-server run again (it may have been killed and replaced meanwhile). */
function resume(): void {
  try {
    if (redisPid) process.kill(redisPid, 'SIGCONT');
  } catch {
    // already gone
  }
}

const oneEvent = () => ({ events: [{ event_id: nextEventId(), user_id: 'anime-fan-1', item_id: 'anime-3', type: 'complete' }] });

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
  // The catalogue, the audience and an active model version, as a worker would leave them.
  const store = createRedisStore({ url: server.url, keyPrefix });
  const registry = createRedisModelRegistry({ url: server.url, keyPrefix });
  const jobs = new InProcessJobRunner();
  const trainer = new RecommendationEngine({ store, registry, jobs }, { trainOnStart: false, retrainEveryMs: 0, incrementalEveryMs: 0 });
  try {
    await store.open();
    await trainer.start();
    await trainer.upsertItems(testCatalogue().map((item) => normaliseItem(item, new Date().toISOString())));
    await trainer.ingestEvents(audienceEvents() as unknown as InteractionEvent[]);
    const job = await trainer.requestRetrain('full');
    await until(async () => (await trainer.getJob(job.id))?.state === 'completed', 30_000);
  } finally {
    trainer.close();
    await jobs.close();
    await registry.close();
    await store.close();
  }
  const config = loadConfig({ RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RATE_LIMIT_PER_MINUTE: '10000000' });
  service = await createDistributedService(config, { url: server.url, keyPrefix });
  baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  await service.connected;
  await until(async () => service.engine.activeVersion() !== undefined, 5000);
  redisPid = Number(/process_id:(\d+)/.exec(await service.store.redis.info('server'))![1]);
}, 60_000);

afterAll(async () => {
  resume();
  await service?.close();
  await server?.stop();
});

describe.skipIf(Boolean(process.env.REDIS_TEST_URL))('circuit breaker on Redis (distributed mode)', () => {
  it('opens on a hung Redis: reads answer degraded at once, writes 503 with Retry-After; closes once Redis answers again', async () => {
    const warm = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations?limit=5');
    expect(warm.body).toMatchObject({ degraded: false });
    expect((await call(baseUrl, 'GET', '/readyz')).body.circuit_breakers.redis).toMatchObject({ state: 'closed', opened_total: 0 });

    process.kill(redisPid, 'SIGSTOP');
    try {
      // The first calls wait out the call timeout (1 s) and trip the breaker; none is an error.
      const first = await Promise.all(
        Array.from({ length: 6 }, (_, i) => call(baseUrl, 'GET', `/v1/users/crime-fan-${i}/recommendations?limit=5`)),
      );
      for (const answer of first) expect(answer).toMatchObject({ status: 200, body: { degraded: true } });
      expect(service.breaker.state).toBe('open');

      // Open: answered from memory without touching Redis, in milliseconds.
      const [read, readMs] = await timed(() => call(baseUrl, 'GET', '/v1/users/anime-fan-2/recommendations?limit=5'));
      expect(read.status).toBe(200);
      expect(read.body.degraded).toBe(true);
      expect(read.body.items).toHaveLength(5);
      expect(readMs).toBeLessThan(100);
      const [write, writeMs] = await timed(() => call(baseUrl, 'POST', '/v1/events', oneEvent()));
      expect(write.status).toBe(503);
      expect(write.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(write.headers.get('retry-after'))).toBeLessThanOrEqual(2);
      expect(writeMs).toBeLessThan(100);
      const [models, modelsMs] = await timed(() => call(baseUrl, 'GET', '/v1/models'));
      expect(models.status).toBe(503);
      expect(modelsMs).toBeLessThan(100);

      const [readiness, readinessMs] = await timed(() => call(baseUrl, 'GET', '/readyz'));
      expect(readiness.status).toBe(503);
      expect(readiness.body.circuit_breakers.redis).toMatchObject({ state: 'open', opened_total: 1 });
      expect(readiness.body.circuit_breakers.redis.rejected_total).toBeGreaterThan(0);
      expect(readinessMs).toBeLessThan(100);
      const metrics = await call(baseUrl, 'GET', '/metrics');
      expect(metrics.body).toContain('recsys_circuit_breaker_state{dependency="redis",state="open"} 1');
      expect(metrics.body).toMatch(/recsys_circuit_breaker_opened_total\{dependency="redis"\} 1/);
    } finally {
      resume();
    }

    // After the cool-down a probe goes through, succeeds and closes the breaker.
    const closedMs = await until(async () => {
      const answer = await call(baseUrl, 'GET', '/v1/users/anime-fan-2/recommendations?limit=5');
      return answer.status === 200 && answer.body.degraded === false;
    }, 5000);
    expect(service.breaker.state).toBe('closed');
    expect((await call(baseUrl, 'POST', '/v1/events', oneEvent())).status).toBe(202);
    expect((await call(baseUrl, 'GET', '/readyz')).body).toMatchObject({ status: 'ready', circuit_breakers: { redis: { state: 'closed' } } });
    console.log(`breaker: non-degraded again ${closedMs.toFixed(0)} ms after Redis resumed`);
  }, 30_000);

  it('Redis killed under mixed load: zero 5xx on reads, writes 503 with Retry-After then accepted after a retry', async () => {
    const statuses = { read: new Map<number, number>(), write: new Map<number, number>() };
    const count = (map: Map<number, number>, status: number) => map.set(status, (map.get(status) ?? 0) + 1);
    let stopped = false;
    const acknowledged: string[] = [];
    const reader = async (c: number) => {
      for (let i = 0; !stopped; i++) {
        const answer = await call(baseUrl, 'GET', `/v1/users/anime-fan-${(c + i) % 12}/recommendations?limit=5`);
        count(statuses.read, answer.status);
      }
    };
    // A client that retries refused writes after Retry-After, as the API asks.
    const writer = async () => {
      while (!stopped) {
        const body = oneEvent();
        for (;;) {
          const answer = await call(baseUrl, 'POST', '/v1/events', body);
          count(statuses.write, answer.status);
          if (answer.status === 202) {
            acknowledged.push(body.events[0]!.event_id);
            break;
          }
          expect(answer.status).toBe(503);
          const wait = Number(answer.headers.get('retry-after'));
          expect(wait).toBeGreaterThan(0);
          await sleep(Math.min(wait * 1000, 500)); // shortened to keep the test quick
        }
      }
    };
    const load = Promise.all([reader(0), reader(1), reader(2), writer()]);
    await sleep(300);
    await server.kill();
    await sleep(1500);
    await server.restart();
    await until(async () => service.breaker.state === 'closed' && (await call(baseUrl, 'GET', '/readyz')).status === 200, 5000);
    await sleep(300);
    stopped = true;
    await load;
    expect([...statuses.read.keys()]).toEqual([200]);
    expect([...statuses.write.keys()].sort()).toEqual([202, 503]);
    expect(service.breaker.snapshot().opened_total).toBeGreaterThanOrEqual(2);
    // Every acknowledged event is in the log.
    const present = await Promise.all(acknowledged.map((id) => service.store.events.has(id)));
    expect(present.every(Boolean)).toBe(true);
  }, 30_000);
});
