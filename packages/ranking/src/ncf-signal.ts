import { topK } from '@recsys/core';
import { type NeuMF, sigmoid } from '@recsys/models';
import type { CatalogView } from './catalog-view.js';
import { ItemRows } from './item-rows.js';
import type { CollaborativeSignal, UserState } from './signals.js';

/** A trained NeuMF model with its user and item ids: built once per model version. */
export class NcfModel {
  private readonly userRows: Map<string, number>;
  /** Item GMF embeddings scaled by the output weights: the space in which the GMF branch scores. */
  readonly itemSpace: Float32Array;
  readonly itemNorms: Float32Array;

  constructor(
    readonly ncf: NeuMF,
    readonly itemIds: readonly string[],
    readonly userIds: readonly string[],
  ) {
    if (itemIds.length !== ncf.nItems) throw new RangeError(`model has ${ncf.nItems} items but ${itemIds.length} item ids`);
    if (userIds.length !== ncf.nUsers) throw new RangeError(`model has ${ncf.nUsers} users but ${userIds.length} user ids`);
    this.userRows = new Map(userIds.map((id, row) => [id, row]));
    const { layout, parameters: p } = ncf;
    const g = layout.arch.gmfFactors;
    const table = layout.tables[1]!;
    this.itemSpace = new Float32Array(ncf.nItems * g);
    this.itemNorms = new Float32Array(ncf.nItems);
    for (let i = 0; i < ncf.nItems; i++) {
      let s = 0;
      for (let f = 0; f < g; f++) {
        const x = p[table.offset + i * g + f]! * Math.sqrt(Math.abs(p[layout.out + f]!));
        this.itemSpace[i * g + f] = x;
        s += x * x;
      }
      this.itemNorms[i] = Math.sqrt(s);
    }
  }

  /** Row of a user the model trained on, if any. */
  userRow(userId: string): number | undefined {
    return this.userRows.get(userId);
  }

  bind(catalog: CatalogView): NcfSignal {
    return new NcfSignal(this, catalog);
  }
}

/**
 * NeuMF seen through catalogue rows. A user the model trained on is scored with their trained
 * embeddings (kept fresh by incremental updates between retrains); anyone else is folded in from
 * their history. Scores are the model's predicted probability of a like.
 */
export class NcfSignal implements CollaborativeSignal {
  private readonly rows: ItemRows;

  constructor(
    private readonly model: NcfModel,
    catalog: CatalogView,
  ) {
    this.rows = new ItemRows(model.itemIds, catalog);
  }

  userVector(user: UserState): Float32Array | undefined {
    const trained = this.model.userRow(user.userId);
    if (trained !== undefined) return this.model.ncf.userVector(trained);
    const { items, preferences: prefs } = this.rows.history(user);
    return items.length > 0 ? this.model.ncf.foldIn(items, prefs) : undefined;
  }

  candidates(vector: Float32Array, k: number): Int32Array {
    // The MLP branch has no inner-product form for an ANN index: score every model item.
    const logits = this.model.ncf.scoreItems(vector);
    for (let i = 0; i < logits.length; i++) if (this.rows.rowOfModelItem[i]! < 0) logits[i] = -Infinity;
    return Int32Array.from(topK(logits, k), (i) => this.rows.rowOfModelItem[i]!);
  }

  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array {
    const items = Int32Array.from({ length: rows.length }, (_, j) => this.rows.modelItemOfRow[rows[j]!]!);
    const known = items.filter((i) => i >= 0);
    const logits = this.model.ncf.scoreSome(vector, known);
    const out = new Float32Array(rows.length);
    for (let j = 0, k = 0; j < rows.length; j++) out[j] = items[j]! < 0 ? NaN : sigmoid(logits[k++]!);
    return out;
  }

  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined {
    const item = this.rows.modelItemOfRow[row]!;
    if (item < 0) return undefined;
    const { itemSpace, itemNorms, ncf } = this.model;
    const g = ncf.layout.arch.gmfFactors;
    let best: { row: number; similarity: number } | undefined;
    for (let j = 0; j < consumedRows.length; j++) {
      const other = this.rows.modelItemOfRow[consumedRows[j]!]!;
      if (other < 0 || other === item) continue;
      let dot = 0;
      for (let f = 0; f < g; f++) dot += itemSpace[item * g + f]! * itemSpace[other * g + f]!;
      const similarity = dot / (itemNorms[item]! * itemNorms[other]! || 1);
      if (!best || similarity > best.similarity) best = { row: consumedRows[j]!, similarity };
    }
    return best;
  }
}
