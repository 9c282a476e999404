// RedisStore.ingest: append + feature fold in one script. It must store exactly what append then
// record would, and close the gap those two calls leave: an append that succeeded while the
// feature write failed made the client's retry a duplicate, so the events never reached the
// features.
import { acceptedEvents, type InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { DAY, event } from '../embedded/test-support.js';
import type { RedisStore } from './redis-store.js';
import { redisTestSuite } from './redis-test-suite.js';

const suite = redisTestSuite();
const { harnesses } = suite;

/** Every key of the store with its content, prefix stripped, stream entry ids replaced by their order. */
async function contents(store: RedisStore): Promise<Record<string, unknown>> {
  const prefix = store.keys.prefix;
  const keys: string[] = [];
  for await (const page of suite.admin.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(page as string[]));
  const entries = (await suite.admin.xrange(store.keys.events, '-', '+')).map(([id]) => id);
  const ordinal = (id: string) => `#${entries.indexOf(id)}`;
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const name = key.slice(prefix.length);
    const type = await suite.admin.type(key);
    if (type === 'hash') {
      const hash = await suite.admin.hgetall(key);
      out[name] = Object.fromEntries(Object.entries(hash).map(([f, v]) => [entries.includes(f) ? ordinal(f) : f, v]).sort());
    } else if (type === 'set') out[name] = (await suite.admin.smembers(key)).sort();
    else if (type === 'list') out[name] = (await suite.admin.lrange(key, 0, -1)).map(ordinal);
    else if (type === 'stream') out[name] = entries.length;
    else out[name] = await suite.admin.get(key);
  }
  return out;
}

const batch = (): InteractionEvent[] => [
  event('e1', 'u1', 'm1', 'complete', { at: 0 }),
  event('e2', 'u1', 'm2', 'rate', { rating: 1.5, at: DAY }),
  event('e3', 'u2', 'm1', 'watch', { completion: 0.4, at: 2 * DAY }),
  event('e4', 'u2', 'm3', 'skip', { at: 3 * DAY }),
  event('e5', 'u3', 'm1', 'impression', { at: 4 * DAY }),
  { event_id: 'e6', user_id: 'u3', type: 'search', query: 'space opera', timestamp: new Date(0).toISOString() } as InteractionEvent,
  event('e1', 'u1', 'm1', 'complete', { at: 0 }), // repeated within the batch
  event('e7', 'u1', 'm1', 'complete', { at: -DAY }), // older than the item's trending_at
];

describe('RedisStore.ingest', () => {
  it('stores exactly what events.append then features.record store, and reports the same duplicates', async () => {
    const twoCalls = await harnesses.openStore();
    const oneScript = await harnesses.openStore();
    const first = batch();
    const appended = await twoCalls.events.append(first);
    await twoCalls.features.record(acceptedEvents(first, appended));
    const ingested = await oneScript.ingest(batch());
    expect(ingested).toEqual(appended);
    expect(ingested.duplicates).toEqual(['e1']);
    expect(await contents(oneScript)).toEqual(await contents(twoCalls));
    expect(await oneScript.features.userItems('u1')).toEqual(await twoCalls.features.userItems('u1'));

    // A retry of the whole batch: all duplicates, nothing counted twice.
    const before = await contents(oneScript);
    expect((await oneScript.ingest(batch())).accepted).toEqual([]);
    expect(await contents(oneScript)).toEqual(before);
  });

  it('an acknowledged event always reaches the features: no append without its fold', async () => {
    const store = await harnesses.openStore();
    // The failure the two-call path suffers: the append lands, the feature write does not.
    const split = await harnesses.openStore();
    await split.events.append([event('a1', 'u', 'm', 'complete')]);
    // ...the client saw an error and retries: a duplicate, and the features stay empty.
    const retried = await split.events.append([event('a1', 'u', 'm', 'complete')]);
    expect(retried.duplicates).toEqual(['a1']);
    expect(await split.features.userItems('u')).toEqual([]);

    // With ingest, the same retry finds the features already folded, because both happened at once.
    await store.ingest([event('a1', 'u', 'm', 'complete')]);
    expect((await store.ingest([event('a1', 'u', 'm', 'complete')])).duplicates).toEqual(['a1']);
    expect(await store.features.userItems('u')).toMatchObject([{ item_id: 'm', events: 1, consumed: true }]);
    // A malformed event is refused before the script runs: nothing of its batch is stored.
    await expect(store.ingest([event('b1', 'u', 'm'), { event_id: '', user_id: 'u' } as InteractionEvent])).rejects.toThrow(TypeError);
    expect(await store.events.has('b1')).toBe(false);
  });

  it('keeps erased events out, as append does', async () => {
    const store = await harnesses.openStore();
    await store.ingest([event('x1', 'gone', 'm'), event('x2', 'kept', 'm')]);
    await store.eraseUser('gone');
    const retry = await store.ingest([event('x1', 'gone', 'm')]);
    expect(retry).toEqual({ accepted: [], duplicates: ['x1'] });
    expect(await store.features.userItems('gone')).toEqual([]);
    expect((await store.features.items()).find((f) => f.item_id === 'm')).toMatchObject({ positive_users: 1 });
  });
});
