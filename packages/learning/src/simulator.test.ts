import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.js';
import { clickProbability, simulatePopulation } from './simulator.js';

describe('simulatePopulation', () => {
  it('is reproducible for a seed and keeps population CTRs at the ground truth', () => {
    const users = simulatePopulation({ users: 20_000, arms: ['ncf', 'mf'] }, mulberry32(5));
    expect(simulatePopulation({ users: 20_000, arms: ['ncf', 'mf'] }, mulberry32(5))).toEqual(users);
    const meanCtr = users.reduce((sum, u) => sum + clickProbability(u, 'ncf', 0.1), 0) / users.length;
    expect(meanCtr).toBeCloseTo(0.1, 2);
    // Users differ: some click far more than others.
    const rates = users.map((u) => clickProbability(u, 'mf', 0.1)).sort((a, b) => a - b);
    expect(rates[Math.floor(0.9 * rates.length)]! / rates[Math.floor(0.1 * rates.length)]!).toBeGreaterThan(1.5);
  });

  it('clamps click probabilities to [0, 1]', () => {
    const [user] = simulatePopulation({ users: 1 }, mulberry32(1));
    expect(clickProbability({ ...user!, propensity: 50 }, 'x', 0.5)).toBe(1);
    expect(clickProbability(user!, 'x', 0)).toBe(0);
  });
});
