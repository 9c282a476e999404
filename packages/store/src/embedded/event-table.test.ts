import type { InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { EventTable, receivedAt } from './event-table.js';
import { StringPool } from './string-pool.js';
import { event } from './test-support.js';

/** Events that use every way the table keeps a field, with the keys in unusual orders. */
function oddEvents(): InteractionEvent[] {
  const events: InteractionEvent[] = [
    event('plain', 'u1', 'i1'),
    event('watch', 'u1', 'i2', 'watch', { completion: 0.37, watch_seconds: 1200, duration_seconds: 5400, device: 'tv', session_id: 's-1' }),
    event('rate', 'u2', 'i1', 'rate', { rating: 4, received_at: '2026-01-02T03:04:05.678Z' }),
    event('search', 'u2', 'i3', 'search', { query: 'space opera', result_item_ids: ['i1', 'i2'], clicked_item_ids: [] }),
    event('short-time', 'u1', 'i1', 'click', { timestamp: '2026-01-01T00:00:00Z', received_at: '2026-01-01T00:00:01+01:00' }),
    { event_id: 'no-item', user_id: 'u3', type: 'search', timestamp: '2026-03-01T00:00:00.000Z', query: 'q' },
    { timestamp: '2026-03-01T00:00:00.000Z', type: 'click', item_id: 'i9', user_id: 'u3', event_id: 'reversed' },
    { event_id: 'odd-values', user_id: 'u3', item_id: 42, type: 'binge', timestamp: 17, extra: { nested: [1, null, true] }, flag: false, nothing: null } as unknown as InteractionEvent,
    { event_id: 'undefined-field', user_id: 'u1', item_id: undefined, type: 'click', timestamp: 'yesterday' } as unknown as InteractionEvent,
    event('évènement-ü', 'usér-ü', 'ítem-ü', 'save', { region: 'DE', timezone: 'Europe/Berlin' }),
    event('lone-\uD800', 'u4', 'i1'),
    event('lone-\uDBFF', 'u4', 'i1'),
    event('neg-zero', 'u4', 'i1', 'watch', { completion: -0, dwell_seconds: Number.NaN }),
    event('far-future', 'u4', 'i1', 'click', { timestamp: '+010000-01-01T00:00:00.000Z' }),
    JSON.parse('{"event_id":"proto","user_id":"u5","__proto__":{"x":1},"type":"click","timestamp":"2026-01-01T00:00:00.000Z"}') as InteractionEvent,
    { ...event('numbered-keys', 'u5', 'i1'), 7: 'seven' } as unknown as InteractionEvent,
  ];
  return events;
}

function filled(events: InteractionEvent[]): EventTable {
  const table = new EventTable();
  for (const e of events) table.push(e);
  return table;
}

describe('event table', () => {
  it('keeps its items in a shared item pool, also in the copies that erasure and retention make', () => {
    const items = new StringPool();
    for (const id of ['catalogue-1', 'i2', 'catalogue-3']) items.intern(id);
    const events = oddEvents();
    const table = new EventTable({ itemIds: items });
    for (const e of events) table.push(e);
    events.forEach((original, row) => expect(JSON.stringify(table.event(row))).toBe(JSON.stringify(original)));
    // Only ids the pool did not hold are added: i2 was there already.
    const added = new Set(events.map((e) => e.item_id).filter((id) => typeof id === 'string' && !['catalogue-1', 'i2', 'catalogue-3'].includes(id)));
    expect(items.size).toBe(3 + added.size);

    const without = table.withoutUser('u2');
    expect(without.forUser('u1')).toEqual(table.forUser('u1'));
    expect(without.forUser('u2')).toEqual([]);
    expect(items.size).toBe(3 + added.size);
    without.push(event('later', 'u1', 'new-item'));
    expect(items.indexOf('new-item')).toBe(3 + added.size);
    expect(without.forUser('u1').at(-1)?.item_id).toBe('new-item');
  });

  it('gives back every event with the same fields in the same order, so its JSON line is byte for byte the same', () => {
    const events = oddEvents();
    const table = filled(events);
    expect(table.length).toBe(events.length);
    events.forEach((original, row) => {
      const back = table.event(row);
      expect(Object.keys(back)).toEqual(Object.keys(original));
      expect(JSON.stringify(back)).toBe(JSON.stringify(original));
      expect(back).toEqual(original);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(table.eventId(row)).toBe(original.event_id);
      expect(table.userId(row)).toBe(original.user_id);
      expect(table.receivedAt(row)).toBe(receivedAt(original));
    });
    expect(Object.is(table.event(12).completion, -0)).toBe(true);
    expect([...table.events()]).toEqual(events);
  });

  it('finds events by id exactly, telling apart ids that differ in one character or an unpaired surrogate', () => {
    const table = filled(oddEvents());
    expect(table.find('plain')).toBe(0);
    expect(table.find('lone-\uD800')).toBe(10);
    expect(table.find('lone-\uDBFF')).toBe(11);
    expect(table.find('lone-\uFFFD')).toBe(-1);
    expect(table.has('évènement-ü')).toBe(true);
    expect(table.has('evenement-u')).toBe(false);
    expect(table.has('plai')).toBe(false);
    expect(table.has('plainx')).toBe(false);
    expect(table.has('')).toBe(false);

    const big = new EventTable();
    for (let i = 0; i < 60_000; i++) big.push(event(`ev-${i}`, `user-${i % 997}`, `item-${i % 1013}`, 'watch', { completion: (i % 10) / 10, at: i * 1000 }));
    for (let i = 0; i < 60_000; i += 7) expect(big.find(`ev-${i}`)).toBe(i);
    for (let i = 60_000; i < 70_000; i++) expect(big.has(`ev-${i}`)).toBe(false);
    expect(big.has('ev-0 ')).toBe(false);
    expect(big.event(59_999)).toEqual(event('ev-59999', `user-${59_999 % 997}`, `item-${59_999 % 1013}`, 'watch', { completion: 0.9, at: 59_999_000 }));
  });

  it('refuses an event id it already has, adding nothing', () => {
    const table = filled([event('a', 'u1', 'i1')]);
    expect(() => table.push(event('a', 'u2', 'i2'))).toThrow(/already in the table/);
    expect(table.length).toBe(1);
    expect(table.forUser('u2')).toEqual([]);
    expect([...table.userIds()]).toEqual(['u1']);
    table.push(event('b', 'u2', 'i2'));
    expect(table.event(1)).toEqual(event('b', 'u2', 'i2'));
  });

  it("lists a user's events in order, and users in the order they first appeared", () => {
    const events = oddEvents();
    const table = filled(events);
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'usér-ü']) {
      expect(table.forUser(user)).toEqual(events.filter((e) => e.user_id === user));
    }
    expect(table.rowsOf('u2')).toEqual([2, 3]);
    expect(table.forUser('nobody')).toEqual([]);
    expect(table.hasUser('nobody')).toBe(false);
    expect([...table.userIds()]).toEqual(['u1', 'u2', 'u3', 'usér-ü', 'u4', 'u5']);
  });

  it('erasing a user leaves a table without their rows, ids or name, and the old table as it was', () => {
    const events = oddEvents();
    const table = filled(events);
    const without = table.withoutUser('u1');
    const rest = events.filter((e) => e.user_id !== 'u1');
    expect([...without.events()]).toEqual(rest);
    expect(without.forUser('u1')).toEqual([]);
    expect(without.hasUser('u1')).toBe(false);
    for (const e of events) expect(without.has(e.event_id)).toBe(e.user_id !== 'u1');
    expect([...without.userIds()]).toEqual(['u2', 'u3', 'usér-ü', 'u4', 'u5']);
    rest.forEach((e, row) => expect(JSON.stringify(without.event(row))).toBe(JSON.stringify(e)));
    // A scan that started on the old table still sees all of it.
    expect([...table.events()]).toEqual(events);
    // The new table takes appends, also from the erased user again.
    without.push(event('again', 'u1', 'i1'));
    expect(without.forUser('u1')).toEqual([event('again', 'u1', 'i1')]);
  });

  it('retention drops a prefix of rows by when they were received, users keep their order', () => {
    const DAY = 86_400_000;
    const events = Array.from({ length: 50 }, (_, i) =>
      event(`e${i}`, `u${i % 4}`, `i${i % 7}`, 'watch', {
        completion: i / 50,
        at: i * 1000,
        ...(i % 3 === 0 && { received_at: new Date(Date.UTC(2026, 0, 1) + i * DAY).toISOString() }),
      }),
    );
    const table = filled(events);
    const cutoff = Date.UTC(2026, 0, 1) + 30 * DAY;
    const kept = table.filter((row) => table.receivedAt(row) >= cutoff);
    const expected = events.filter((e) => receivedAt(e) >= cutoff);
    expect(expected.length).toBeGreaterThan(0);
    expect([...kept.events()]).toEqual(expected);
    expect([...kept.userIds()]).toEqual(['u0', 'u1', 'u2', 'u3'].filter((u) => expected.some((e) => e.user_id === u)));
    for (const e of events) expect(kept.has(e.event_id)).toBe(receivedAt(e) >= cutoff);
    expect(table.filter(() => false).length).toBe(0);
  });

  it('rebuilt tables give back the same events as the original, also after many rows', () => {
    const table = new EventTable();
    const events: InteractionEvent[] = [];
    for (let i = 0; i < 20_000; i++) {
      const e = event(`r${i}`, `u${i % 301}`, `i${i % 53}`, i % 2 ? 'watch' : 'search', i % 2 ? { completion: 0.5, session_id: `s${i % 41}` } : { query: `q${i % 9}`, result_item_ids: [`i${i % 5}`] });
      events.push(e);
      table.push(e);
    }
    const copy = table.filter((row) => row % 5 !== 0);
    const expected = events.filter((_, i) => i % 5 !== 0);
    expect(copy.length).toBe(expected.length);
    expect([...copy.events()]).toEqual(expected);
    expect(copy.forUser('u7')).toEqual(expected.filter((e) => e.user_id === 'u7'));
  });
});
