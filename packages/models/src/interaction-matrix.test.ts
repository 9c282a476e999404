import { describe, expect, it } from 'vitest';
import { InteractionMatrix } from './interaction-matrix.js';

describe('InteractionMatrix', () => {
  // Row 1 has a duplicate (1, 3) and arrives out of column order; row 2 is empty.
  const m = InteractionMatrix.fromTriples(4, 5, [1, 0, 1, 3, 1, 0], [3, 4, 0, 2, 3, 1], [1, 2, 3, -1, 0.5, 4]);

  it('builds CSR with columns sorted within each row and duplicates summed', () => {
    expect(m.nnz).toBe(5);
    expect([...m.indptr]).toEqual([0, 2, 4, 4, 5]);
    expect([...m.rowIndices(0)]).toEqual([1, 4]);
    expect([...m.rowValues(0)]).toEqual([4, 2]);
    expect([...m.rowIndices(1)]).toEqual([0, 3]);
    expect([...m.rowValues(1)]).toEqual([3, 1.5]);
    expect(m.rowIndices(2).length).toBe(0);
    expect([...m.rowValues(3)]).toEqual([-1]);
  });

  it('transposes to the column view and back', () => {
    const t = m.transpose();
    expect([t.nRows, t.nCols, t.nnz]).toEqual([5, 4, 5]);
    expect([...t.rowIndices(3)]).toEqual([1]);
    expect([...t.rowValues(3)]).toEqual([1.5]);
    expect([...t.rowIndices(2)]).toEqual([3]);
    const back = t.transpose();
    expect([...back.indptr]).toEqual([...m.indptr]);
    expect([...back.indices]).toEqual([...m.indices]);
    expect([...back.values]).toEqual([...m.values]);
  });

  it('refuses indices outside the shape and mismatched lengths', () => {
    expect(() => InteractionMatrix.fromTriples(2, 2, [2], [0], [1])).toThrow(RangeError);
    expect(() => InteractionMatrix.fromTriples(2, 2, [0], [-1], [1])).toThrow(RangeError);
    expect(() => InteractionMatrix.fromTriples(2, 2, [0, 1], [0], [1])).toThrow(RangeError);
  });
});
