export interface SearchResult {
  /** Row numbers of the vectors the index was built from, best first. */
  rows: Int32Array;
  scores: Float32Array;
}

/** Maximum inner product search over a fixed set of row vectors. */
export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  search(query: Float32Array, k: number): SearchResult;
  /**
   * The same search off the event loop (on a thread pool), where the backend can: the service keeps
   * answering other requests while it runs. Absent: callers use `search`.
   */
  searchAsync?(query: Float32Array, k: number): Promise<SearchResult>;
  /** The index serialised, for its factory's `restore` (absent: the index is rebuilt instead). */
  toBytes?(): Uint8Array;
}

export interface VectorIndexBuildOptions {
  /**
   * Sample queries (rows of `dim`) like those the index will serve, e.g. trained user vectors, for
   * backends that tune their search effort to a recall target; default: the backend's own sample.
   */
  calibrationQueries?: Float32Array;
}

export interface VectorIndexFactory {
  build(vectors: Float32Array, dim: number, options?: VectorIndexBuildOptions): VectorIndex;
  /**
   * An index serialised by `toBytes` over these same vectors, restored without rebuilding it;
   * undefined when this factory cannot use it (another backend, an unreadable or mismatched copy).
   */
  restore?(bytes: Uint8Array, vectors: Float32Array, dim: number): VectorIndex | undefined;
}
