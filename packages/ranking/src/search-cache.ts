import type { SearchResult, VectorIndex } from '@recsys/core';

/** Users whose ANN results a signal keeps by default: ~8 KB an entry at k = 1,000. */
export const DEFAULT_SEARCH_CACHE_SIZE = 1_000;

export interface SearchCacheOptions {
  /** Entries kept; default DEFAULT_SEARCH_CACHE_SIZE, 0 turns the cache off. */
  size?: number;
  /** Told of each request's lookup (`prefetch`): for the cache metrics, across model versions. */
  lookups?: { hit(): void; miss(): void };
}

/**
 * A signal's candidate-pool cache: ANN results by the query vector, least recently used out. A
 * signal memoises a user's vector per history, so a user's next request (a refresh, the next rail)
 * finds their search done; a user who acts gets a new history, hence a new vector, and a new model
 * version or catalogue binds a new signal with an empty cache.
 */
export class SearchCache {
  private readonly entries = new Map<Float32Array, { k: number; result: SearchResult }>();

  constructor(private readonly options: SearchCacheOptions = {}) {}

  /** Searches `vector` on the thread pool unless the result is cached; counts the lookup. */
  async prefetch(index: VectorIndex, vector: Float32Array, k: number): Promise<void> {
    if (!index.searchAsync) return;
    if (this.get(vector, k)) return this.options.lookups?.hit();
    this.options.lookups?.miss();
    this.set(vector, k, await index.searchAsync(vector, k));
  }

  /** The cached result (prefetched, or from the user's last request), else a search in place. */
  search(index: VectorIndex, vector: Float32Array, k: number): SearchResult {
    return this.get(vector, k) ?? this.set(vector, k, index.search(vector, k));
  }

  private get(vector: Float32Array, k: number): SearchResult | undefined {
    const entry = this.entries.get(vector);
    if (entry?.k !== k) return undefined;
    this.entries.delete(vector);
    this.entries.set(vector, entry);
    return entry.result;
  }

  private set(vector: Float32Array, k: number, result: SearchResult): SearchResult {
    const size = this.options.size ?? DEFAULT_SEARCH_CACHE_SIZE;
    this.entries.delete(vector);
    if (this.entries.size >= size) this.entries.delete(this.entries.keys().next().value!);
    if (size > 0) this.entries.set(vector, { k, result });
    return result;
  }
}
