import type { UserItemFeature, UserPreferences } from '@recsys/core';

/** Per catalogue row popularity and trending, each scaled to 0-1, plus ranks for explanations. */
export interface PopularitySignal {
  popularity: Float32Array;
  trending: Float32Array;
  /** Users with a positive preference for the row: how much the service knows about the item. */
  support: Float32Array;
  /** 1-based rank among all rows by popularity. */
  popularityRank: Int32Array;
  /** 1-based rank among the rows trending now; 0 for rows that are not. */
  trendingRank: Int32Array;
  /** Catalogue rows ordered by popularity, best first: the fallback list. */
  byPopularity: Int32Array;
  byTrending: Int32Array;
}

/** Catalogue rows and a score for each, in the same order. */
export interface ScoredRows {
  rows: Int32Array;
  scores: Float32Array;
}

/** What the ranking knows about the user at request time. */
export interface UserState {
  userId: string;
  interactions: readonly UserItemFeature[];
  preferences?: UserPreferences;
}

/**
 * A collaborative model as the ranking sees it: it proposes candidates and scores catalogue rows
 * for a user. ALS today; NCF plugs in through the same interface.
 */
export interface CollaborativeSignal {
  /** The model's user vector for this user, or undefined when it cannot place the user. */
  userVector(user: UserState): Float32Array | undefined;
  /** Up to k candidate catalogue rows, best first. */
  candidates(vector: Float32Array, k: number): Int32Array;
  /**
   * `candidates` with each row's score() alongside, for models whose search computes the scores
   * anyway (an ANN index): rank() then does not score those rows a second time. Optional.
   */
  scoredCandidates?(vector: Float32Array, k: number): ScoredRows;
  /**
   * Runs the search behind `candidates(vector, k)` off the event loop ahead of rank(), which then
   * finds it done (see prefetchCandidates). Optional: models without an ANN index search in place.
   */
  prefetchCandidates?(vector: Float32Array, k: number): Promise<void>;
  /** Predicted preference in 0-1 for each row (NaN for rows the model does not know). */
  score(vector: Float32Array, rows: ArrayLike<number>): Float32Array;
  /** The consumed row most similar to `row` in the model's item space, with its cosine. */
  nearestConsumed(row: number, consumedRows: ArrayLike<number>): { row: number; similarity: number } | undefined;
}
