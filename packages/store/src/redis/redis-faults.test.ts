// The Redis adapters while Redis is down: calls fail within milliseconds instead of waiting for
// the reconnection, and everything works again (subscriptions included) once Redis is back.
import { testItem } from '@recsys/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record } from '../contract/model-registry-contract.js';
import { RedisModelRegistry } from './redis-model-registry.js';
import { RedisStore } from './redis-store.js';
import { uniquePrefix } from './test-harness.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

let server: RedisTestServer;
beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
});
afterAll(async () => {
  await server?.stop();
});

async function failsWithin(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await expect(call()).rejects.toThrow();
  return performance.now() - started;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

const item = (id: string) => testItem(id, { languages: [] });

describe.skipIf(Boolean(process.env.REDIS_TEST_URL))('Redis adapters while Redis is down', () => {
  it('a store fails fast while Redis is down and serves its data again within a second of its return', async () => {
    const store = new RedisStore({ url: server.url, keyPrefix: uniquePrefix() });
    try {
      await store.open();
      await store.catalog.upsert([item('m1')]);
      await server.kill();

      expect(await failsWithin(() => store.catalog.get('m1'))).toBeLessThan(100);
      expect(await failsWithin(() => store.catalog.upsert([item('m2')]))).toBeLessThan(100);
      expect(await store.healthy()).toBe(false);

      await server.restart();
      const recovered = await eventually(async () => (await store.catalog.get('m1')) !== undefined, 3000);
      expect(recovered).toBeLessThan(1500); // reconnection backoff is capped at 1 s
      expect(await store.healthy()).toBe(true);
      expect(await store.catalog.get('m2')).toBeUndefined(); // the refused write was not applied
    } finally {
      await store.close();
    }
  });

  it('a registry made while Redis is down subscribes once Redis is up and hears activations', async () => {
    const prefix = uniquePrefix();
    await server.kill();
    const replica = new RedisModelRegistry({ url: server.url, keyPrefix: prefix });
    const worker = new RedisModelRegistry({ url: server.url, keyPrefix: prefix });
    try {
      const seen: string[] = [];
      replica.onActivated((version) => void seen.push(version));
      expect(await failsWithin(() => replica.activeVersion())).toBeLessThan(100);

      await server.restart();
      await replica.subscribed();
      await worker.save(record('v1', '2026-01-01T00:00:00Z'), { als: new Uint8Array([1]) });
      await worker.activate('v1');
      await eventually(() => seen.includes('v1'), 1000);
      expect(await replica.activeVersion()).toBe('v1');
    } finally {
      await replica.close();
      await worker.close();
    }
  });
});
