import type { Impression } from '@recsys/core';
import { mulberry32 } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { ServedListTable } from './served-list-table.js';

const impression = (request: string, user: string, item: string, position: number, fields: Partial<Impression> = {}): Impression => ({
  request_id: request,
  user_id: user,
  item_id: item,
  position,
  algorithm_source: position % 2 ? 'ncf_primary' : 'story_similarity',
  experiment_id: 'exp',
  variant: 'control',
  served_at: 1_000 + Number(request.slice(1)),
  ...fields,
});

const listOf = (table: ServedListTable, seq: number) => Array.from({ length: table.size(seq) }, (_, i) => table.impressionAt(seq, i));

describe('ServedListTable', () => {
  it('holds every list it was given, through growth, lists extended later and the oldest dropped', () => {
    const random = mulberry32(7);
    const table = new ServedListTable();
    const expected = new Map<string, Impression[]>();
    let next = 0;
    for (let step = 0; step < 3_000; step++) {
      const live = [...expected.keys()];
      if (live.length > 0 && random() < 0.2) {
        // More impressions of a list served earlier (a response recorded in two batches).
        const request = live[Math.floor(random() * live.length)]!;
        const items = expected.get(request)!;
        const added = impression(request, items[0]!.user_id, `extra${step}`, items.length + 1);
        table.add(table.find(request)!, added, undefined);
        items.push(added);
      } else {
        const request = `r${next++}`;
        const user = `u${Math.floor(random() * 50)}`;
        const items = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, i) => impression(request, user, `i${Math.floor(random() * 500)}-${i}`, i + 1));
        const seq = table.create(items[0]!);
        for (const item of items) table.add(seq, item);
        expected.set(request, items);
      }
      // Keep about 150 lists: the slot and item columns are reused and compacted many times.
      while (expected.size > 150) {
        const oldest = table.oldest()!;
        const request = table.impressionAt(oldest, 0).request_id;
        expect(request).toBe(expected.keys().next().value);
        expect(table.remove(oldest)).toBe(expected.get(request)!.length);
        expected.delete(request);
      }
    }
    expect(table.held).toBe([...expected.values()].reduce((n, items) => n + items.length, 0));
    expect([...table.seqs()].map((seq) => table.impressionAt(seq, 0).request_id)).toEqual([...expected.keys()]);
    for (const [request, items] of expected) expect(listOf(table, table.find(request)!)).toEqual(items);
    expect(table.find('r0')).toBeUndefined();
    for (let u = 0; u < 50; u++) {
      const user = `u${u}`;
      const mine = [...expected.values()].filter((items) => items[0]!.user_id === user).map((items) => items[0]!.request_id);
      expect(table.listsOf(user).map((seq) => table.impressionAt(seq, 0).request_id)).toEqual(mine);
      expect(table.hasUser(user)).toBe(mine.length > 0);
    }
  });

  it('finds items and keeps bandit arms, observation numbers and outcomes by impression', () => {
    const table = new ServedListTable();
    const first = table.create(impression('r1', 'u1', 'a', 1));
    table.add(first, impression('r1', 'u1', 'a', 1));
    table.add(first, impression('r1', 'u1', 'b', 2, { arm: 'story' }), 7);
    expect(table.indexOf(first, 'b')).toBe(1);
    expect(table.indexOf(first, 'z')).toBe(-1);
    expect(table.indexFor(first, 'b', 'u1')).toBe(1);
    expect(table.indexFor(first, 'b', 'u2')).toBe(-1);
    expect([table.armAt(first, 0), table.obsAt(first, 0)]).toEqual([undefined, undefined]);
    expect([table.armAt(first, 1), table.obsAt(first, 1)]).toEqual(['story', 7]);
    expect(table.impressionAt(first, 1)).toEqual(impression('r1', 'u1', 'b', 2, { arm: 'story' }));
    table.outcomeFor(first, 1).strongest = 0.5;
    expect(table.outcomeAt(first, 1)).toMatchObject({ strongest: 0.5 });
    expect(table.outcomeAt(first, 0)).toBeUndefined();
  });

  it('keeps impressions whose shared fields differ whole, and erases one user from a list shown to two', () => {
    const table = new ServedListTable();
    const other = table.create(impression('r0', 'u2', 'x', 1));
    table.add(other, impression('r0', 'u2', 'x', 1));
    const shared = table.create(impression('r1', 'u1', 'a', 1));
    table.add(shared, impression('r1', 'u1', 'a', 1));
    table.add(shared, impression('r1', 'u2', 'b', 2, { variant: 'treatment' }));
    table.add(shared, impression('r1', 'u2', 'c', 3));
    table.setOutcome(shared, 2, { strongest: 1, played: true, completed: false, watch: 30, events: ['e1'] });
    const later = table.create(impression('r2', 'u2', 'y', 1));
    table.add(later, impression('r2', 'u2', 'y', 1));
    expect(table.users(shared).sort()).toEqual(['u1', 'u2']);
    expect(table.variantAt(shared, 1)).toMatchObject({ variant: 'treatment' });
    expect(table.listsOf('u2')).toEqual([other, shared, later]);

    expect(table.removeWhere(shared, (i) => table.userAt(shared, i) === 'u1')).toBe(1);
    expect(table.find('r1')).toBe(shared);
    expect(listOf(table, shared)).toEqual([impression('r1', 'u2', 'b', 2, { variant: 'treatment' }), impression('r1', 'u2', 'c', 3)]);
    expect(table.outcomeAt(shared, 1)).toMatchObject({ strongest: 1, events: ['e1'] });
    expect(table.hasUser('u1')).toBe(false);
    expect(table.listsOf('u2')).toEqual([other, shared, later]);
    expect([...table.seqs()]).toEqual([other, shared, later]);
    expect(table.held).toBe(4);

    expect(table.removeWhere(shared, () => true)).toBe(2);
    expect(table.find('r1')).toBeUndefined();
    expect([...table.seqs()]).toEqual([other, later]);
    expect(table.held).toBe(2);
  });

  it('restores a list from its record with its outcomes, arms and odd impressions', () => {
    const table = new ServedListTable();
    const seq = table.create(impression('r1', 'u1', 'a', 1));
    table.add(seq, impression('r1', 'u1', 'a', 1));
    table.add(seq, impression('r1', 'u1', 'b', 2, { arm: 'trending' }), 3);
    table.add(seq, impression('r1', 'u3', 'c', 3));
    table.outcomeFor(seq, 0).played = true;
    const record = table.toRecord(seq);

    const restored = new ServedListTable();
    const copy = restored.restore(JSON.parse(JSON.stringify(record)));
    expect(listOf(restored, copy)).toEqual(listOf(table, seq));
    expect(restored.obsAt(copy, 1)).toBe(3);
    expect(restored.outcomeAt(copy, 0)).toMatchObject({ played: true });
    expect(restored.listsOf('u3')).toEqual([copy]);
    expect(restored.toRecord(copy)).toEqual(record);
  });
});
