// The worker as deployed: its own process on a real Redis, training from what the API stored,
// publishing the version, and stopping cleanly on SIGTERM.
import { randomUUID } from 'node:crypto';
import { acceptedEvents, type InteractionEvent } from '@recsys/core';
import { createRedisModelRegistry, createRedisStore, type RedisModelRegistry, type RedisStore } from '@recsys/store';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, startWorker } from './worker-harness.js';

let server: RedisTestServer;
let store: RedisStore;
let registry: RedisModelRegistry;
const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;

beforeAll(async () => {
  server = await startRedisServer();
  store = createRedisStore({ url: server.url, keyPrefix });
  await store.open();
  registry = createRedisModelRegistry({ url: server.url, keyPrefix });
});
afterAll(async () => {
  await registry?.close();
  await store?.close();
  await server?.stop();
});

function audience(): InteractionEvent[] {
  const events: InteractionEvent[] = [];
  for (let u = 0; u < 30; u++) {
    const taste = u % 2 ? 'anime' : 'crime';
    for (let k = 0; k < 8; k++) {
      const i = 2 * ((u * 3 + k * 5) % 20) + (taste === 'anime' ? 1 : 0);
      events.push({ event_id: `e${u}-${k}`, user_id: `u${u}`, item_id: `${taste}-${i}`, type: 'complete', timestamp: new Date(Date.UTC(2026, 0, 1, k)).toISOString() });
    }
  }
  return events;
}

describe('worker process', () => {
  it('trains and activates a first version from the stored events, then stops on SIGTERM', async () => {
    await store.catalog.upsert(catalogue(40));
    const events = audience();
    await store.features.record(acceptedEvents(events, await store.events.append(events)));
    const seen: string[] = [];
    registry.onActivated((version) => void seen.push(version));
    await registry.subscribed();

    const worker = startWorker({ REDIS_URL: server.url, RECSYS_KEY_PREFIX: keyPrefix, RECSYS_RETRAIN_INTERVAL_MINUTES: '60' });
    try {
      await expect.poll(() => seen.length, { timeout: 60_000, interval: 50 }).toBe(1);
      const active = await registry.get(seen[0]!);
      expect(active).toMatchObject({ status: 'active', components: expect.arrayContaining(['als']) });
      expect(Object.keys(await registry.load(seen[0]!)).length).toBeGreaterThan(0);
      // The nightly retrain is a job scheduler in Redis, which outlives this worker.
      expect(await store.redis.exists(`${keyPrefix}bull:retrain:repeat:retrain`)).toBe(1);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toMatch(/worker ready/);
    expect(worker.output()).toMatch(/worker stopped/);
  });

  it('refuses to start without REDIS_URL', async () => {
    const worker = startWorker({ REDIS_URL: '' });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/REDIS_URL is required/);
  });
});
