import { describe, expect, it } from 'vitest';
import {
  DriftMonitor,
  activityCounts,
  driftLevel,
  histogram,
  populationStabilityIndex,
  psiFromCounts,
  quantileEdges,
  vectorNorms,
} from './drift.js';
import { gaussian, mulberry32 } from './seeded-random.js';

const REF = [1, 2, 3, 4, 5, 6, 7, 8];

function normalSample(n: number, mean: number, sd: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  return Float64Array.from({ length: n }, () => mean + sd * g());
}

describe('PSI', () => {
  it('bins at the reference quantiles, open-ended at both sides', () => {
    const edges = quantileEdges(REF, 4);
    expect([...edges]).toEqual([3, 5, 7]);
    expect([...histogram(REF, edges)]).toEqual([2, 2, 2, 2]);
    expect([...histogram([-100, 3, 4.9, 100, Number.NaN], edges)]).toEqual([1, 2, 0, 1]);
  });

  it('merges tied quantiles so heavily tied data has no empty reference bins', () => {
    const counts = [1, 1, 1, 1, 1, 1, 2, 2, 3, 10];
    const edges = quantileEdges(counts, 10);
    expect([...edges]).toEqual([2, 3, 10]);
    expect([...histogram(counts, edges)].every((c) => c > 0)).toBe(true);
  });

  it('matches a hand-computed value', () => {
    // live proportions [3, 1, 1, 3] / 8 against quarters: 2·(1/8)·ln(3/2) + 2·(1/8)·ln 2 = ln(3) / 4
    expect(populationStabilityIndex(REF, [1, 1, 1, 3, 5, 7, 8, 8], { bins: 4 })).toBeCloseTo(Math.log(3) / 4, 12);
    expect(populationStabilityIndex(REF, REF, { bins: 4 })).toBe(0);
  });

  it('floors empty bins at epsilon instead of returning Infinity', () => {
    const eps = 1e-4;
    const expected = 0.75 * Math.log(4) + 3 * (eps - 0.25) * Math.log(eps / 0.25);
    expect(psiFromCounts([2, 2, 2, 2], [4, 0, 0, 0], eps)).toBeCloseTo(expected, 12);
    expect(psiFromCounts([2, 2, 2, 2], [4, 0, 0, 0], 1e-3)).toBeLessThan(expected);
    expect(psiFromCounts([2, 2], [0, 0])).toBeNaN();
  });

  it('stays stable on a fresh draw of the same distribution and grows with the shift', () => {
    const ref = normalSample(20_000, 0, 1, 1);
    const same = populationStabilityIndex(ref, normalSample(20_000, 0, 1, 2));
    const small = populationStabilityIndex(ref, normalSample(20_000, 0.2, 1, 3));
    const large = populationStabilityIndex(ref, normalSample(20_000, 1, 1, 4));
    const wider = populationStabilityIndex(ref, normalSample(20_000, 0, 2, 5));
    expect(driftLevel(same)).toBe('stable');
    expect(same).toBeLessThan(0.01);
    expect(small).toBeGreaterThan(same);
    expect(small).toBeLessThan(0.1);
    expect(driftLevel(large)).toBe('act');
    expect(driftLevel(wider)).toBe('act');
  });

  it('applies the documented thresholds', () => {
    expect(driftLevel(0.09)).toBe('stable');
    expect(driftLevel(0.1)).toBe('watch');
    expect(driftLevel(0.2499)).toBe('watch');
    expect(driftLevel(0.25)).toBe('act');
  });
});

describe('drift signals', () => {
  it('computes embedding norms and per-user activity counts', () => {
    expect([...vectorNorms([Float32Array.of(3, 4), Float32Array.of(0, 0)])]).toEqual([5, 0]);
    expect([...activityCounts(['u1', 'u2', 'u1', 'u1'])].sort()).toEqual([1, 3]);
  });

  it('detects a shift in embedding norms', () => {
    const g = gaussian(mulberry32(9));
    const rows = (scale: number) => Array.from({ length: 3000 }, () => Float32Array.from({ length: 16 }, () => scale * g()));
    const ref = vectorNorms(rows(1));
    expect(populationStabilityIndex(ref, vectorNorms(rows(1)))).toBeLessThan(0.1);
    expect(populationStabilityIndex(ref, vectorNorms(rows(1.3)))).toBeGreaterThan(0.25);
  });
});

describe('DriftMonitor', () => {
  it('keeps only the last `window` observations', () => {
    const m = DriftMonitor.fromReference(REF, { bins: 4, window: 4, minLive: 4 });
    m.observeMany([1, 1, 1]);
    expect(m.snapshot().ready).toBe(false);
    m.observeMany([8, 8, 8, 8, 5]);
    expect(m.liveCount).toBe(4);
    expect([...m.liveHistogram()]).toEqual([0, 0, 1, 3]);
    m.observe(Number.NaN);
    expect(m.liveCount).toBe(4);
    m.observeMany([1, 3, 5, 7]);
    const snap = m.snapshot();
    expect(snap).toEqual({ psi: 0, level: 'stable', live: 4, ready: true });
  });

  it('reports the hand-computed PSI and survives a JSON round trip', () => {
    const m = DriftMonitor.fromReference(REF, { bins: 4, window: 100 });
    m.observeMany([1, 1, 1, 3, 5, 7, 8, 8]);
    expect(m.psi()).toBeCloseTo(Math.log(3) / 4, 12);
    expect(m.snapshot().level).toBe('act');
    const copy = DriftMonitor.load(JSON.parse(JSON.stringify(m)));
    expect(copy.liveCount).toBe(0);
    expect(copy.psi()).toBeNaN();
    copy.observeMany([1, 1, 1, 3, 5, 7, 8, 8]);
    expect(copy.psi()).toBeCloseTo(m.psi(), 12);
    m.reset();
    expect(m.liveCount).toBe(0);
  });

  it('moves from stable to act as live scores drift', () => {
    const m = DriftMonitor.fromReference(normalSample(10_000, 0, 1, 11), { window: 5000 });
    m.observeMany(normalSample(5000, 0, 1, 12));
    expect(m.snapshot().level).toBe('stable');
    m.observeMany(normalSample(5000, 1, 1, 13)); // the window now holds only shifted scores
    expect(m.snapshot().level).toBe('act');
  });
});
