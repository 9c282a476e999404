import { describe, expect, it } from 'vitest';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { InteractionMatrix } from './interaction-matrix.js';
import { mulberry32 } from './random.js';
import { jacobiSvd, randomizedSvd } from './randomized-svd.js';

/**
 * A sparse matrix of exact rank `trueRank`: A = L·diag(σ)·Rᵀ with sparse L and R (each row of
 * either uses one or two of the latent dimensions) and a decaying σ, plus optional noise entries.
 */
function lowRankSparse(m: number, n: number, trueRank: number, seed: number, noise = 0): InteractionMatrix {
  const random = mulberry32(seed);
  const sparseFactor = (rows: number) =>
    Array.from({ length: rows }, () => {
      const row = new Float64Array(trueRank);
      row[Math.floor(random() * trueRank)] = random() + 0.5;
      if (random() < 0.5) row[Math.floor(random() * trueRank)] = random() - 0.5;
      return row;
    });
  const left = sparseFactor(m);
  const right = sparseFactor(n);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let x = 0;
      for (let d = 0; d < trueRank; d++) x += left[r]![d]! * right[c]![d]! * 2 ** (trueRank - d);
      if (noise > 0 && random() < 0.05) x += noise * (random() - 0.5);
      if (x === 0) continue;
      rows.push(r);
      cols.push(c);
      values.push(x);
    }
  }
  return InteractionMatrix.fromTriples(m, n, rows, cols, values);
}

function dense(a: InteractionMatrix): Matrix {
  const out = Matrix.zeros(a.nRows, a.nCols);
  for (let r = 0; r < a.nRows; r++) {
    const idx = a.rowIndices(r);
    const val = a.rowValues(r);
    for (let j = 0; j < idx.length; j++) out.set(r, idx[j]!, val[j]!);
  }
  return out;
}

const column = (x: Float32Array, rows: number, width: number, c: number) =>
  Array.from({ length: rows }, (_, r) => x[r * width + c]!);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('randomizedSvd', () => {
  const a = lowRankSparse(120, 80, 6, 3, 0.05);
  const reference = new SingularValueDecomposition(dense(a), { autoTranspose: true });

  it('matches the leading singular values of a dense SVD', () => {
    const svd = randomizedSvd(a, 6, { seed: 1 });
    expect(svd.rank).toBe(6);
    for (let i = 0; i < 6; i++) {
      expect(svd.s[i]!).toBeCloseTo(reference.diagonal[i]!, 2);
      expect(Math.abs(svd.s[i]! - reference.diagonal[i]!) / reference.diagonal[i]!).toBeLessThan(1e-4);
    }
    for (let i = 1; i < 6; i++) expect(svd.s[i]!).toBeLessThanOrEqual(svd.s[i - 1]!);
  });

  it('recovers the singular vectors up to sign, with orthonormal columns', () => {
    const svd = randomizedSvd(a, 4, { seed: 2 });
    const refU = reference.leftSingularVectors;
    const refV = reference.rightSingularVectors;
    for (let c = 0; c < 4; c++) {
      const u = column(svd.u, a.nRows, 4, c);
      const v = column(svd.v, a.nCols, 4, c);
      expect(Math.abs(dot(u, refU.getColumn(c)))).toBeGreaterThan(0.9999);
      expect(Math.abs(dot(v, refV.getColumn(c)))).toBeGreaterThan(0.9999);
      for (let d = 0; d < 4; d++) {
        expect(dot(v, column(svd.v, a.nCols, 4, d))).toBeCloseTo(c === d ? 1 : 0, 5);
        expect(dot(u, column(svd.u, a.nRows, 4, d))).toBeCloseTo(c === d ? 1 : 0, 5);
      }
    }
  });

  it('reconstructs A·v = s·u', () => {
    const svd = randomizedSvd(a, 3);
    const av = dense(a).mmul(new Matrix(Array.from({ length: a.nCols }, (_, r) => [svd.v[r * 3]!])));
    for (let r = 0; r < a.nRows; r++) expect(av.get(r, 0)).toBeCloseTo(svd.s[0]! * svd.u[r * 3]!, 3);
  });

  it('converges on a flat full-rank spectrum with more power iterations', () => {
    const random = mulberry32(9);
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    for (let r = 0; r < 150; r++) {
      for (let c = 0; c < 100; c++) {
        if (random() < 0.1) {
          rows.push(r);
          cols.push(c);
          values.push(random());
        }
      }
    }
    const noisy = InteractionMatrix.fromTriples(150, 100, rows, cols, values);
    const exact = new SingularValueDecomposition(dense(noisy), { autoTranspose: true }).diagonal;
    const error = (q: number) => {
      const svd = randomizedSvd(noisy, 10, { powerIterations: q, oversample: 5, seed: 4 });
      return Array.from(svd.s).reduce((sum, s, i) => sum + Math.abs(s - exact[i]!) / exact[i]!, 0);
    };
    // A flat spectrum is the hard case: every iteration must help, and many must get close.
    expect(error(1)).toBeLessThan(error(0));
    expect(error(3)).toBeLessThan(error(1));
    expect(error(20)).toBeLessThan(0.01);
    // A sketch as wide as the matrix spans its whole range: exact without any iteration.
    const full = randomizedSvd(noisy, 100, { powerIterations: 0, oversample: 0 });
    for (let i = 0; i < 100; i++) expect(full.s[i]!).toBeCloseTo(exact[i]!, 5);
  });

  it('is deterministic for a seed', () => {
    const x = randomizedSvd(a, 5, { seed: 11 });
    const y = randomizedSvd(a, 5, { seed: 11 });
    expect(Array.from(x.u)).toEqual(Array.from(y.u));
    expect(Array.from(x.v)).toEqual(Array.from(y.v));
  });

  it('clamps the rank to the matrix size and handles rank-deficient input', () => {
    // Two identical rows: rank 1, asked for 5 of a 2 × 3 matrix.
    const tiny = InteractionMatrix.fromTriples(2, 3, [0, 0, 1, 1], [0, 2, 0, 2], [1, 2, 1, 2]);
    const svd = randomizedSvd(tiny, 5);
    expect(svd.rank).toBe(2);
    expect(svd.u.length).toBe(4);
    expect(svd.v.length).toBe(6);
    expect(svd.s[0]!).toBeCloseTo(Math.sqrt(10), 5);
    expect(svd.s[1]!).toBeCloseTo(0, 5);
    expect(Array.from(svd.u).every(Number.isFinite)).toBe(true);
  });

  it('returns nothing for an empty matrix and refuses a bad rank', () => {
    expect(randomizedSvd(InteractionMatrix.fromTriples(0, 4, [], [], []), 3).rank).toBe(0);
    expect(() => randomizedSvd(a, 0)).toThrow(RangeError);
  });
});

describe('jacobiSvd', () => {
  it('factorises a small square matrix exactly', () => {
    const m = Float64Array.from([4, 1, 0, 2, 3, -1, 0, 5, 2]);
    const { u, s, v } = jacobiSvd(m, 3);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        let x = 0;
        for (let d = 0; d < 3; d++) x += u[r * 3 + d]! * s[d]! * v[c * 3 + d]!;
        expect(x).toBeCloseTo(m[r * 3 + c]!, 10);
      }
    }
  });
});
