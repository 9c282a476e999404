import {
  feedbackSignal,
  type FeatureStore,
  type InteractionEvent,
  type ItemFeature,
  type UserItemFeature,
} from '@recsys/core';
import { decay, ItemFeatureTable } from './item-feature-table.js';
import type { RetainedPair } from './retained-features.js';
import type { StringPool } from './string-pool.js';
import { UserItemTable } from './user-item-table.js';

// Features derived from events, in memory only: the embedded store rebuilds them from the event
// log on open. Event timestamps, not the wall clock, drive `last_at` and trending decay, so a
// replay yields the same features as the live updates did. User-item features, one per pair a user
// touched, are most of it and are kept as columns (see user-item-table.ts).

export const DEFAULT_TRENDING_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;

/** A summed preference counts as positive above this, so float residue (0.1 + 0.2 - 0.3) does not. */
export const POSITIVE_EPSILON = 1e-9;

export interface FeatureStoreOptions {
  /** Half-life of the trending score; default 7 days. */
  trendingHalfLifeMs?: number;
  /** The item-id pool, which the store's other tables may share (item ids are not personal). */
  itemIds?: StringPool;
}

/** The trending score of `feature` decayed to time `at` (epoch ms); never grows it backwards. */
export function trendingAt(feature: ItemFeature, at: number, halfLifeMs = DEFAULT_TRENDING_HALF_LIFE_MS): number {
  return at > feature.trending_at ? feature.trending * decay(at - feature.trending_at, halfLifeMs) : feature.trending;
}

/** Epoch ms of the event: its timestamp, else when it was received, else 0 (contributes no trend). */
export function eventTime(event: InteractionEvent): number {
  const at = Date.parse(event.timestamp);
  if (!Number.isNaN(at)) return at;
  const received = event.received_at === undefined ? Number.NaN : Date.parse(event.received_at);
  return Number.isNaN(received) ? 0 : received;
}

export class EmbeddedFeatureStore implements FeatureStore {
  /** Replaced, not changed in place, when a user is forgotten. */
  private pairs: UserItemTable;
  private readonly itemFeatures = new ItemFeatureTable();
  readonly trendingHalfLifeMs: number;

  constructor(options: FeatureStoreOptions = {}) {
    this.trendingHalfLifeMs = options.trendingHalfLifeMs ?? DEFAULT_TRENDING_HALF_LIFE_MS;
    this.pairs = new UserItemTable(undefined, options.itemIds);
    if (!(this.trendingHalfLifeMs > 0)) throw new RangeError('trendingHalfLifeMs must be > 0');
  }

  async record(events: InteractionEvent[]): Promise<void> {
    this.fold(events);
  }

  /** Folds the aggregates kept of events that retention dropped (see retained-features.ts). */
  foldRetained(pairs: Iterable<RetainedPair>): void {
    for (const retained of pairs) {
      const row = this.pairs.upsert(retained.user_id, retained.item_id, retained.last_at);
      const wasPositive = this.pairs.preference(row) > POSITIVE_EPSILON;
      this.pairs.add(row, retained.preference, retained.events, retained.consumed, retained.last_at);
      const isPositive = this.pairs.preference(row) > POSITIVE_EPSILON;
      const item = this.itemFeatures.ensure(retained.item_id, retained.trending_at);
      if (wasPositive !== isPositive) this.itemFeatures.addPositiveUsers(item, isPositive ? 1 : -1);
      if (retained.positive_weight > 0) {
        this.itemFeatures.addPositiveWeight(item, retained.positive_weight);
        this.itemFeatures.addTrending(item, retained.trending, retained.trending_at, this.trendingHalfLifeMs);
      }
    }
  }

  /** Synchronous `record`, for rebuilding from a replayed log. */
  fold(events: Iterable<InteractionEvent>): void {
    for (const event of events) this.foldEvent(event);
  }

  async userItems(userId: string): Promise<UserItemFeature[]> {
    return this.pairs.forUser(userId);
  }

  async items(): Promise<ItemFeature[]> {
    return this.itemFeatures.all();
  }

  /** Users in the order they first had a feature; one forgotten meanwhile is not listed once gone. */
  async *allUsers(): AsyncIterable<[userId: string, items: UserItemFeature[]]> {
    let table = this.pairs;
    let next = 0;
    for (;;) {
      if (table !== this.pairs) {
        // A user was forgotten: go on from the first user not yet listed who is still there.
        const old = table;
        table = this.pairs;
        let at = table.userCount;
        for (let user = next; user < old.userCount; user++) {
          const moved = table.userIndex(old.userAt(user));
          if (moved !== -1) {
            at = moved;
            break;
          }
        }
        next = at;
      }
      if (next >= table.userCount) return;
      const user = next++;
      yield [table.userAt(user), table.forUserIndex(user)];
    }
  }

  /**
   * Forgets the user: drops their user-item features and recomputes the counters of every item they
   * touched from `remaining` (the event log without the user's events, in log order), so each item
   * ends exactly as a store that never saw the user would have it: gone when only this user touched
   * it, `trending_at` back at the other users' latest event. Returns the user-item features removed.
   */
  eraseUser(userId: string, remaining: Iterable<InteractionEvent>, retained: Iterable<RetainedPair> = []): number {
    const items = this.pairs.itemsOf(userId);
    if (items.length === 0) return 0;
    this.pairs = this.pairs.withoutUser(userId);
    const touched = new Set(items);
    // Only the touched items change, and only their events are folded again (one pass over the log).
    const rebuilt = new EmbeddedFeatureStore({ trendingHalfLifeMs: this.trendingHalfLifeMs });
    // Other users' aggregates of events dropped by retention count first, as on open.
    rebuilt.foldRetained([...retained].filter((pair) => touched.has(pair.item_id) && pair.user_id !== userId));
    for (const event of remaining) {
      if (event.item_id !== undefined && touched.has(event.item_id) && event.user_id !== userId) rebuilt.foldEvent(event);
    }
    for (const itemId of touched) this.itemFeatures.set(itemId, rebuilt.itemFeatures.get(itemId));
    return items.length;
  }

  /** `fold` of one event. */
  foldEvent(event: InteractionEvent): void {
    const itemId = event.item_id;
    const signal = feedbackSignal(event);
    if (!itemId || (signal.preference === 0 && !signal.consumed)) return;
    const at = eventTime(event);

    const row = this.pairs.upsert(event.user_id, itemId, at);
    const wasPositive = this.pairs.preference(row) > POSITIVE_EPSILON;
    this.pairs.add(row, signal.preference, 1, signal.consumed, at);
    const isPositive = this.pairs.preference(row) > POSITIVE_EPSILON;

    const item = this.itemFeatures.ensure(itemId, at);
    if (wasPositive !== isPositive) this.itemFeatures.addPositiveUsers(item, isPositive ? 1 : -1);
    if (signal.preference > 0) {
      this.itemFeatures.addPositiveWeight(item, signal.preference);
      this.itemFeatures.addTrending(item, signal.preference, at, this.trendingHalfLifeMs);
    }
  }
}
