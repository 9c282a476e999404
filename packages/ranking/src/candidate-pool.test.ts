import { describe, expect, it } from 'vitest';
import { CandidatePool, candidatePoolFor } from './candidate-pool.js';

describe('CandidatePool', () => {
  it('keeps each row once, in the order first added, and starts empty after a reset', () => {
    const pool = new CandidatePool(10);
    pool.reset();
    for (const row of [3, 1, 3, 9, 1, 0]) pool.add(row);
    expect(Array.from(pool.rows())).toEqual([3, 1, 9, 0]);
    expect(pool.size).toBe(4);
    pool.reset();
    expect(pool.add(1)).toBe(true);
    expect(pool.add(1)).toBe(false);
    expect(Array.from(pool.rows())).toEqual([1]);
  });

  it('forgets every row of the last request on reset, neighbours of the same 32-row word included', () => {
    const pool = new CandidatePool(100);
    const rows = [0, 1, 31, 32, 33, 63, 64, 99];
    for (const row of rows) expect(pool.add(row)).toBe(true);
    pool.reset();
    for (const row of [...rows].reverse()) expect(pool.add(row)).toBe(true);
    expect(Array.from(pool.rows())).toEqual([...rows].reverse());
  });

  it('grows past its initial buffer, and one pool serves each catalogue view', () => {
    const catalog = { size: 5_000 };
    const pool = candidatePoolFor(catalog);
    for (let row = 4_999; row >= 0; row--) pool.add(row);
    expect(pool.size).toBe(5_000);
    expect(pool.rows()[0]).toBe(4_999);
    const again = candidatePoolFor(catalog);
    expect(again).toBe(pool);
    expect(again.size).toBe(0);
    expect(again.add(4_999)).toBe(true);
    expect(candidatePoolFor({ size: 5_000 })).not.toBe(pool);
  });
});
