import { topK } from '@recsys/core';
import type { PopularitySignal } from './signals.js';

/**
 * Scales per-row popularity and trending scores (any non-negative, already log-like unit) to the
 * 0-1 signals the scorer mixes, and orders rows for the fallback lists. `trendingRank` is 1-based
 * among rows that count as trending, 0 for the others.
 */
export function popularitySignal(
  popularityScore: Float32Array,
  trendingScore: Float32Array,
  support: Float32Array,
  trendingRank: Int32Array,
): PopularitySignal {
  const n = popularityScore.length;
  const scale = (raw: Float32Array) => {
    let max = 0;
    for (let i = 0; i < n; i++) if (raw[i]! > max) max = raw[i]!;
    return Float32Array.from(raw, (v) => (max > 0 ? Math.max(0, v) / max : 0));
  };
  const popularity = scale(popularityScore);
  const trending = scale(trendingScore);
  const byPopularity = topK(popularity, n);
  const popularityRank = new Int32Array(n);
  byPopularity.forEach((row, i) => (popularityRank[row] = i + 1));
  return { popularity, trending, support, popularityRank, trendingRank, byPopularity, byTrending: topK(trending, n) };
}
