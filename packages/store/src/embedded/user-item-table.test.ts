import { mulberry32, type UserItemFeature } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { EmbeddedFeatureStore } from './feature-store.js';
import { StringPool } from './string-pool.js';
import { event } from './test-support.js';
import { UserItemTable } from './user-item-table.js';

/** What the table replaced: a Map of feature objects per user, fed the same contributions. */
class Reference {
  readonly users = new Map<string, Map<string, UserItemFeature>>();
  add(userId: string, itemId: string, preference: number, events: number, consumed: boolean, at: number): void {
    let items = this.users.get(userId);
    if (!items) this.users.set(userId, (items = new Map()));
    let pair = items.get(itemId);
    if (!pair) items.set(itemId, (pair = { item_id: itemId, preference: 0, events: 0, consumed: false, last_at: at }));
    pair.preference += preference;
    pair.events += events;
    pair.consumed ||= consumed;
    if (at > pair.last_at) pair.last_at = at;
  }
}

describe('user-item table', () => {
  it('aggregates pairs like a map of objects per user, listing pairs in the order they appeared', () => {
    const random = mulberry32(3);
    const table = new UserItemTable(16);
    const reference = new Reference();
    for (let i = 0; i < 30_000; i++) {
      const user = `u${Math.floor(random() * 500)}`;
      const item = `i${Math.floor(random() * 300)}`;
      const preference = Math.round((random() * 8 - 4) * 2) / 2;
      const consumed = random() < 0.3;
      const at = Math.floor(random() * 1e9);
      table.add(table.upsert(user, item, at), preference, 1, consumed, at);
      reference.add(user, item, preference, 1, consumed, at);
    }
    expect(table.userCount).toBe(reference.users.size);
    [...reference.users.keys()].forEach((user, index) => {
      expect(table.userAt(index)).toBe(user);
      expect(table.forUser(user)).toEqual([...reference.users.get(user)!.values()]);
    });
    expect(table.forUser('nobody')).toEqual([]);
  });

  it('forgetting a user keeps everyone else, in order, and takes the user back afterwards as new', () => {
    const table = new UserItemTable();
    for (const [user, item] of [['a', 'i1'], ['b', 'i1'], ['a', 'i2'], ['c', 'i3'], ['b', 'i2']] as const) table.add(table.upsert(user, item, 5), 1, 1, true, 5);
    const without = table.withoutUser('b');
    expect([0, 1].map((i) => without.userAt(i))).toEqual(['a', 'c']);
    expect(without.userCount).toBe(2);
    expect(without.forUser('a')).toEqual(table.forUser('a'));
    expect(without.forUser('b')).toEqual([]);
    expect(table.itemsOf('b')).toEqual(['i1', 'i2']);
    without.add(without.upsert('b', 'i9', 7), -2, 1, false, 7);
    expect(without.forUser('b')).toEqual([{ item_id: 'i9', preference: -2, events: 1, consumed: false, last_at: 7 }]);
    expect(without.userAt(2)).toBe('b');
  });

  it('keeps its items in a shared item pool, also in the table that forgetting a user builds', () => {
    const items = new StringPool();
    items.intern('catalogue-1');
    const table = new UserItemTable(16, items);
    for (const [user, item] of [['a', 'i1'], ['b', 'catalogue-1'], ['a', 'catalogue-1']] as const) table.add(table.upsert(user, item, 5), 1, 1, true, 5);
    expect([items.at(0), items.at(1), items.size]).toEqual(['catalogue-1', 'i1', 2]);
    const without = table.withoutUser('b');
    expect(without.itemsOf('a')).toEqual(['i1', 'catalogue-1']);
    without.add(without.upsert('c', 'i3', 6), 1, 1, false, 6);
    expect(items.indexOf('i3')).toBe(2);
    expect(without.itemsOf('c')).toEqual(['i3']);
  });

  it('the feature store lists every remaining user once when a user is erased during allUsers', async () => {
    const store = new EmbeddedFeatureStore();
    const events = ['u1', 'u2', 'u3', 'u4'].map((user, i) => event(`e${i}`, user, `i${i}`));
    store.fold(events);
    const listed: string[] = [];
    for await (const [user, items] of store.allUsers()) {
      listed.push(user);
      expect(items.length).toBe(1);
      if (user === 'u2') {
        store.eraseUser('u2', events.filter((e) => e.user_id !== 'u2'));
        store.eraseUser('u3', events.filter((e) => e.user_id !== 'u2' && e.user_id !== 'u3'));
      }
    }
    expect(listed).toEqual(['u1', 'u2', 'u4']);
  });
});
