import { topK } from '@recsys/core';
import type { ItemKNN } from '@recsys/models';
import type { CatalogView } from './catalog-view.js';
import { ItemRows } from './item-rows.js';
import type { CollaborativeSignal, UserState } from './signals.js';

/**
 * Item-based neighbourhood CF seen through catalogue rows. Its "user vector" is the user's score
 * for every model item (the neighbourhood sum over their liked items), divided by the best one so
 * it reads 0-1; scoring rows is then a lookup.
 */
export class KnnSignal implements CollaborativeSignal {
  private readonly rows: ItemRows;

  constructor(
    private readonly knn: ItemKNN,
    itemIds: readonly string[],
    catalog: CatalogView,
  ) {
    if (itemIds.length !== knn.nItems) throw new RangeError(`model has ${knn.nItems} items but ${itemIds.length} item ids`);
    this.rows = new ItemRows(itemIds, catalog);
  }

  userVector(user: UserState): Float32Array | undefined {
    const { items, preferences: prefs } = this.rows.history(user, (p) => p > 0);
    if (items.length === 0) return undefined;
    const scores = this.knn.scoreItems(items, prefs);
    let max = 0;
    for (const s of scores) if (s > max) max = s;
    if (!(max > 0)) return undefined;
    for (let i = 0; i < scores.length; i++) scores[i]! /= max;
    return scores;
  }

  candidates(vector: Float32Array, k: number): Int32Array {
    const scores = vector.slice();
    for (let i = 0; i < scores.length; i++) if (this.rows.rowOfModelItem[i]! < 0 || !(scores[i]! > 0)) scores[i] = -Infinity;
    return Int32Array.from(topK(scores, k), (i) => this.rows.rowOfModelItem[i]!);
  }

  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array {
    return Float32Array.from({ length: rows.length }, (_, j) => {
      const item = this.rows.modelItemOfRow[rows[j]!]!;
      return item < 0 ? NaN : vector[item]!;
    });
  }

  /** The liked item whose neighbourhood similarity to `row` is highest: the largest term of its score. */
  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined {
    const item = this.rows.modelItemOfRow[row]!;
    if (item < 0) return undefined;
    let best: { row: number; similarity: number } | undefined;
    for (let j = 0; j < consumedRows.length; j++) {
      const other = this.rows.modelItemOfRow[consumedRows[j]!]!;
      if (other < 0 || other === item) continue;
      const similarity = this.knn.similarity(item, other);
      if (!best || similarity > best.similarity) best = { row: consumedRows[j]!, similarity };
    }
    return best;
  }
}
