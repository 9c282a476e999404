import { topK, type UserItemFeature, type VectorIndex, type VectorIndexFactory } from '@recsys/core';
import type { ImplicitALS } from '@recsys/models';
import type { CatalogView } from './catalog-view.js';
import { ItemRows } from './item-rows.js';
import { SearchCache, type SearchCacheOptions } from './search-cache.js';
import type { CollaborativeSignal, ScoredRows, UserState } from './signals.js';

/** A trained ALS model with its item ids and ANN index: built once per model version. */
export class MfModel {
  readonly index: VectorIndex;
  readonly itemNorms: Float32Array;

  /**
   * `savedIndex`: the index as persisted with the model version, restored instead of rebuilt when
   * the factory can. `calibrationQueries`: user vectors to tune a rebuilt index's search on.
   */
  constructor(
    readonly als: ImplicitALS,
    readonly itemIds: readonly string[],
    indexFactory: VectorIndexFactory,
    { savedIndex, calibrationQueries }: { savedIndex?: Uint8Array; calibrationQueries?: Float32Array } = {},
  ) {
    if (itemIds.length !== als.nItems) {
      throw new RangeError(`model has ${als.nItems} items but ${itemIds.length} item ids`);
    }
    const restored = savedIndex && indexFactory.restore?.(savedIndex, als.itemFactors, als.factors);
    this.index = restored || indexFactory.build(als.itemFactors, als.factors, { calibrationQueries });
    this.itemNorms = new Float32Array(als.nItems);
    const f = als.factors;
    for (let i = 0; i < als.nItems; i++) {
      let s = 0;
      for (let d = 0; d < f; d++) s += als.itemFactors[i * f + d]! ** 2;
      this.itemNorms[i] = Math.sqrt(s);
    }
  }

  /** The `k` items closest to `itemId` by cosine of their factors. */
  similarItems(itemId: string, k: number): { itemId: string; similarity: number }[] {
    const item = this.itemIds.indexOf(itemId);
    if (item < 0) return [];
    const { itemFactors, factors, nItems } = this.als;
    const cosine = new Float32Array(nItems);
    for (let other = 0; other < nItems; other++) {
      let dot = 0;
      for (let d = 0; d < factors; d++) dot += itemFactors[item * factors + d]! * itemFactors[other * factors + d]!;
      cosine[other] = other === item ? -Infinity : dot / (this.itemNorms[item]! * this.itemNorms[other]! || 1);
    }
    return Array.from(topK(cosine, k), (other) => ({ itemId: this.itemIds[other]!, similarity: cosine[other]! }));
  }

  /** Binds the model to the current catalogue (cheap; redone when the catalogue changes). */
  bind(catalog: CatalogView, searchCache: SearchCacheOptions = {}): MfSignal {
    return new MfSignal(this, catalog, searchCache);
  }
}

/** The ALS model seen through catalogue rows. */
export class MfSignal implements CollaborativeSignal {
  private readonly rows: ItemRows;
  /** Recent users' ANN results, by their vector (memoised per history below). */
  private readonly searches: SearchCache;
  /** Fold-ins by history: the engine's prefetch and rank() ask for the same user's vector. */
  private readonly folded = new WeakMap<readonly UserItemFeature[], Float32Array | null>();

  constructor(
    private readonly model: MfModel,
    catalog: CatalogView,
    searchCache: SearchCacheOptions = {},
  ) {
    this.rows = new ItemRows(model.itemIds, catalog);
    this.searches = new SearchCache(searchCache);
  }

  userVector(user: UserState): Float32Array | undefined {
    const known = this.folded.get(user.interactions);
    if (known !== undefined) return known ?? undefined;
    const { items, preferences: prefs } = this.rows.history(user);
    // Fold-in against the fixed item factors is the user's ALS solution for their current history,
    // so every acknowledged event counts at once, without waiting for a retrain.
    const vector = items.length > 0 ? this.model.als.foldIn(items, prefs) : undefined;
    this.folded.set(user.interactions, vector ?? null);
    return vector;
  }

  async prefetchCandidates(vector: Float32Array, k: number): Promise<void> {
    await this.searches.prefetch(this.model.index, vector, this.searchSize(k));
  }

  // Ask for a few extra: items removed from the catalogue since training map to no row.
  private searchSize(k: number): number {
    return Math.min(this.model.index.size, k + 16);
  }

  candidates(vector: Float32Array, k: number): Int32Array {
    return this.scoredCandidates(vector, k).rows;
  }

  /** The ANN search's rows with its inner products, clamped as score() clamps them. */
  scoredCandidates(vector: Float32Array, k: number): ScoredRows {
    const found = this.searches.search(this.model.index, vector, this.searchSize(k));
    const rows = new Int32Array(Math.min(k, found.rows.length));
    const scores = new Float32Array(rows.length);
    const { identity, rowOfModelItem } = this.rows;
    let n = 0;
    for (let i = 0; i < found.rows.length && n < k; i++) {
      const row = identity ? found.rows[i]! : rowOfModelItem[found.rows[i]!]!;
      if (row < 0) continue;
      const s = found.scores[i]!;
      rows[n] = row;
      scores[n++] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
    return n === rows.length ? { rows, scores } : { rows: rows.slice(0, n), scores: scores.slice(0, n) };
  }

  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length);
    const { itemFactors, factors, nItems } = this.model.als;
    const { identity, modelItemOfRow } = this.rows;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const item = identity ? (row < nItems ? row : -1) : modelItemOfRow[row]!;
      if (item < 0) {
        out[i] = NaN;
        continue;
      }
      let s = 0;
      for (let d = 0, off = item * factors; d < factors; d++) s += vector[d]! * itemFactors[off + d]!;
      // Implicit ALS regresses onto a 0/1 preference, so its prediction reads as one.
      out[i] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
    return out;
  }

  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined {
    const item = this.rows.modelItemOfRow[row]!;
    if (item < 0) return undefined;
    const { itemFactors, factors } = this.model.als;
    const norms = this.model.itemNorms;
    let best: { row: number; similarity: number } | undefined;
    for (let i = 0; i < consumedRows.length; i++) {
      const other = this.rows.modelItemOfRow[consumedRows[i]!]!;
      if (other < 0 || other === item) continue;
      let dot = 0;
      for (let d = 0; d < factors; d++) dot += itemFactors[item * factors + d]! * itemFactors[other * factors + d]!;
      const similarity = dot / (norms[item]! * norms[other]! || 1);
      if (!best || similarity > best.similarity) best = { row: consumedRows[i]!, similarity };
    }
    return best;
  }
}
