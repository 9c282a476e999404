import { acceptedEvents, type InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import type { EmbeddedStore } from './store.js';
import { DAY, event, filesContaining } from './test-support.js';
import { useTestStores } from './test-stores.js';

// Retention in the embedded store beyond the port contract: the features of dropped events live in
// features.retained.jsonl, a crash inside a drop neither loses nor double-counts them, and an
// erasure leaves item counters as if the erased user had never existed.

const { openStore, newDir } = useTestStores();
const NOW = Date.UTC(2026, 0, 31);
/** Received `days` before NOW. */
const at = (days: number) => new Date(NOW - days * DAY).toISOString();

async function ingest(store: EmbeddedStore, events: InteractionEvent[]): Promise<void> {
  await store.features.record(acceptedEvents(events, await store.events.append(events)));
}

function history(): InteractionEvent[] {
  const events: InteractionEvent[] = [];
  for (let i = 0; i < 120; i++) {
    const type = (['complete', 'rate', 'skip', 'watch', 'save'] as const)[i % 5]!;
    events.push(
      event(`e${i}`, `u${i % 9}`, `i${(i * 7) % 13}`, type, {
        at: i * 3600_000,
        received_at: at(60 - Math.floor(i / 2)),
        ...(type === 'rate' && { rating: 1 + (i % 5) }),
        ...(type === 'watch' && { completion: (i % 10) / 10 }),
      }),
    );
  }
  return events;
}

async function snapshot(store: EmbeddedStore) {
  const sort = <T extends { item_id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.item_id < b.item_id ? -1 : 1));
  const users: Record<string, unknown> = {};
  for (let u = 0; u < 9; u++) users[`u${u}`] = sort(await store.features.userItems(`u${u}`));
  // Trending is summed in another order after a drop: equal up to float rounding.
  const items = sort(await store.features.items()).map((f) => ({ ...f, trending: Number(f.trending.toPrecision(10)) }));
  return { users, items };
}

describe('embedded retention', () => {
  it('keeps features of dropped events in their own file, also across a crash between its two steps', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await ingest(store, history());
    const before = await snapshot(store);
    // The commit is durable but the process dies before the log is rewritten.
    await expect(
      store.events.dropBefore(NOW - 30 * DAY, {
        commit: async (dropped) => {
          await store.retained.commitDrop(dropped);
          throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(await store.events.count()).toBe(120);
    // A retry in the same process does not fold the same events in twice.
    expect(await store.events.dropBefore(NOW - 30 * DAY)).toBe(60);
    expect(await snapshot(store)).toEqual(before);
    await store.close();

    const recovered = await openStore(dir);
    expect(recovered.openReport?.events).toBe(60);
    expect(await recovered.events.count()).toBe(60);
    expect(await snapshot(recovered)).toEqual(before);
    await recovered.close();
    const again = await openStore(dir);
    expect(await again.events.count()).toBe(60);
    expect(await snapshot(again)).toEqual(before);
  });

  it('erasing a user after a drop removes them from the retained file and corrects item counters exactly', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const events = history();
    await ingest(store, events);
    expect(await store.events.dropBefore(NOW - 40 * DAY)).toBe(40);
    expect(filesContaining(dir, '"u4"')).toContain('features.retained.jsonl');
    await store.eraseUser('u4');
    expect(filesContaining(dir, '"u4"')).toEqual([]);
    const after = await snapshot(store);

    // A store that never saw u4.
    const reference = await openStore(newDir());
    await ingest(reference, events.filter((e) => e.user_id !== 'u4'));
    const expected = await snapshot(reference);
    expect(after.items).toEqual(expected.items);
    expect(after.users).toEqual(expected.users);
    await store.close();
    expect((await snapshot(await openStore(dir))).items).toEqual(expected.items);
  });
});
