import { acceptedEvents, type InteractionEvent, type Store } from '@recsys/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { byItemId, comparableItems, item, prefs } from '../contract/fixtures.js';
import { DAY, event } from '../embedded/test-support.js';
import { runScript } from './lua-scripts.js';
import { RedisStore } from './redis-store.js';
import { uniquePrefix } from './test-harness.js';
import { redisTestSuite } from './redis-test-suite.js';
import { startRedisServer } from './testing/redis-server.js';

const suite = redisTestSuite();
const { harnesses } = suite;

async function ingest(store: Store, events: InteractionEvent[]): Promise<void> {
  await store.features.record(acceptedEvents(events, await store.events.append(events)));
}

async function keysOf(store: RedisStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of suite.admin.scanStream({ match: `${store.keys.prefix}*`, count: 1000 })) keys.push(...(page as string[]));
  return keys.sort();
}

const HALF_LIFE = 7 * DAY;

describe('RedisStore', () => {
  it('keeps its state under the documented keys, with no TTL on anything it stores', async () => {
    const store = await harnesses.openStore();
    await store.catalog.upsert([item('m')]);
    await store.catalog.remove('m');
    await store.users.setPreferences('u', prefs(['Drama']));
    await ingest(store, [event('e1', 'u', 'm', 'save')]);
    const p = store.keys.prefix;
    const expected: Record<string, string> = {
      [`${p}catalog:items`]: 'hash',
      [`${p}catalog:removed`]: 'hash',
      [`${p}catalog:order`]: 'zset',
      [`${p}catalog:seq`]: 'string',
      [`${p}events`]: 'stream',
      [`${p}events:bodies`]: 'hash',
      [`${p}events:ids`]: 'set',
      [`${p}events:user:u`]: 'list',
      [`${p}users`]: 'set',
      [`${p}prefs:u`]: 'string',
      [`${p}features:user:u`]: 'hash',
      [`${p}features:items`]: 'hash',
    };
    expect(await keysOf(store)).toEqual(Object.keys(expected).sort());
    for (const [key, type] of Object.entries(expected)) {
      expect([key, await suite.admin.type(key), await suite.admin.ttl(key)]).toEqual([key, type, -1]);
    }
  });

  it('lets several processes append and record the same events concurrently, each event counted once', async () => {
    const first = await harnesses.openStore();
    const second = await harnesses.openStore({ keyPrefix: first.keys.prefix }); // another API replica
    const events = Array.from({ length: 300 }, (_, i) => event(`e${i}`, `u${i % 7}`, `m${i % 5}`, 'complete', { at: i * 1000 }));
    const batches = Array.from({ length: 30 }, (_, b) => events.slice(b * 10, b * 10 + 10));
    // Every batch is sent to both replicas at once (a client retrying through the load balancer).
    await Promise.all(batches.flatMap((batch) => [ingest(first, batch), ingest(second, batch)]));

    const single = await harnesses.openStore();
    await ingest(single, events);
    expect(await first.events.count()).toBe(300);
    expect(comparableItems(await second.features.items())).toEqual(comparableItems(await single.features.items()));
    // (in item order: the replicas' batches reach a user's hash in either order)
    expect(byItemId(await second.features.userItems('u3'))).toEqual(byItemId(await single.features.userItems('u3')));
  });

  it('refuses to open on a Redis that may evict keys', async () => {
    await suite.admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(harnesses.openStore()).rejects.toMatchObject({ code: 'REDIS_EVICTION_POLICY' });
      await harnesses.openStore({ requireNoEviction: false });
    } finally {
      await suite.admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('is healthy while open and Redis answers, and leaves a client passed in open', async () => {
    const client = new Redis(suite.server.url);
    const store = new RedisStore({ redis: client });
    expect(await store.healthy()).toBe(false);
    await store.open();
    expect(await store.healthy()).toBe(true);
    await store.close();
    expect(await store.healthy()).toBe(false);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('is unhealthy once Redis is gone', async () => {
    const other = await startRedisServer();
    const lonely = new RedisStore({ url: other.url, keyPrefix: uniquePrefix() });
    await lonely.open();
    expect(await lonely.healthy()).toBe(true);
    await other.stop();
    expect(await lonely.healthy()).toBe(false);
    lonely.redis.disconnect();
  });
});

describe('RedisStore.eraseUser', () => {
  const events = [
    event('1', 'gone', 'first', 'save', { at: 0 }),
    event('2', 'a', 'first', 'complete', { at: 2 * DAY }),
    event('3', 'a', 'latest', 'complete', { at: DAY }),
    event('4', 'gone', 'latest', 'rewatch', { at: 9 * DAY }),
    event('5', 'gone', 'only', 'complete', { at: 3 * DAY }),
    event('6', 'b', 'latest', 'rate', { rating: 1, at: 4 * DAY }),
  ];
  const remaining = events.filter((e) => e.user_id !== 'gone');

  it('leaves no key or value that names the user, and no scratch keys', async () => {
    const store = await harnesses.openStore({ trendingHalfLifeMs: HALF_LIFE });
    await ingest(store, events);
    await store.users.setPreferences('gone', prefs(['Anime']));
    await store.eraseUser('gone');
    const keys = await keysOf(store);
    expect(keys.filter((key) => key.includes('gone') || key.includes('erasure'))).toEqual([]);
    for (const key of keys) {
      const type = await suite.admin.type(key);
      const values =
        type === 'hash' ? Object.values(await suite.admin.hgetall(key))
        : type === 'set' ? await suite.admin.smembers(key)
        : type === 'list' ? await suite.admin.lrange(key, 0, -1)
        : type === 'string' ? [await suite.admin.get(key)]
        : [];
      expect(values.filter((value) => value?.includes('gone'))).toEqual([]);
    }
    expect(await suite.admin.exists(store.keys.erasures)).toBe(0);
  });

  it('finishes an erasure that a crash cut short after its first step', async () => {
    const store = await harnesses.openStore({ trendingHalfLifeMs: HALF_LIFE });
    const never = await harnesses.openStore({ trendingHalfLifeMs: HALF_LIFE });
    await ingest(store, events);
    await ingest(never, remaining);
    await firstStepOnly(store, 'gone');
    expect(await store.events.forUser('gone')).toEqual([]); // the user's data is gone at once ...
    expect(byItemId(await store.features.items())).not.toEqual(byItemId(await never.features.items())); // ... counters lag

    expect(await store.eraseUser('someone-else')).toMatchObject({ events: 0 }); // finishes the pending one first
    expect(byItemId(await store.features.items())).toEqual(byItemId(await never.features.items()));
    expect(await suite.admin.exists(store.keys.erasures)).toBe(0);
  });

  it('keeps what other users record on the touched items while the counters are rebuilt', async () => {
    const store = await harnesses.openStore({ trendingHalfLifeMs: HALF_LIFE });
    const never = await harnesses.openStore({ trendingHalfLifeMs: HALF_LIFE });
    const meanwhile = [event('7', 'c', 'latest', 'save', { at: 12 * DAY }), event('8', 'c', 'first', 'click', { at: DAY })];
    await ingest(store, events);
    await ingest(never, [...remaining, ...meanwhile]);
    await firstStepOnly(store, 'gone');
    await ingest(store, meanwhile); // recorded between the first step and the commit
    expect(await store.finishPendingErasures()).toBe(1);

    const actual = byItemId(await store.features.items());
    const expected = byItemId(await never.features.items());
    expect(actual.map((f) => [f.item_id, f.positive_users, f.trending_at])).toEqual(
      expected.map((f) => [f.item_id, f.positive_users, f.trending_at]),
    );
    actual.forEach((f, i) => {
      expect(f.positive_weight).toBeCloseTo(expected[i]!.positive_weight, 9);
      expect(f.trending).toBeCloseTo(expected[i]!.trending, 9);
    });
  });
});

/** Runs only the first, atomic step of an erasure, as a process that crashed right after it would. */
async function firstStepOnly(store: RedisStore, userId: string): Promise<void> {
  const k = store.keys;
  const keys = [
    k.events, k.eventBodies, k.eventIds, k.erasedEventIds, k.userEvents(userId), k.preferences(userId),
    k.users, k.userFeatures(userId), k.itemFeatures, k.erasures,
  ];
  expect(await runScript(store.redis, 'user-erase', keys, [userId, 'crashed'])).toEqual(['ok', 3, 0, 3]);
}
