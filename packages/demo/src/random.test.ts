import { describe, expect, it } from 'vitest';
import { Rng, hashSeed, mulberry32 } from './random.js';

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('gives different sequences for different seeds', () => {
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });
});

describe('hashSeed', () => {
  it('derives distinct, stable streams from names', () => {
    expect(hashSeed('anime-fan-1', 7)).toBe(hashSeed('anime-fan-1', 7));
    expect(hashSeed('anime-fan-1', 7)).not.toBe(hashSeed('anime-fan-2', 7));
    expect(hashSeed('anime-fan-1', 7)).not.toBe(hashSeed('anime-fan-1', 8));
  });
});

describe('Rng', () => {
  it('draws integers over the whole inclusive range', () => {
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 500 }, () => rng.int(15, 40)));
    expect(Math.min(...seen)).toBe(15);
    expect(Math.max(...seen)).toBe(40);
  });

  it('samples distinct elements', () => {
    const rng = new Rng(5);
    const picked = rng.sample(['a', 'b', 'c', 'd', 'e'], 3);
    expect(new Set(picked).size).toBe(3);
    expect(rng.sample(['a', 'b'], 5)).toHaveLength(2);
  });

  it('weighted sampling without replacement favours heavy items and never draws zero weights', () => {
    const rng = new Rng(9);
    const weights = [10, 1, 1, 1, 0, 1, 1, 1, 1, 1];
    let heavyFirst = 0;
    for (let run = 0; run < 2000; run++) {
      const picked = rng.weightedSample(weights, 3);
      expect(new Set(picked).size).toBe(3);
      expect(picked).not.toContain(4);
      if (picked[0] === 0) heavyFirst++;
    }
    // Item 0 carries 10 of the 19 units of weight, so it is drawn first about half the time.
    expect(heavyFirst / 2000).toBeGreaterThan(0.45);
    expect(heavyFirst / 2000).toBeLessThan(0.6);
    expect(rng.weightedSample([0, 2, 0], 5)).toEqual([1]);
  });
});
