/**
 * A sparse users × items matrix of signed preferences (see feedbackSignal: positive = liked,
 * negative = rejected) in compressed sparse row (CSR) layout: row r's entries are
 * `indices[indptr[r] .. indptr[r + 1])` with their `values`, columns ascending.
 */
export class InteractionMatrix {
  readonly nnz: number;

  /** Wraps CSR arrays as they are; use `fromTriples` to build one from unordered entries. */
  constructor(
    readonly nRows: number,
    readonly nCols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {
    if (indptr.length !== nRows + 1 || indptr[nRows] !== indices.length || values.length !== indices.length) {
      throw new RangeError('inconsistent CSR arrays');
    }
    this.nnz = indices.length;
  }

  /**
   * Builds the matrix from (row, col, value) triples in any order. Duplicate (row, col) pairs are
   * summed (several events on one item add up); columns end up sorted within each row.
   */
  static fromTriples(
    nRows: number,
    nCols: number,
    rows: ArrayLike<number>,
    cols: ArrayLike<number>,
    values: ArrayLike<number>,
  ): InteractionMatrix {
    const n = rows.length;
    if (cols.length !== n || values.length !== n) throw new RangeError('rows, cols and values differ in length');
    checkIndices(rows, nRows, 'row');
    checkIndices(cols, nCols, 'col');

    // Two stable counting sorts, by column then by row, leave each row's entries in column order.
    const identity = new Int32Array(n);
    for (let j = 0; j < n; j++) identity[j] = j;
    const order = sortByKey(sortByKey(identity, cols, nCols), rows, nRows);

    const indptr = new Int32Array(nRows + 1);
    const indices = new Int32Array(n);
    const sums = new Float32Array(n);
    let nnz = 0;
    let prevRow = -1;
    let prevCol = -1;
    for (const j of order) {
      const r = rows[j]!;
      const c = cols[j]!;
      if (r === prevRow && c === prevCol) {
        sums[nnz - 1]! += values[j]!;
        continue;
      }
      indices[nnz] = c;
      sums[nnz] = values[j]!;
      nnz++;
      indptr[r + 1]!++;
      prevRow = r;
      prevCol = c;
    }
    for (let r = 0; r < nRows; r++) indptr[r + 1]! += indptr[r]!;
    return new InteractionMatrix(nRows, nCols, indptr, indices.slice(0, nnz), sums.slice(0, nnz));
  }

  /** The transposed matrix (items × users), i.e. the column-wise view used for the item-side solves. */
  transpose(): InteractionMatrix {
    const { nRows, nCols, indptr, indices, values } = this;
    const tIndptr = new Int32Array(nCols + 1);
    for (const c of indices) tIndptr[c + 1]!++;
    for (let c = 0; c < nCols; c++) tIndptr[c + 1]! += tIndptr[c]!;
    const next = tIndptr.slice(0, nCols);
    const tIndices = new Int32Array(this.nnz);
    const tValues = new Float32Array(this.nnz);
    // Rows are visited in order, so each column's row indices come out sorted.
    for (let r = 0; r < nRows; r++) {
      for (let j = indptr[r]!; j < indptr[r + 1]!; j++) {
        const dst = next[indices[j]!]!++;
        tIndices[dst] = r;
        tValues[dst] = values[j]!;
      }
    }
    return new InteractionMatrix(nCols, nRows, tIndptr, tIndices, tValues);
  }

  /** Column indices of row `r` (a view, not a copy). */
  rowIndices(r: number): Int32Array {
    return this.indices.subarray(this.indptr[r], this.indptr[r + 1]);
  }

  /** Values of row `r`, aligned with `rowIndices(r)` (a view, not a copy). */
  rowValues(r: number): Float32Array {
    return this.values.subarray(this.indptr[r], this.indptr[r + 1]);
  }
}

function checkIndices(xs: ArrayLike<number>, bound: number, what: string): void {
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j]!;
    if (!Number.isInteger(x) || x < 0 || x >= bound) throw new RangeError(`${what} index ${x} outside [0, ${bound})`);
  }
}

/** Stable counting sort of the positions in `order` by `key[position]`, keys in [0, nKeys). */
function sortByKey(order: Int32Array, key: ArrayLike<number>, nKeys: number): Int32Array {
  const next = new Int32Array(nKeys + 1);
  for (const j of order) next[key[j]! + 1]!++;
  for (let k = 0; k < nKeys; k++) next[k + 1]! += next[k]!;
  const sorted = new Int32Array(order.length);
  for (const j of order) sorted[next[key[j]!]!++] = j;
  return sorted;
}
