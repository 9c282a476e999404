import { describe, expect, it } from 'vitest';
import { topK } from './top-k.js';

describe('topK', () => {
  it('returns the k largest indices best first and skips excluded entries', () => {
    const scores = new Float32Array([0.1, 0.9, -Infinity, 0.5, 0.7, NaN, 0.3]);
    expect(Array.from(topK(scores, 3))).toEqual([1, 4, 3]);
    expect(Array.from(topK(scores, 10))).toEqual([1, 4, 3, 6, 0]);
    expect(topK(scores, 0).length).toBe(0);
  });

  it('agrees with a full sort on random data', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const scores = Float64Array.from({ length: 5000 }, rand);
    const expected = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, 50);
    expect(Array.from(topK(scores, 50))).toEqual(expected);
  });
});
