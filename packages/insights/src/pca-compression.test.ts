import { describe, expect, it } from 'vitest';
import { PcaCompressor } from './pca-compression.js';
import { gaussian, mulberry32 } from './seeded-random.js';

/** n rows of dimension dim lying near a rank-r subspace (plus small isotropic noise). */
function lowRank(n: number, dim: number, r: number, noise: number, seed: number): Float32Array[] {
  const g = gaussian(mulberry32(seed));
  const basis = Array.from({ length: r }, () => Float32Array.from({ length: dim }, g));
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, () => noise * g());
    for (let c = 0; c < r; c++) {
      const w = g() * (r - c); // decreasing strength per axis
      for (let j = 0; j < dim; j++) v[j]! += w * basis[c]![j]!;
    }
    return v;
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('PcaCompressor', () => {
  const all = lowRank(450, 32, 4, 0.01, 3);
  const rows = all.slice(0, 400);
  const heldOut = all.slice(400); // same subspace, not fitted

  it('reports nearly all variance kept at the true rank, less below it', () => {
    const p4 = PcaCompressor.fit(rows, { dimensions: 4 });
    expect(p4.dimensions).toBe(4);
    expect(p4.totalExplainedVariance).toBeGreaterThan(0.999);
    const p2 = PcaCompressor.fit(rows, { dimensions: 2 });
    expect(p2.totalExplainedVariance).toBeLessThan(0.95);
    expect(p2.explainedVariance[0]).toBeGreaterThanOrEqual(p2.explainedVariance[1]!);
    expect(PcaCompressor.fit(rows, { varianceToKeep: 0.999 }).dimensions).toBeLessThanOrEqual(4);
  });

  it('approximately preserves inner products on low-rank data', () => {
    const pca = PcaCompressor.fit(rows, { dimensions: 4 });
    const test = heldOut;
    let maxRelErr = 0;
    for (let i = 0; i < test.length; i++) {
      for (let j = i + 1; j < test.length; j++) {
        const exact = dot(test[i]!, test[j]!);
        const approx = dot(pca.project(test[i]!), pca.project(test[j]!));
        const scale = Math.sqrt(dot(test[i]!, test[i]!) * dot(test[j]!, test[j]!));
        maxRelErr = Math.max(maxRelErr, Math.abs(exact - approx) / scale);
      }
    }
    expect(maxRelErr).toBeLessThan(0.01);
    // Truncating below the rank loses real signal: the error shows up.
    const pca2 = PcaCompressor.fit(rows, { dimensions: 2 });
    const errs = test.map((v) => Math.abs(dot(v, v) - dot(pca2.project(v), pca2.project(v))) / dot(v, v));
    expect(Math.max(...errs)).toBeGreaterThan(0.05);
  });

  it('reconstructs centred data through the mean', () => {
    const shifted = rows.map((v) => v.map((x, j) => x + (j === 0 ? 50 : 0)));
    const pca = PcaCompressor.fit(shifted, { dimensions: 4, center: true });
    expect(pca.mean[0]).toBeGreaterThan(40);
    const back = pca.reconstruct(pca.project(shifted[7]!));
    for (let j = 0; j < 32; j++) expect(back[j]).toBeCloseTo(shifted[7]![j]!, 1);
  });

  it('round-trips through JSON with identical projections', () => {
    const pca = PcaCompressor.fit(rows, { dimensions: 3 });
    const copy = PcaCompressor.load(JSON.parse(JSON.stringify(pca)));
    expect(copy.dimensions).toBe(3);
    expect([...copy.project(rows[5]!)]).toEqual([...pca.project(rows[5]!)]);
    expect(copy.totalExplainedVariance).toBeCloseTo(pca.totalExplainedVariance, 12);
    const all = pca.projectAll(rows.slice(0, 2));
    expect([...all.subarray(3, 6)]).toEqual([...pca.project(rows[1]!)]);
  });

  it('rejects bad options and wrong dimensions', () => {
    expect(() => PcaCompressor.fit(rows, {})).toThrow(RangeError);
    expect(() => PcaCompressor.fit(rows, { dimensions: 0 })).toThrow(RangeError);
    expect(() => PcaCompressor.fit(rows, { dimensions: 2 }).project(new Float32Array(3))).toThrow(RangeError);
  });
});
