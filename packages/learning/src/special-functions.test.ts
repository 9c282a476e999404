import { describe, expect, it } from 'vitest';
import { betaQuantile, normalCdf, normalQuantile, regularizedIncompleteBeta, studentTQuantile } from './special-functions.js';

describe('distribution functions', () => {
  it('match reference values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 5);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    // Beta(2, 1) has CDF x², so its quantiles are square roots.
    expect(regularizedIncompleteBeta(0.5, 2, 1)).toBeCloseTo(0.25, 10);
    expect(betaQuantile(0.975, 2, 1)).toBeCloseTo(Math.sqrt(0.975), 8);
    expect(betaQuantile(0.025, 4, 2)).toBeCloseTo(0.283582, 5);
    expect(betaQuantile(0.975, 31, 71)).toBeCloseTo(0.396147, 5);
  });
});
