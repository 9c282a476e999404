import type { AlgorithmSource } from '@recsys/core';

/**
 * A signal of the request's moment or surroundings (time of day, session, mood, friends, region,
 * device, search intent, segment tastes of a new user): built per request by the engine from what it
 * knows, scored by the ranking like the model signals. Its weighted score is added to the hybrid
 * score as a boost, so a signal that knows nothing about a row (score 0) leaves it where it was.
 */
export interface ContextSignal {
  /** Stable name: the key of its weight in SignalWeights.context and the prefix of its reasons. */
  readonly name: string;
  /** Weight used when the variant does not set one. */
  readonly defaultWeight: number;
  /** Score in 0-1 for each candidate row (0: nothing to add). Called once per request. */
  score(rows: Int32Array): ArrayLike<number>;
  /** Rows this signal wants considered even if no other pool proposes them (e.g. the next episode). */
  candidates?(limit: number): ArrayLike<number>;
  /**
   * Rows the user consumed that should still be recommendable because of this signal (a series the
   * user is in the middle of). Hard filters other than "watched" still apply.
   */
  unblockedRows?(): Iterable<number>;
  /** The explanation for a row it contributed to, e.g. "mood: lighter after thrillers". */
  reason(row: number, score: number): string | undefined;
  /** algorithm_source when this signal contributed most; undefined: the strongest other signal names it. */
  readonly source?: AlgorithmSource;
}

/** The weight of each context signal for one request: the variant's setting, else the signal's default. */
export function contextWeights(
  signals: readonly ContextSignal[],
  weights: Readonly<Record<string, number>> | undefined,
): Float64Array {
  return Float64Array.from(signals, (signal) => weights?.[signal.name] ?? signal.defaultWeight);
}
