import { topK } from '@recsys/core';
import type { CatalogView } from './catalog-view.js';
import { ItemRows } from './item-rows.js';
import type { CollaborativeSignal, UserState } from './signals.js';

/** What a latent-factor model needs to offer to serve as a signal: item factors and a fold-in. */
export interface FactorModelLike {
  readonly nItems: number;
  readonly factors: number;
  /** nItems × factors, row-major. */
  readonly itemFactors: Float32Array;
  foldIn(itemIndices: ArrayLike<number>, preferences: ArrayLike<number>): Float32Array;
}

/**
 * Any latent-factor model that folds users in from their history (PureSVD, NMF) seen through
 * catalogue rows. Scores are the reconstructed preference, clamped to 0-1 (these models
 * reconstruct a 0/1 matrix when trained on binary preferences).
 */
export class FactorSignal implements CollaborativeSignal {
  private readonly rows: ItemRows;
  private readonly norms: Float32Array;

  constructor(
    private readonly model: FactorModelLike,
    itemIds: readonly string[],
    catalog: CatalogView,
  ) {
    if (itemIds.length !== model.nItems) throw new RangeError(`model has ${model.nItems} items but ${itemIds.length} item ids`);
    this.rows = new ItemRows(itemIds, catalog);
    const { itemFactors, factors } = model;
    this.norms = Float32Array.from({ length: model.nItems }, (_, i) => {
      let s = 0;
      for (let f = 0; f < factors; f++) s += itemFactors[i * factors + f]! ** 2;
      return Math.sqrt(s);
    });
  }

  userVector(user: UserState): Float32Array | undefined {
    const { items, preferences: prefs } = this.rows.history(user);
    return items.length > 0 ? this.model.foldIn(items, prefs) : undefined;
  }

  candidates(vector: Float32Array, k: number): Int32Array {
    const scores = this.raw(vector);
    for (let i = 0; i < scores.length; i++) if (this.rows.rowOfModelItem[i]! < 0) scores[i] = -Infinity;
    return Int32Array.from(topK(scores, k), (i) => this.rows.rowOfModelItem[i]!);
  }

  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array {
    const { itemFactors, factors } = this.model;
    const out = new Float32Array(rows.length);
    for (let j = 0; j < rows.length; j++) {
      const item = this.rows.modelItemOfRow[rows[j]!]!;
      if (item < 0) {
        out[j] = NaN;
        continue;
      }
      let s = 0;
      for (let f = 0; f < factors; f++) s += vector[f]! * itemFactors[item * factors + f]!;
      out[j] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
    return out;
  }

  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined {
    const item = this.rows.modelItemOfRow[row]!;
    if (item < 0) return undefined;
    const { itemFactors, factors } = this.model;
    let best: { row: number; similarity: number } | undefined;
    for (let j = 0; j < consumedRows.length; j++) {
      const other = this.rows.modelItemOfRow[consumedRows[j]!]!;
      if (other < 0 || other === item) continue;
      let dot = 0;
      for (let f = 0; f < factors; f++) dot += itemFactors[item * factors + f]! * itemFactors[other * factors + f]!;
      const similarity = dot / (this.norms[item]! * this.norms[other]! || 1);
      if (!best || similarity > best.similarity) best = { row: consumedRows[j]!, similarity };
    }
    return best;
  }

  private raw(vector: Float32Array): Float32Array {
    const { itemFactors, factors, nItems } = this.model;
    const out = new Float32Array(nItems);
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let f = 0; f < factors; f++) s += vector[f]! * itemFactors[i * factors + f]!;
      out[i] = s;
    }
    return out;
  }
}
