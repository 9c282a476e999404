import type { FeatureStore } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { trendingAt } from '../embedded/feature-store.js';
import { DAY, HOUR, atMs, event } from '../embedded/test-support.js';
import type { StoreHarness } from './harness.js';

const HALF_LIFE = 7 * DAY;

async function item(store: FeatureStore, itemId: string) {
  return (await store.items()).find((f) => f.item_id === itemId);
}

// Features derived from events: what every Store adapter's feature store must do.
export function featureContract(harness: StoreHarness): void {
  const features = async (options?: { trendingHalfLifeMs?: number }) => (await harness.create(options)).features;

  describe('features', () => {
    it('aggregates one user\'s events on an item through the feedback mapping', async () => {
      const store = await features();
      await store.record([
        event('1', 'u', 'm', 'click', { at: 0 }),
        event('2', 'u', 'm', 'complete', { at: 2 * HOUR }),
        event('3', 'u', 'm', 'impression', { at: 5 * HOUR }), // carries no signal
        event('4', 'u', 'n', 'save', { at: HOUR }),
      ]);
      const userItems = await store.userItems('u');
      expect(userItems.find((f) => f.item_id === 'm')).toEqual({
        item_id: 'm',
        preference: 3.5,
        events: 2,
        consumed: true,
        last_at: atMs(2 * HOUR),
      });
      expect(userItems.find((f) => f.item_id === 'n')).toMatchObject({ preference: 2, consumed: false, events: 1 });
      expect(await store.userItems('nobody')).toEqual([]);
    });

    it('keeps positive_users right when a user\'s summed preference crosses zero both ways', async () => {
      const store = await features();
      await store.record([event('1', 'a', 'm', 'click'), event('2', 'b', 'm', 'complete')]);
      expect((await item(store, 'm'))?.positive_users).toBe(2);

      await store.record([event('3', 'a', 'm', 'skip')]); // 0.5 - 2 < 0
      expect((await item(store, 'm'))?.positive_users).toBe(1);
      await store.record([event('4', 'a', 'm', 'skip')]); // still negative: no double decrement
      expect((await item(store, 'm'))?.positive_users).toBe(1);

      await store.record([event('5', 'a', 'm', 'rewatch')]); // -3.5 + 4 > 0
      expect((await item(store, 'm'))?.positive_users).toBe(2);

      await store.record([event('6', 'c', 'm', 'rate', { rating: 1 })]); // negative from the start
      const m = await item(store, 'm');
      expect(m?.positive_users).toBe(2);
      expect(m?.positive_weight).toBe(0.5 + 3 + 4); // negatives never subtract
    });

    it('does not count float residue of a cancelled preference as positive', async () => {
      const store = await features();
      // Dwell 4 s + 119 s + 117 s is exactly 1, minus 1 for an abandoned watch: 0 in exact
      // arithmetic, 5.6e-17 in floating point.
      await store.record([
        event('1', 'u', 'm', 'dwell', { dwell_seconds: 4 }),
        event('2', 'u', 'm', 'dwell', { dwell_seconds: 119 }),
        event('3', 'u', 'm', 'watch', { completion: 0.05 }),
        event('4', 'u', 'm', 'dwell', { dwell_seconds: 117 }),
      ]);
      expect((await store.userItems('u'))[0]!.preference).toBeCloseTo(0, 12);
      expect((await item(store, 'm'))?.positive_users).toBe(0);
    });

    it('hands out copies, so callers cannot change the stored features', async () => {
      const store = await features();
      await store.record([event('1', 'u', 'm', 'save')]);
      (await store.userItems('u'))[0]!.preference = 100;
      (await store.items())[0]!.positive_users = 100;
      expect((await store.userItems('u'))[0]!.preference).toBe(2);
      expect((await store.items())[0]!.positive_users).toBe(1);
    });

    it('decays trending with the half-life, driven by event time', async () => {
      const store = await features({ trendingHalfLifeMs: HALF_LIFE });
      await store.record([event('1', 'a', 'm', 'complete', { at: 0 })]); // weight 3
      await store.record([event('2', 'b', 'm', 'complete', { at: HALF_LIFE })]);
      const m = (await item(store, 'm'))!;
      expect(m.trending_at).toBe(atMs(HALF_LIFE));
      expect(m.trending).toBeCloseTo(3 / 2 + 3);
      expect(trendingAt(m, atMs(2 * HALF_LIFE), HALF_LIFE)).toBeCloseTo((3 / 2 + 3) / 2);
      expect(trendingAt(m, atMs(0), HALF_LIFE)).toBe(m.trending); // never grows backwards
      expect(m.positive_weight).toBe(6);
    });

    it('gives the same trending whatever the order events arrive in', async () => {
      const times = [5 * DAY, 0, 12 * DAY, 3 * HOUR, 9 * DAY];
      const events = times.map((at, i) => event(`${i}`, `u${i}`, 'm', 'save', { at }));
      const inOrder = await features({ trendingHalfLifeMs: HALF_LIFE });
      await inOrder.record([...events].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)));
      const shuffled = await features({ trendingHalfLifeMs: HALF_LIFE });
      for (const e of events) await shuffled.record([e]);

      const expected = times.reduce((sum, at) => sum + 2 * Math.pow(2, -(12 * DAY - at) / HALF_LIFE), 0);
      for (const store of [inOrder, shuffled]) {
        const m = (await item(store, 'm'))!;
        expect(m.trending_at).toBe(atMs(12 * DAY));
        expect(m.trending).toBeCloseTo(expected, 10);
      }
      // last_at follows the latest event even when an older one arrives after it.
      const late = await features();
      await late.record([event('x', 'u', 'm', 'click', { at: DAY }), event('y', 'u', 'm', 'click', { at: 0 })]);
      expect((await late.userItems('u'))[0]!.last_at).toBe(atMs(DAY));
    });

    it('lists every user\'s features for training', async () => {
      const store = await features();
      await store.record([event('1', 'a', 'm'), event('2', 'b', 'm'), event('3', 'b', 'n')]);
      const users: Record<string, string[]> = {};
      for await (const [userId, items] of store.allUsers()) users[userId] = items.map((f) => f.item_id);
      expect(users).toEqual({ a: ['m'], b: ['m', 'n'] });
    });
  });
}
