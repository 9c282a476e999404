import { mulberry32 } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { topIndices } from './top-indices.js';

describe('topIndices', () => {
  it('gives the k best finite scores in the order of a full sort (ties to the lower row)', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 300);
      // Coarse scores make ties common; a few are not finite and must never be returned.
      const scores = Float64Array.from({ length: n }, () => {
        const r = random();
        return r < 0.05 ? NaN : r < 0.08 ? Infinity : Math.round(random() * 20) / 20;
      });
      const rows = Int32Array.from({ length: n }, () => Math.floor(random() * 1000));
      const k = Math.floor(random() * 60);
      const expected = [...scores.keys()]
        .filter((i) => Number.isFinite(scores[i]!))
        .sort((a, b) => scores[b]! - scores[a]! || rows[a]! - rows[b]!)
        .slice(0, k);
      expect(topIndices(scores, rows, k)).toEqual(expected);
    }
  });

  it('returns nothing for k = 0 or no scores', () => {
    expect(topIndices([0.5, 0.2], [1, 2], 0)).toEqual([]);
    expect(topIndices([], [], 10)).toEqual([]);
  });
});
