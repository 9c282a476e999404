import type { Impression } from '@recsys/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisHarnesses, uniquePrefix } from './test-harness.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

// Replicas share the learning state: two stores on one Redis and one key prefix, writing at once.

let server: RedisTestServer;
const harnesses = new RedisHarnesses(() => server.url);
beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(() => harnesses.cleanup());
afterAll(() => server?.stop());

const impression = (request_id: string, user_id: string, arm: string): Impression => ({
  request_id,
  user_id,
  item_id: 'm1',
  position: 1,
  algorithm_source: 'ncf_primary',
  experiment_id: 'exp',
  variant: 'v',
  arm,
  served_at: Date.now(),
});

describe('RedisLearningStore across replicas', () => {
  it('counts and updates the bandit atomically when replicas write concurrently', async () => {
    const keyPrefix = uniquePrefix();
    const first = (await harnesses.openStore({ keyPrefix })).learning;
    const second = (await harnesses.openStore({ keyPrefix })).learning;
    const writes = [];
    for (let i = 0; i < 200; i++) {
      const store = i % 2 ? first : second;
      writes.push(store.recordImpressions([impression(`r${i}`, `u${i % 7}`, i % 4 ? 'ncf' : 'story')], { halfLifeObservations: null }));
    }
    await Promise.all(writes);
    const clicks = [];
    for (let i = 0; i < 200; i += 2) {
      const store = i % 4 ? first : second;
      clicks.push(store.attribute([{ event_id: `c${i}`, user_id: `u${i % 7}`, item_id: 'm1', request_id: `r${i}`, event_type: 'click', at: Date.now(), preference: 0.5, play: false, completed: false }]));
    }
    await Promise.all(clicks);
    const [counters] = await second.variantCounters('exp');
    expect(counters).toMatchObject({ users: 7, impressions: 200, clicks: 100 });
    const state = await first.banditState();
    expect(state.observations).toBe(200);
    const arm = (name: string) => state.arms.find((a) => a.arm === name)!;
    // Without decay every slot is one observation and every clicked slot one success.
    const ncfSlots = [...Array(200).keys()].filter((i) => i % 4 !== 0);
    const ncfClicked = ncfSlots.filter((i) => i % 2 === 0).length;
    expect(arm('ncf').successes).toBeCloseTo(ncfClicked, 9);
    expect(arm('ncf').failures).toBeCloseTo(ncfSlots.length - ncfClicked, 9);
    expect(arm('story').successes).toBeCloseTo(50, 9);
    expect(arm('story').failures).toBeCloseTo(0, 9);
  });
});

describe('RedisLearningStore expiry', () => {
  it('impressions and their user indexes expire after the impression window, attributions after the retention', async () => {
    const keyPrefix = uniquePrefix();
    const store = await harnesses.openStore({ keyPrefix, learning: { impressionWindowMs: 35 * 60_000, retentionMs: 7 * 24 * 3600_000 } });
    const learning = store.learning;
    await learning.recordImpressions([impression('r1', 'u1', 'ncf')], { halfLifeObservations: null });
    await learning.attribute([{ event_id: 'c1', user_id: 'u1', item_id: 'm1', request_id: 'r1', event_type: 'click', at: Date.now(), preference: 0.5, play: false, completed: false }]);
    const ttl = (key: string) => store.redis.ttl(key);
    const k = learning.keys;
    for (const key of [k.impressions('r1'), k.latest('u1'), k.requests('u1')]) {
      expect(await ttl(key)).toBeGreaterThan(35 * 60 - 10);
      expect(await ttl(key)).toBeLessThanOrEqual(35 * 60);
    }
    expect(await ttl(k.attributions('u1'))).toBeGreaterThan(7 * 24 * 3600 - 10);
    // Aggregates do not expire.
    expect(await ttl(k.counters('exp'))).toBe(-1);
    expect(await ttl(k.bandit)).toBe(-1);
  });
});
