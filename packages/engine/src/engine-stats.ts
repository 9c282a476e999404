// Counters the engine keeps about itself for the metrics endpoint: cheap increments on the request
// path, read when Prometheus scrapes.

/** Hits and misses of one cache since the process started. */
export class CacheCounter {
  hits = 0;
  misses = 0;

  hit(): void {
    this.hits++;
  }

  miss(): void {
    this.misses++;
  }

  /** Hits over lookups; NaN before the first lookup. */
  get hitRate(): number {
    const total = this.hits + this.misses;
    return total === 0 ? Number.NaN : this.hits / total;
  }

  snapshot(): CacheStats {
    return { hits: this.hits, misses: this.misses, hit_rate: this.hitRate };
  }
}

export interface CacheStats {
  hits: number;
  misses: number;
  hit_rate: number;
}

export interface EngineStats {
  /** Per-user state (history, preferences) kept between requests. */
  user_state_cache: CacheStats & { size: number };
  /** The catalogue view, model and popularity: a miss is a rebuild from the store. */
  serving_state_cache: CacheStats;
  /** Users' ANN candidates kept between their requests: a hit skips the search. */
  candidate_cache: CacheStats;
}
