import { acceptedEvents, type InteractionEvent, type Store } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { DAY, event } from '../embedded/test-support.js';
import { byItemId, prefs } from './fixtures.js';
import type { StoreHarness } from './harness.js';

const HALF_LIFE = 7 * DAY;
const NO_LEARNING = { impressions: 0, attributions: 0, assignments: 0 };

async function ingest(store: Store, events: InteractionEvent[]): Promise<void> {
  await store.features.record(acceptedEvents(events, await store.events.append(events)));
}

async function scanIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

// GDPR erasure: what every Store adapter must do.
export function erasureContract(harness: StoreHarness): void {
  describe('eraseUser', () => {
    const events = [
      event('1', 'gone', 'first', 'save', { at: 0 }), // the erased user's event starts the item's trend
      event('2', 'a', 'first', 'complete', { at: 2 * DAY }),
      event('3', 'a', 'latest', 'complete', { at: DAY }),
      event('4', 'gone', 'latest', 'rewatch', { at: 9 * DAY }), // and is the item's latest
      event('5', 'gone', 'only', 'complete', { at: 3 * DAY }), // the only user of the item
      event('6', 'b', 'latest', 'rate', { rating: 1, at: 4 * DAY }),
      event('7', 'gone', 'neg', 'skip', { at: 5 * DAY }),
      event('8', 'b', 'neg', 'click', { at: 6 * DAY }),
      event('9', 'b', 'untouched', 'dwell', { dwell_seconds: 60, at: DAY }),
    ];
    const remaining = events.filter((e) => e.user_id !== 'gone');

    it('removes the user\'s events, preferences and features, and item counters as if never recorded', async () => {
      const store = await harness.create({ trendingHalfLifeMs: HALF_LIFE });
      const never = await harness.create({ trendingHalfLifeMs: HALF_LIFE });
      await ingest(store, events);
      await ingest(never, remaining);
      await store.users.setPreferences('gone', prefs(['Anime']));
      await store.users.setPreferences('a', { ...prefs([]), friends: ['gone'] });

      expect(await store.eraseUser('gone')).toEqual({ user_id: 'gone', events: 4, preferences: true, features: 4, learning: NO_LEARNING });
      expect(byItemId(await store.features.items())).toEqual(byItemId(await never.features.items()));
      expect((await store.features.items()).find((f) => f.item_id === 'only')).toBeUndefined();
      expect(await store.features.userItems('gone')).toEqual([]);
      expect(await store.features.userItems('a')).toEqual(await never.features.userItems('a'));
      expect(await store.events.forUser('gone')).toEqual([]);
      expect(await store.users.getPreferences('gone')).toBeUndefined();
      expect((await store.users.userIds()).sort()).toEqual(['a', 'b']);
      expect((await store.users.getPreferences('a'))?.friends).toEqual(['gone']); // a's data, kept
      expect(await scanIds(store)).toEqual(remaining.map((e) => e.event_id));
      expect(await store.events.count()).toBe(remaining.length);
      expect(await store.events.has('1')).toBe(false);
      const users: string[] = [];
      for await (const [userId] of store.features.allUsers()) users.push(userId);
      expect(users.sort()).toEqual(['a', 'b']);

      // A late retry of an erased event does not bring it back.
      expect(await store.events.append([events[0]!])).toEqual({ accepted: [], duplicates: ['1'] });
      expect(await store.eraseUser('gone')).toEqual({ user_id: 'gone', events: 0, preferences: false, features: 0, learning: NO_LEARNING });

      const reopened = await harness.reopen(store);
      expect(await scanIds(reopened)).toEqual(remaining.map((e) => e.event_id));
      expect(await reopened.users.getPreferences('gone')).toBeUndefined();
      expect(byItemId(await reopened.features.items())).toEqual(byItemId(await never.features.items()));
      expect(await reopened.events.append([events[3]!])).toEqual({ accepted: [], duplicates: ['4'] });
    });

    it('keeps events the user sends after the erasure', async () => {
      const store = await harness.create();
      await ingest(store, [event('old', 'u', 'm', 'save')]);
      await store.eraseUser('u');
      await ingest(store, [event('new', 'u', 'm', 'save')]);
      expect((await store.events.forUser('u')).map((e) => e.event_id)).toEqual(['new']);
      expect((await store.features.userItems('u')).map((f) => [f.item_id, f.preference])).toEqual([['m', 2]]);
      expect((await store.features.items()).map((f) => [f.item_id, f.positive_users, f.positive_weight])).toEqual([['m', 1, 2]]);
    });

    it('refuses an empty user id', async () => {
      const store = await harness.create();
      await expect(store.eraseUser('')).rejects.toThrow(TypeError);
    });
  });
}
