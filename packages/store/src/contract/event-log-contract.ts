import { acceptedEvents, type InteractionEvent, type Store } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { DAY, event } from '../embedded/test-support.js';
import type { StoreHarness } from './harness.js';

async function scanIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

// The event log: what every Store adapter must do.
export function eventLogContract(harness: StoreHarness): void {
  describe('event log', () => {
    it('keeps every acknowledged event exactly once across a reopen', async () => {
      const store = await harness.create();
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 10 }, (_, i) => event(`e${b}-${i}`, `u${i % 3}`, `i${b}`, 'click')),
      );
      await Promise.all(batches.map((batch) => store.events.append(batch)));

      const reopened = await harness.reopen(store);
      const ids = await scanIds(reopened);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      expect(await reopened.events.count()).toBe(200);
      for (const batch of batches) for (const e of batch) expect(await reopened.events.has(e.event_id)).toBe(true);
      const u1 = await reopened.events.forUser('u1');
      expect(u1.every((e) => e.user_id === 'u1')).toBe(true);
      expect(u1).toHaveLength(batches.length * 3);
    });

    it('returns each user\'s events in append order, as they were sent', async () => {
      const store = await harness.create();
      const a = event('a', 'u', 'i1', 'watch', { completion: 0.25, device: 'tv' });
      await store.events.append([a, event('b', 'v', 'i1')]);
      await store.events.append([event('c', 'u', 'i2')]);
      const events = await store.events.forUser('u');
      expect(events.map((e) => e.event_id)).toEqual(['a', 'c']);
      expect(events[0]).toEqual(a);
      expect(await store.events.forUser('nobody')).toEqual([]);
    });

    it('counts duplicates once: within a batch, across calls, concurrently and across a restart', async () => {
      const store = await harness.create();
      const first = await store.events.append([event('a', 'u', 'i'), event('b', 'u', 'i'), event('a', 'u', 'i')]);
      expect(first).toEqual({ accepted: ['a', 'b'], duplicates: ['a'] });
      expect(await store.events.append([event('b', 'u', 'i'), event('c', 'u', 'i')])).toEqual({
        accepted: ['c'],
        duplicates: ['b'],
      });
      const [x, y] = await Promise.all([
        store.events.append([event('d', 'u', 'i')]),
        store.events.append([event('d', 'u', 'i')]),
      ]);
      expect(x).toEqual({ accepted: ['d'], duplicates: [] });
      expect(y).toEqual({ accepted: [], duplicates: ['d'] });

      const reopened = await harness.reopen(store);
      expect(await reopened.events.append([event('a', 'u', 'i'), event('e', 'u', 'i')])).toEqual({
        accepted: ['e'],
        duplicates: ['a'],
      });
      expect(await scanIds(reopened)).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('rejects a batch with an event without event_id, storing none of it', async () => {
      const store = await harness.create();
      const bad = { user_id: 'u', type: 'click', timestamp: new Date().toISOString() } as InteractionEvent;
      await expect(store.events.append([event('ok', 'u', 'i'), bad])).rejects.toThrow(/events\[1\]\.event_id/);
      expect(await store.events.count()).toBe(0);
    });

    it('scans only the events acknowledged when the scan started', async () => {
      const store = await harness.create();
      await store.events.append(Array.from({ length: 1500 }, (_, i) => event(`s${i}`, 'u', 'i', 'click')));
      const seen: string[] = [];
      for await (const e of store.events.scan()) {
        if (seen.length === 0) await store.events.append([event('late', 'u', 'i')]);
        seen.push(e.event_id);
      }
      expect(seen).toHaveLength(1500);
      expect(seen.at(-1)).toBe('s1499');
    });

    it('has the features recorded live after a reopen', async () => {
      const store = await harness.create();
      const events = [
        event('1', 'a', 'm', 'complete', { at: 0 }),
        event('2', 'a', 'm', 'skip', { at: DAY }),
        event('3', 'a', 'm', 'skip', { at: 2 * DAY }),
        event('4', 'b', 'm', 'rate', { rating: 5, at: 3 * DAY }),
        event('5', 'b', 'n', 'watch', { completion: 0.5, at: DAY / 2 }),
      ];
      for (const e of events) {
        const batch = [e, e]; // a client that sent the same event twice
        await store.features.record(acceptedEvents(batch, await store.events.append(batch)));
      }
      await store.features.record(acceptedEvents(events, await store.events.append(events))); // a retry
      const sorted = <T extends { item_id: string }>(list: T[]) => [...list].sort((x, y) => x.item_id.localeCompare(y.item_id));
      const live = { items: sorted(await store.features.items()), a: await store.features.userItems('a') };

      const reopened = await harness.reopen(store);
      expect(sorted(await reopened.features.items())).toEqual(live.items);
      expect(await reopened.features.userItems('a')).toEqual(live.a);
      expect(live.items.find((f) => f.item_id === 'm')?.positive_users).toBe(1);
    });
  });
}
