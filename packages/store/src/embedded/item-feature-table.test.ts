import { describe, expect, it } from 'vitest';
import { decay, ItemFeatureTable } from './item-feature-table.js';

const DAY = 24 * 3600 * 1000;

describe('ItemFeatureTable', () => {
  it('adds counters, weights and a trend that decays with event time', () => {
    const table = new ItemFeatureTable();
    const row = table.ensure('a', 0);
    table.addPositiveUsers(row, 1);
    table.addPositiveWeight(row, 2);
    table.addTrending(row, 2, 0, 7 * DAY);
    table.addTrending(row, 1, 7 * DAY, 7 * DAY); // a week later: the old 2 counts 1
    table.addTrending(row, 4, 0, 7 * DAY); // an event older than the trend counts decayed too
    expect(table.get('a')).toEqual({ item_id: 'a', positive_users: 1, positive_weight: 2, trending: 4, trending_at: 7 * DAY });
    expect(decay(7 * DAY, 7 * DAY)).toBe(0.5);
    expect(table.get('b')).toBeUndefined();
  });

  it('lists items in the order they first had features, across growth and deletions', () => {
    const table = new ItemFeatureTable();
    for (let i = 0; i < 3000; i++) table.addPositiveWeight(table.ensure(`i${i}`, i), i);
    table.set('i5', undefined);
    table.set('i7', undefined);
    table.set('new', { item_id: 'new', positive_users: 3, positive_weight: 1.5, trending: 0.5, trending_at: 9 });
    table.set('i1', { item_id: 'i1', positive_users: 1, positive_weight: 10, trending: 1, trending_at: 2 });
    const all = table.all();
    expect(table.size).toBe(2999);
    expect(all.map((f) => f.item_id).slice(0, 6)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i6']);
    expect(all.at(-1)).toEqual({ item_id: 'new', positive_users: 3, positive_weight: 1.5, trending: 0.5, trending_at: 9 });
    expect(table.get('i1')!.positive_weight).toBe(10);
    expect(table.get('i2999')).toEqual({ item_id: 'i2999', positive_users: 0, positive_weight: 2999, trending: 0, trending_at: 2999 });
    // A reused row starts from zero, not from the deleted item's values.
    expect(table.get('new')!.positive_users).toBe(3);
    table.addPositiveUsers(table.ensure('again', 0), 1);
    expect(table.get('again')).toEqual({ item_id: 'again', positive_users: 1, positive_weight: 0, trending: 0, trending_at: 0 });
  });
});
