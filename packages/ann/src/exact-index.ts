import { topK, type SearchResult, type VectorIndex, type VectorIndexFactory } from '@recsys/core';

/** Brute-force maximum inner product search: exact, and the fallback when no ANN library loads. */
export class ExactIndex implements VectorIndex {
  readonly size: number;
  private readonly scratch: Float32Array;

  constructor(
    private readonly vectors: Float32Array,
    readonly dim: number,
  ) {
    if (dim <= 0 || vectors.length % dim !== 0) {
      throw new RangeError(`vector buffer of length ${vectors.length} is not a multiple of dim ${dim}`);
    }
    this.size = vectors.length / dim;
    this.scratch = new Float32Array(this.size);
  }

  search(query: Float32Array, k: number): SearchResult {
    if (query.length !== this.dim) throw new RangeError(`query has dim ${query.length}, index has ${this.dim}`);
    const { vectors, dim, scratch } = this;
    for (let row = 0, off = 0; row < this.size; row++, off += dim) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += query[d]! * vectors[off + d]!;
      scratch[row] = s;
    }
    const rows = topK(scratch, Math.min(k, this.size));
    const scores = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) scores[i] = scratch[rows[i]!]!;
    return { rows, scores };
  }
}

export const exactIndexFactory: VectorIndexFactory = {
  build: (vectors, dim) => new ExactIndex(vectors, dim),
};
