import { describe, expect, it } from 'vitest';
import { averagePrecision, ndcgAt, precisionAt, recallAt } from './metrics.js';

describe('ranking metrics', () => {
  const relevant = new Set(['a', 'c', 'x']);
  const ranked = ['a', 'b', 'c', 'd'];

  it('computes nDCG with binary gain and log2 discount', () => {
    const dcg = 1 + 1 / Math.log2(4);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAt(ranked, relevant, 10)).toBeCloseTo(dcg / ideal, 10);
    expect(ndcgAt(['a', 'c', 'x'], relevant, 10)).toBeCloseTo(1, 10);
    expect(ndcgAt(['b'], relevant, 10)).toBe(0);
  });

  it('computes precision, recall and average precision by hand', () => {
    expect(precisionAt(ranked, relevant, 4)).toBeCloseTo(2 / 4);
    expect(recallAt(ranked, relevant, 4)).toBeCloseTo(2 / 3);
    expect(averagePrecision(ranked, relevant)).toBeCloseTo((1 / 1 + 2 / 3) / 3);
  });
});
