import type { CatalogView } from '@recsys/ranking';

/**
 * Each catalogue row's feature ids in a model's vocabulary, at most 8 per row in one fixed-width
 * slot (`NONE` pads): a candidate costs one cache line, not a lookup into an offsets array and
 * then into an id array, which matters when the other signals of the request have evicted both.
 */
export interface RowFeatures {
  ids: Uint16Array;
}

export const ROW_FEATURE_WIDTH = 8;
export const NONE = 0xffff;

const tables = new WeakMap<CatalogView, WeakMap<ReadonlyMap<string, number>, RowFeatures>>();

/**
 * The rows' content type as "type:<content type>" (with `withContentType`, first, so it is never
 * cut) and genres as ids of `vocabulary` (ids of 0xffff and above are not representable and are
 * skipped). Built once per catalogue view and vocabulary, then shared by every request.
 */
export function rowFeatures(catalog: CatalogView, vocabulary: ReadonlyMap<string, number>, withContentType: boolean): RowFeatures {
  let byVocabulary = tables.get(catalog);
  if (!byVocabulary) tables.set(catalog, (byVocabulary = new WeakMap()));
  const cached = byVocabulary.get(vocabulary);
  if (cached) return cached;
  const ids = new Uint16Array(catalog.size * ROW_FEATURE_WIDTH).fill(NONE);
  for (let row = 0; row < catalog.size; row++) {
    const base = row * ROW_FEATURE_WIDTH;
    let n = 0;
    const add = (f: number | undefined) => {
      if (f === undefined || f >= NONE || n >= ROW_FEATURE_WIDTH) return;
      for (let j = 0; j < n; j++) if (ids[base + j] === f) return;
      ids[base + n++] = f;
    };
    if (withContentType) add(vocabulary.get(`type:${catalog.contentTypeOf(row)}`));
    for (const genre of catalog.genreKeys[row]!) add(vocabulary.get(genre));
  }
  const table = { ids };
  byVocabulary.set(vocabulary, table);
  return table;
}

/** The feature ids of one row (a view, no copy). */
export function featuresOfRow(table: RowFeatures, row: number): Uint16Array {
  const base = row * ROW_FEATURE_WIDTH;
  let end = base;
  while (end < base + ROW_FEATURE_WIDTH && table.ids[end] !== NONE) end++;
  return table.ids.subarray(base, end);
}

/**
 * A value per scored row, written into a typed array during score() and looked up by row only for
 * the few rows that get explained: no map insert per candidate on the hot path.
 */
export class LazyRowMap {
  private rows: ArrayLike<number> = [];
  private values = new Int32Array(0);
  private index: Map<number, number> | undefined;

  /** Starts a new scoring pass over `rows`; returns the array to fill (-1: nothing to say). */
  reset(rows: ArrayLike<number>): Int32Array {
    this.rows = rows;
    this.values = new Int32Array(rows.length).fill(-1);
    this.index = undefined;
    this.lookups = 0;
    return this.values;
  }

  private lookups = 0;

  get(row: number): number | undefined {
    // A list explains a few dozen rows: scanning is cheaper than indexing a thousand until then.
    if (!this.index && ++this.lookups <= 32) {
      for (let i = 0; i < this.rows.length; i++) if (this.rows[i] === row) return this.values[i];
      return undefined;
    }
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.rows.length; i++) this.index.set(this.rows[i]!, i);
    }
    const i = this.index.get(row);
    return i === undefined ? undefined : this.values[i];
  }
}
