import { acceptedEvents, type InteractionEvent, type Store } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { event } from '../embedded/test-support.js';
import type { StoreHarness } from './harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stamped as the engine does at ingestion: the log's receipt time is now. */
const received = (e: InteractionEvent): InteractionEvent => ({ ...e, received_at: new Date().toISOString() });

async function ingest(store: Store, events: InteractionEvent[]): Promise<void> {
  const stamped = events.map(received);
  await store.features.record(acceptedEvents(stamped, await store.events.append(stamped)));
}

async function scanIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

const byId = <T extends { item_id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.item_id < b.item_id ? -1 : 1));

async function featuresOf(store: Store, users: string[]) {
  const out: Record<string, unknown> = { items: byId(await store.features.items()) };
  for (const user of users) out[user] = byId(await store.features.userItems(user));
  return out;
}

// Retention (EventLog.dropBefore): raw events older than the cut-off leave the log; the features
// derived from them stay, also across a restart.
export function retentionContract(harness: StoreHarness): void {
  describe('event retention', () => {
    it('drops the events received before the cut-off, keeps the rest and every feature, across a restart', async () => {
      const store = await harness.create();
      await ingest(store, [
        event('old-1', 'u1', 'i1', 'complete'),
        event('old-2', 'u1', 'i2', 'rate', { rating: 5 }),
        event('old-3', 'u2', 'i1', 'skip'),
      ]);
      await sleep(20);
      const cutoff = Date.now();
      await sleep(20);
      await ingest(store, [event('new-1', 'u1', 'i3', 'complete'), event('new-2', 'u2', 'i1', 'complete')]);
      const before = await featuresOf(store, ['u1', 'u2']);

      expect(await store.events.dropBefore(cutoff)).toBe(3);
      expect(await scanIds(store)).toEqual(['new-1', 'new-2']);
      expect(await store.events.count()).toBe(2);
      expect((await store.events.forUser('u1')).map((e) => e.event_id)).toEqual(['new-1']);
      expect(await store.events.has('old-1')).toBe(false);
      expect(await store.events.has('new-1')).toBe(true);
      expect(await featuresOf(store, ['u1', 'u2'])).toEqual(before);
      expect(await store.events.dropBefore(cutoff)).toBe(0);

      const reopened = await harness.reopen(store);
      expect(await scanIds(reopened)).toEqual(['new-1', 'new-2']);
      expect(await featuresOf(reopened, ['u1', 'u2'])).toEqual(before);
      // A dropped id is forgotten: sent again, it is a new event.
      expect((await reopened.events.append([received(event('old-1', 'u1', 'i1'))])).accepted).toEqual(['old-1']);
    });

    it('keeps everything when nothing is old enough, and events appended while it runs', async () => {
      const store = await harness.create();
      expect(await store.events.dropBefore(Date.now())).toBe(0);
      await ingest(store, Array.from({ length: 50 }, (_, i) => event(`a${i}`, `u${i % 5}`, `i${i % 7}`)));
      expect(await store.events.dropBefore(0)).toBe(0);
      await sleep(20);
      const cutoff = Date.now();
      await sleep(20);
      const [dropped] = await Promise.all([
        store.events.dropBefore(cutoff),
        ingest(store, Array.from({ length: 20 }, (_, i) => event(`b${i}`, `u${i % 5}`, `i${i % 7}`))),
      ]);
      expect(dropped).toBe(50);
      const ids = await scanIds(store);
      expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`).sort());
      const reopened = await harness.reopen(store);
      expect(await reopened.events.count()).toBe(20);
    });

    it('after a drop, erasing a user still removes everything about them', async () => {
      const store = await harness.create();
      await ingest(store, [event('x1', 'gone', 'i1', 'complete'), event('x2', 'stays', 'i1', 'complete')]);
      await sleep(20);
      const cutoff = Date.now();
      await sleep(20);
      await ingest(store, [event('x3', 'gone', 'i2', 'complete')]);
      await store.events.dropBefore(cutoff);
      await store.eraseUser('gone');
      const reopened = await harness.reopen(store);
      expect(await reopened.features.userItems('gone')).toEqual([]);
      expect(await reopened.events.forUser('gone')).toEqual([]);
      expect((await reopened.features.userItems('stays')).map((f) => f.item_id)).toEqual(['i1']);
    });
  });
}
