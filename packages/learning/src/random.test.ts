import { describe, expect, it } from 'vitest';
import { mulberry32, sampleBeta, sampleGamma } from './random.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSquares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSquares / n - mean * mean };
}

describe('seeded samplers', () => {
  it('repeat exactly for the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 5; i++) expect(sampleBeta(2, 3, a)).toBe(sampleBeta(2, 3, b));
  });

  it('draw Gamma with the right mean and variance, also for shapes below 1', () => {
    const random = mulberry32(1);
    for (const shape of [0.5, 1, 3.5]) {
      const { mean, variance } = moments(() => sampleGamma(shape, random), 100_000);
      expect(mean).toBeCloseTo(shape, 1);
      expect(variance / shape).toBeCloseTo(1, 1);
    }
  });

  it('draw Beta(2, 5) with mean 2/7 and variance 10/392', () => {
    const random = mulberry32(2);
    const { mean, variance } = moments(() => sampleBeta(2, 5, random), 100_000);
    expect(mean).toBeCloseTo(2 / 7, 2);
    expect(variance).toBeCloseTo(10 / 392, 3);
  });
});
