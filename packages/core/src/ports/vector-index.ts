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
}

export interface VectorIndexFactory {
  build(vectors: Float32Array, dim: number): VectorIndex;
}
