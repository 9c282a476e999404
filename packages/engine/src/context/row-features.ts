import type { CatalogView } from '@recsys/ranking';

/**
 * Each catalogue row's feature ids in a model's vocabulary, at most 8 per row in one fixed-width
 * slot (`NONE` pads): a candidate costs one cache line, not a lookup into an offsets array and
 * then into an id array, which matters when the other signals of the request have evicted both.
 */
export interface RowFeatures {
  ids: Uint16Array;
  /**
   * Rows with the same features share a set id: a request scores each set it meets once (a
   * catalogue has far fewer genre and type combinations than titles) and then only indexes by row.
   */
  setOf: Uint32Array;
  /** A row of each set (its features are the set's). */
  setRows: Int32Array;
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
  const setOf = new Uint32Array(catalog.size);
  const sets = new Map<string, number>();
  const setRows: number[] = [];
  for (let row = 0; row < catalog.size; row++) {
    const key = ids.subarray(row * ROW_FEATURE_WIDTH, (row + 1) * ROW_FEATURE_WIDTH).join(',');
    let set = sets.get(key);
    if (set === undefined) {
      sets.set(key, (set = setRows.length));
      setRows.push(row);
    }
    setOf[row] = set;
  }
  const table = { ids, setOf, setRows: Int32Array.from(setRows) };
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
 * Per request, a value per feature set (see RowFeatures.setOf) computed the first time a row of
 * the set is met, with what explains it: the work is bounded by the sets a request meets, not by
 * its candidates.
 */
export class SetScores {
  private readonly values: Float32Array;
  private readonly tops: Int32Array;

  constructor(
    private readonly table: RowFeatures,
    /** The score of a set from one of its rows, and the feature (or other index) that explains it (-1: none). */
    private readonly compute: (row: number) => { score: number; top: number },
  ) {
    this.values = new Float32Array(table.setRows.length).fill(NaN);
    this.tops = new Int32Array(table.setRows.length);
  }

  private ensure(set: number): void {
    if (this.values[set] === this.values[set]) return;
    const { score, top } = this.compute(this.table.setRows[set]!);
    this.values[set] = score;
    this.tops[set] = top;
  }

  score(rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length);
    const { setOf } = this.table;
    for (let i = 0; i < rows.length; i++) {
      const set = setOf[rows[i]!]!;
      this.ensure(set);
      out[i] = this.values[set]!;
    }
    return out;
  }

  /** What explains the row's score (-1: nothing). */
  top(row: number): number {
    const set = this.table.setOf[row]!;
    this.ensure(set);
    return this.tops[set]!;
  }
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
