import { describe, expect, it } from 'vitest';
import { ExactIndex } from './exact-index.js';

describe('ExactIndex', () => {
  it('finds the rows with the largest inner product, best first', () => {
    const vectors = new Float32Array([1, 0, 0, 1, 0.7, 0.7, -1, 0]);
    const index = new ExactIndex(vectors, 2);
    expect(index.size).toBe(4);
    const { rows, scores } = index.search(new Float32Array([1, 0.1]), 3);
    expect(Array.from(rows)).toEqual([0, 2, 1]);
    expect(scores[0]).toBeCloseTo(1);
    expect(scores[1]).toBeCloseTo(0.77);
  });

  it('caps k at the index size and rejects a query of the wrong dimension', () => {
    const index = new ExactIndex(new Float32Array([1, 2, 3, 4]), 2);
    expect(index.search(new Float32Array([1, 1]), 10).rows.length).toBe(2);
    expect(() => index.search(new Float32Array([1]), 1)).toThrow(/dim/);
  });
});
