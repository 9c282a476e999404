import type { UserItemFeature } from '@recsys/core';
import { StringPool } from './string-pool.js';
import { UserRowChains } from './user-row-chains.js';
import { grownSize, resized } from './typed-growth.js';

// The user-item features of the embedded feature store as columns: one row per (user, item) pair
// with the item as an interned index and the aggregates in typed arrays, found through an
// open-addressing hash of (user, item) indexes. A Map of objects per user took ~150 bytes a pair;
// this takes ~50. Each user's rows are chained in the order the pairs appeared, which is the order
// `userItems` lists them in. Pairs are only added; forgetting a user builds a new table.

const EMPTY = 0;
const NONE = -1;

export class UserItemTable {
  private readonly users = new StringPool();
  private readonly items: StringPool;
  private rows = 0;
  private capacity: number;
  private userOf: Int32Array;
  private itemOf: Int32Array;
  private preferenceOf: Float64Array;
  private eventsOf: Float64Array;
  private consumedOf: Uint8Array;
  private lastAtOf: Float64Array;
  private readonly chains: UserRowChains;
  /** Row + 1 per slot, EMPTY for none; at most half full. */
  private slots: Int32Array;

  /** `items`: the item-id pool, which the store's other tables may share (item ids are not personal). */
  constructor(capacity = 1024, items = new StringPool()) {
    this.items = items;
    this.capacity = Math.max(16, capacity);
    this.userOf = new Int32Array(this.capacity);
    this.itemOf = new Int32Array(this.capacity);
    this.preferenceOf = new Float64Array(this.capacity);
    this.eventsOf = new Float64Array(this.capacity);
    this.consumedOf = new Uint8Array(this.capacity);
    this.lastAtOf = new Float64Array(this.capacity);
    this.chains = new UserRowChains(this.capacity);
    let slots = 1024;
    while (slots < this.capacity * 2) slots *= 2;
    this.slots = new Int32Array(slots);
  }

  /** Pairs in the table. */
  get length(): number {
    return this.rows;
  }

  /** Users with at least one pair. */
  get userCount(): number {
    return this.users.size;
  }

  /** The row of the pair, added (preference 0, no events, not consumed, last at `at`) when new. */
  upsert(userId: string, itemId: string, at: number): number {
    const user = this.users.intern(userId);
    const item = this.items.intern(itemId);
    const mask = this.slots.length - 1;
    let slot = hashPair(user, item) & mask;
    for (let held = this.slots[slot]!; held !== EMPTY; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      if (this.userOf[held - 1] === user && this.itemOf[held - 1] === item) return held - 1;
    }
    const row = this.rows;
    if (row >= this.capacity) this.grow(row + 1);
    this.userOf[row] = user;
    this.itemOf[row] = item;
    this.preferenceOf[row] = 0;
    this.eventsOf[row] = 0;
    this.consumedOf[row] = 0;
    this.lastAtOf[row] = at;
    this.chains.link(row, user);
    this.rows = row + 1;
    if (this.rows * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[slot] = row + 1;
    return row;
  }

  preference(row: number): number {
    return this.preferenceOf[row]!;
  }

  /** Folds one contribution into the pair at `row`. */
  add(row: number, preference: number, events: number, consumed: boolean, at: number): void {
    this.preferenceOf[row] = this.preferenceOf[row]! + preference;
    this.eventsOf[row] = this.eventsOf[row]! + events;
    if (consumed) this.consumedOf[row] = 1;
    if (at > this.lastAtOf[row]!) this.lastAtOf[row] = at;
  }

  /** A new object for the pair at `row`. */
  feature(row: number): UserItemFeature {
    return {
      item_id: this.items.at(this.itemOf[row]!),
      preference: this.preferenceOf[row]!,
      events: this.eventsOf[row]!,
      consumed: this.consumedOf[row] === 1,
      last_at: this.lastAtOf[row]!,
    };
  }

  /** The user's pairs in the order they appeared. */
  forUser(userId: string): UserItemFeature[] {
    const user = this.users.indexOf(userId);
    return user === NONE ? [] : this.forUserIndex(user);
  }

  /** The pairs of the user at `index` in `userAt` order. */
  forUserIndex(user: number): UserItemFeature[] {
    const features = new Array<UserItemFeature>(this.chains.count(user));
    for (let row = this.chains.first(user), i = 0; row !== NONE; row = this.chains.next(row)) features[i++] = this.feature(row);
    return features;
  }

  /** Users are indexed in the order their first pair appeared. */
  userAt(index: number): string {
    return this.users.at(index);
  }

  userIndex(userId: string): number {
    return this.users.indexOf(userId);
  }

  /** Item ids of the user's pairs. */
  itemsOf(userId: string): string[] {
    const user = this.users.indexOf(userId);
    if (user === NONE) return [];
    const items: string[] = [];
    for (let row = this.chains.first(user); row !== NONE; row = this.chains.next(row)) items.push(this.items.at(this.itemOf[row]!));
    return items;
  }

  /** A new table without the user's pairs; the other users keep their order, and so do their pairs. */
  withoutUser(userId: string): UserItemTable {
    const gone = this.users.indexOf(userId);
    const out = new UserItemTable(this.rows - (gone === NONE ? 0 : this.chains.count(gone)) + 16, this.items);
    for (let user = 0; user < this.users.size; user++) {
      if (user === gone) continue;
      const userName = this.users.at(user);
      for (let row = this.chains.first(user); row !== NONE; row = this.chains.next(row)) {
        const to = out.upsert(userName, this.items.at(this.itemOf[row]!), this.lastAtOf[row]!);
        out.add(to, this.preferenceOf[row]!, this.eventsOf[row]!, this.consumedOf[row] === 1, this.lastAtOf[row]!);
      }
    }
    return out;
  }

  private grow(rows: number): void {
    const size = grownSize(this.capacity, rows);
    this.userOf = resized(this.userOf, size);
    this.itemOf = resized(this.itemOf, size);
    this.preferenceOf = resized(this.preferenceOf, size);
    this.eventsOf = resized(this.eventsOf, size);
    this.consumedOf = resized(this.consumedOf, size);
    this.lastAtOf = resized(this.lastAtOf, size);
    this.chains.growRows(size);
    this.capacity = size;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let row = 0; row < this.rows; row++) {
      let slot = hashPair(this.userOf[row]!, this.itemOf[row]!) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = row + 1;
    }
    this.slots = slots;
  }
}

function hashPair(user: number, item: number): number {
  let h = Math.imul(user, 0x9e3779b1) ^ Math.imul(item + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
