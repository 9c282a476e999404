import type { PopularitySignal } from './signals.js';

const pairs = new WeakMap<PopularitySignal, Float32Array>();

/**
 * Each row's popularity and trending side by side (at 2 row and 2 row + 1), built once per signal:
 * rank() reads both for ~1,300 scattered rows per request, and one cache line then serves the pair
 * instead of two misses in two catalogue-sized arrays.
 */
export function popularityPairs(popularity: PopularitySignal): Float32Array {
  let out = pairs.get(popularity);
  if (!out) {
    const n = popularity.popularity.length;
    out = new Float32Array(2 * n);
    for (let row = 0; row < n; row++) {
      out[2 * row] = popularity.popularity[row]!;
      out[2 * row + 1] = popularity.trending[row]!;
    }
    pairs.set(popularity, out);
  }
  return out;
}
