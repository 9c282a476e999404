import { describe, expect, it } from 'vitest';
import {
  applyCalibration,
  calibrationFromArtifact,
  calibrationToArtifact,
  expectedCalibrationError,
  fitIsotonic,
  fitPlatt,
} from './calibration.js';

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Scores in 0-1 whose true hit rate is `truth(score)`: a ranking score that orders well but reads wrong. */
function sample(n: number, truth: (s: number) => number, seed = 1) {
  const random = lcg(seed);
  const scores = new Float64Array(n);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = random();
    labels[i] = random() < truth(scores[i]!) ? 1 : 0;
  }
  return { scores, labels };
}

describe('fitIsotonic', () => {
  it('pools adjacent violators into the least-squares non-decreasing fit', () => {
    const fit = fitIsotonic({ scores: [0.1, 0.2, 0.3, 0.4], labels: [1, 0, 1, 1] });
    expect(fit.y).toEqual([0.5, 1]);
    expect(fit.x[0]).toBeCloseTo(0.15);
    // Linear between the blocks' mean scores (0.15 and 0.35), flat beyond them.
    const at = [0.1, 0.2, 0.3, 0.4].map((s) => applyCalibration(fit, s));
    [0.5, 0.625, 0.875, 1].forEach((p, i) => expect(at[i]).toBeCloseTo(p, 10));
  });

  it('pools equal scores, honours weights and skips zero-weight samples', () => {
    const tied = fitIsotonic({ scores: [0.5, 0.5, 0.9], labels: [0, 1, 1] });
    expect(tied.x).toEqual([0.5, 0.9]);
    expect(tied.y).toEqual([0.5, 1]);
    const weighted = fitIsotonic({ scores: [0.2, 0.3, 0.6], labels: [1, 0, 1], weights: [1, 3, 0] });
    expect(weighted.y).toEqual([0.25]);
  });

  it('turns a miscalibrated score into hit rates: calibration error falls, order is kept', () => {
    const truth = (s: number) => 0.6 * s * s;
    const train = sample(20_000, truth, 1);
    const test = sample(20_000, truth, 2);
    const fit = fitIsotonic(train);
    const calibrated = Array.from(test.scores, (s) => applyCalibration(fit, s));
    const raw = expectedCalibrationError(test.scores, test.labels);
    const after = expectedCalibrationError(calibrated, test.labels);
    expect(raw).toBeGreaterThan(0.15);
    expect(after).toBeLessThan(0.02);
    for (let s = 0; s < 1; s += 0.01) expect(applyCalibration(fit, s + 0.01)).toBeGreaterThanOrEqual(applyCalibration(fit, s));
    expect(applyCalibration(fit, 0.5)).toBeCloseTo(truth(0.5), 1);
    expect(applyCalibration(fit, -3)).toBe(fit.y[0]);
    expect(applyCalibration(fit, 7)).toBe(fit.y[fit.y.length - 1]);
  });

  it('refuses samples it cannot fit', () => {
    expect(() => fitIsotonic({ scores: [], labels: [] })).toThrow(RangeError);
    expect(() => fitIsotonic({ scores: [0.1, 0.2], labels: [1] })).toThrow(RangeError);
    expect(() => fitIsotonic({ scores: [Number.NaN], labels: [1] })).toThrow(RangeError);
    expect(() => fitIsotonic({ scores: [0.1], labels: [2] })).toThrow(RangeError);
  });
});

describe('fitPlatt', () => {
  it('recovers the logistic curve the hits were drawn from', () => {
    const truth = (s: number) => 1 / (1 + Math.exp(-6 * s + 4));
    const fit = fitPlatt(sample(20_000, truth, 3));
    expect(fit.a).toBeCloseTo(-6, 0);
    expect(fit.b).toBeCloseTo(4, 0);
    for (const s of [0, 0.3, 0.7, 1]) expect(Math.abs(applyCalibration(fit, s) - truth(s))).toBeLessThan(0.03);
  });

  it('stays finite on a separable sample', () => {
    const fit = fitPlatt({ scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1] });
    expect(Number.isFinite(fit.a) && Number.isFinite(fit.b)).toBe(true);
    expect(applyCalibration(fit, 0.9)).toBeGreaterThan(0.5);
    expect(applyCalibration(fit, 0.1)).toBeLessThan(0.5);
    expect(applyCalibration(fit, 0.9)).toBeLessThan(1);
  });
});

describe('calibration artifacts', () => {
  it('round-trip both kinds and reject malformed ones', () => {
    const isotonic = fitIsotonic({ scores: [0.1, 0.2, 0.3, 0.4], labels: [0, 1, 0, 1] });
    const platt = fitPlatt({ scores: [0.1, 0.2, 0.3, 0.4], labels: [0, 1, 0, 1] });
    expect(calibrationFromArtifact(calibrationToArtifact(isotonic))).toEqual(isotonic);
    expect(calibrationFromArtifact(calibrationToArtifact(platt))).toEqual(platt);
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(() => calibrationFromArtifact(bytes({ format: 2, kind: 'platt', a: 1, b: 0 }))).toThrow(/format/);
    expect(() => calibrationFromArtifact(bytes({ format: 1, kind: 'isotonic', x: [0.2, 0.1], y: [0, 1] }))).toThrow(/malformed/);
    expect(() => calibrationFromArtifact(bytes({ format: 1, kind: 'isotonic', x: [0.1, 0.2], y: [0.9, 0.1] }))).toThrow(/malformed/);
  });
});
