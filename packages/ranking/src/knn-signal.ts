import { topK } from '@recsys/core';
import type { ItemKNN } from '@recsys/models';
import type { CatalogView } from './catalog-view.js';
import type { CollaborativeSignal, UserState } from './signals.js';

/**
 * Item-based neighbourhood CF seen through catalogue rows. Its "user vector" is the user's score
 * for every model item (the neighbourhood sum over their liked items), divided by the best one so
 * it reads 0-1; scoring rows is then a lookup.
 */
export class KnnSignal implements CollaborativeSignal {
  private readonly modelItemOfRow: Int32Array;
  private readonly rowOfModelItem: Int32Array;

  constructor(
    private readonly knn: ItemKNN,
    itemIds: readonly string[],
    private readonly catalog: CatalogView,
  ) {
    if (itemIds.length !== knn.nItems) throw new RangeError(`model has ${knn.nItems} items but ${itemIds.length} item ids`);
    this.modelItemOfRow = new Int32Array(catalog.size).fill(-1);
    this.rowOfModelItem = new Int32Array(itemIds.length).fill(-1);
    itemIds.forEach((id, i) => {
      const row = catalog.rowOf(id);
      if (row === undefined) return;
      this.modelItemOfRow[row] = i;
      this.rowOfModelItem[i] = row;
    });
  }

  userVector(user: UserState): Float32Array | undefined {
    const items: number[] = [];
    const prefs: number[] = [];
    for (const interaction of user.interactions) {
      const row = this.catalog.rowOf(interaction.item_id);
      const modelItem = row === undefined ? -1 : this.modelItemOfRow[row]!;
      if (modelItem < 0 || !(interaction.preference > 0)) continue;
      items.push(modelItem);
      prefs.push(interaction.preference);
    }
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
    for (let i = 0; i < scores.length; i++) if (this.rowOfModelItem[i]! < 0 || !(scores[i]! > 0)) scores[i] = -Infinity;
    return Int32Array.from(topK(scores, k), (i) => this.rowOfModelItem[i]!);
  }

  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array {
    return Float32Array.from({ length: rows.length }, (_, j) => {
      const item = this.modelItemOfRow[rows[j]!]!;
      return item < 0 ? NaN : vector[item]!;
    });
  }

  /** The liked item whose neighbourhood similarity to `row` is highest: the largest term of its score. */
  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined {
    const item = this.modelItemOfRow[row]!;
    if (item < 0) return undefined;
    let best: { row: number; similarity: number } | undefined;
    for (let j = 0; j < consumedRows.length; j++) {
      const other = this.modelItemOfRow[consumedRows[j]!]!;
      if (other < 0 || other === item) continue;
      const similarity = this.knn.similarity(item, other);
      if (!best || similarity > best.similarity) best = { row: consumedRows[j]!, similarity };
    }
    return best;
  }
}
