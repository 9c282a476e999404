import type { ItemFeature } from '@recsys/core';
import { grownSize, resized } from './typed-growth.js';

/** What is left of a weight after `elapsedMs` at a half-life of `halfLifeMs`. */
export function decay(elapsedMs: number, halfLifeMs: number): number {
  return Math.pow(2, -elapsedMs / halfLifeMs);
}

/**
 * Item features as typed columns, a row per item id. A Map of ItemFeature objects cost four heap
 * objects an item (the object and its three doubles, each boxed), all marked by every full garbage
 * collection while requests wait; here an item costs its Map entry.
 */
export class ItemFeatureTable {
  /** item_id -> row, in the order items first had a feature (as the Map of objects listed them). */
  private readonly rows = new Map<string, number>();
  /** Rows of items since deleted, reused before the columns grow. */
  private readonly free: number[] = [];
  private positiveUsers = new Int32Array(1024);
  private positiveWeight = new Float64Array(1024);
  private trending = new Float64Array(1024);
  private trendingAt = new Float64Array(1024);

  get size(): number {
    return this.rows.size;
  }

  /** The item's row, created with zero counters at `trendingAt` when the item has none. */
  ensure(itemId: string, trendingAt: number): number {
    const known = this.rows.get(itemId);
    if (known !== undefined) return known;
    const row = this.free.pop() ?? this.rows.size;
    if (row >= this.trendingAt.length) {
      const size = grownSize(this.trendingAt.length, row + 1);
      this.positiveUsers = resized(this.positiveUsers, size);
      this.positiveWeight = resized(this.positiveWeight, size);
      this.trending = resized(this.trending, size);
      this.trendingAt = resized(this.trendingAt, size);
    }
    this.positiveUsers[row] = 0;
    this.positiveWeight[row] = 0;
    this.trending[row] = 0;
    this.trendingAt[row] = trendingAt;
    this.rows.set(itemId, row);
    return row;
  }

  addPositiveUsers(row: number, delta: number): void {
    this.positiveUsers[row]! += delta;
  }

  addPositiveWeight(row: number, weight: number): void {
    this.positiveWeight[row]! += weight;
  }

  /** Adds `weight` to the trend at time `at`; an event older than the trend's time is added already decayed. */
  addTrending(row: number, weight: number, at: number, halfLifeMs: number): void {
    const since = this.trendingAt[row]!;
    if (at >= since) {
      this.trending[row] = this.trending[row]! * decay(at - since, halfLifeMs) + weight;
      this.trendingAt[row] = at;
    } else {
      this.trending[row]! += weight * decay(since - at, halfLifeMs);
    }
  }

  get(itemId: string): ItemFeature | undefined {
    const row = this.rows.get(itemId);
    return row === undefined ? undefined : this.feature(itemId, row);
  }

  /** Stores `feature` as the item's, or drops the item's features when undefined. */
  set(itemId: string, feature: ItemFeature | undefined): void {
    if (!feature) {
      const row = this.rows.get(itemId);
      if (row === undefined) return;
      this.rows.delete(itemId);
      this.free.push(row);
      return;
    }
    const row = this.ensure(itemId, feature.trending_at);
    this.positiveUsers[row] = feature.positive_users;
    this.positiveWeight[row] = feature.positive_weight;
    this.trending[row] = feature.trending;
    this.trendingAt[row] = feature.trending_at;
  }

  /** Every item's features, as new objects. */
  all(): ItemFeature[] {
    const out: ItemFeature[] = [];
    for (const [itemId, row] of this.rows) out.push(this.feature(itemId, row));
    return out;
  }

  private feature(itemId: string, row: number): ItemFeature {
    return {
      item_id: itemId,
      positive_users: this.positiveUsers[row]!,
      positive_weight: this.positiveWeight[row]!,
      trending: this.trending[row]!,
      trending_at: this.trendingAt[row]!,
    };
  }
}
