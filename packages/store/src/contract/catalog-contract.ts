import { describe, expect, it } from 'vitest';
import { item, prefs } from './fixtures.js';
import type { StoreHarness } from './harness.js';
import { event } from '../embedded/test-support.js';

// Catalogue and preferences: what every Store adapter must do.
export function catalogAndUsersContract(harness: StoreHarness): void {
  describe('catalogue', () => {
    it('upserts, removes (marks unavailable) and finds the same catalogue after a reopen', async () => {
      const store = await harness.create();
      await store.catalog.upsert([item('a'), item('b'), item('c')]);
      await store.catalog.upsert([item('b', 'B, retitled')]);
      expect(await store.catalog.remove('c')).toBe(true);
      expect(await store.catalog.remove('c')).toBe(true); // already removed, still exists
      expect(await store.catalog.remove('zzz')).toBe(false);
      expect((await store.catalog.get('c'))?.available).toBe(false);

      const reopened = await harness.reopen(store);
      expect((await reopened.catalog.all()).map((i) => [i.item_id, i.title, i.available])).toEqual([
        ['a', 'a', true],
        ['b', 'B, retitled', true],
        ['c', 'c', false],
      ]);
      expect(await reopened.catalog.count()).toBe(3);
      expect(await reopened.catalog.get('missing')).toBeUndefined();
    });

    it('keeps an item whole, and available again once upserted after a removal', async () => {
      const store = await harness.create();
      const full = { ...item('x'), plot: 'A plot.', genres: [], embedding: [0.1, -0.25, 1e-7], rating: 7.123456789012345 };
      await store.catalog.upsert([full]);
      expect(await store.catalog.get('x')).toEqual(full);
      await store.catalog.remove('x');
      const removed = await store.catalog.get('x');
      expect(removed?.available).toBe(false);
      expect(Date.parse(removed!.updated_at)).toBeGreaterThan(Date.parse(full.updated_at));
      await store.catalog.upsert([full]);
      expect(await store.catalog.get('x')).toEqual(full);
    });

    it('rejects an item without item_id', async () => {
      const store = await harness.create();
      await expect(store.catalog.upsert([{ ...item('a'), item_id: '' }])).rejects.toThrow(/item_id/);
    });
  });

  describe('user preferences', () => {
    it('keeps preferences across a reopen', async () => {
      const store = await harness.create();
      await store.users.setPreferences('u1', prefs(['Drama']));
      await store.users.setPreferences('u2', prefs(['Anime']));
      await store.users.setPreferences('u1', prefs(['Comedy']));
      const reopened = await harness.reopen(store);
      expect((await reopened.users.getPreferences('u1'))?.genres).toEqual(['Comedy']);
      expect((await reopened.users.getPreferences('u2'))?.genres).toEqual(['Anime']);
      expect(await reopened.users.getPreferences('u3')).toBeUndefined();
    });

    it('lists users known from preferences or from events', async () => {
      const store = await harness.create();
      await store.users.setPreferences('p', prefs([]));
      await store.events.append([event('1', 'e', 'i'), event('2', 'p', 'i')]);
      expect((await store.users.userIds()).sort()).toEqual(['e', 'p']);
    });
  });
}
