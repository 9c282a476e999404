import { describe, expect, it } from 'vitest';
import { recallAtK } from './recall.js';

describe('recallAtK', () => {
  it('is the share of the exact rows that were found, whatever their order', () => {
    expect(recallAtK([3, 1, 9], [1, 2, 3, 4])).toBe(0.5);
    expect(recallAtK(new Int32Array([4, 3, 2, 1]), new Int32Array([1, 2, 3, 4]))).toBe(1);
    expect(recallAtK([], [])).toBe(1);
    expect(recallAtK([], [7])).toBe(0);
  });
});
