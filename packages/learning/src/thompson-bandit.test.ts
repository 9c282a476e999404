import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.js';
import { simulateBandit, simulatePopulation } from './simulator.js';
import { armOfSource, BANDIT_ARMS, banditFromEvidence, ThompsonBandit } from './thompson-bandit.js';

const TRUTH = { ncf: 0.1, mf: 0.08, story: 0.06, trending: 0.05, random: 0.02 };
/** The truth after the change: MF becomes the best arm and NCF falls behind it. */
const CHANGED = { ncf: 0.07, mf: 0.1, story: 0.06, trending: 0.05, random: 0.02 };

/** Share of the best arm over the impressions [from, to) of a simulation reported per 1,000. */
function bestShare(windows: ReturnType<typeof simulateBandit>['windows'], from: number, to: number): number {
  const inRange = windows.filter((w) => w.start >= from && w.start < to);
  return inRange.reduce((sum, w) => sum + w.shares[w.bestArm]! * w.impressions, 0) / inRange.reduce((s, w) => s + w.impressions, 0);
}

describe('ThompsonBandit', () => {
  it('keeps exact Beta posteriors without decay, with 95 % credible intervals', () => {
    const bandit = new ThompsonBandit({ halfLifeObservations: Infinity });
    for (const reward of [1, 1, 1, 0]) bandit.update('ncf', reward);
    const ncf = bandit.posteriors().find((p) => p.arm === 'ncf')!;
    expect(ncf.alpha).toBe(4);
    expect(ncf.beta).toBe(2);
    expect(ncf.mean).toBeCloseTo(2 / 3, 12);
    expect(ncf.interval95[0]).toBeCloseTo(0.283582, 5);
    expect(ncf.interval95[1]).toBeCloseTo(0.947255, 5);
    const random = bandit.posteriors().find((p) => p.arm === 'random')!;
    expect(random.interval95[0]).toBeCloseTo(0.025, 8);
    expect(random.interval95[1]).toBeCloseTo(0.975, 8);
  });

  it('halves old evidence every half-life and so bounds the memory', () => {
    const bandit = new ThompsonBandit({ halfLifeObservations: 100 });
    for (let i = 0; i < 50; i++) bandit.update('ncf', 1);
    const before = bandit.posteriors()[0]!.effectiveObservations;
    for (let i = 0; i < 100; i++) bandit.update('mf', 0);
    expect(bandit.posteriors()[0]!.effectiveObservations).toBeCloseTo(before / 2, 9);
    for (let i = 0; i < 5_000; i++) bandit.update('mf', 0);
    // A geometric series: the evidence tends to halfLife / ln 2.
    expect(bandit.posteriors()[1]!.effectiveObservations).toBeCloseTo(1 / (1 - Math.pow(0.5, 1 / 100)), 3);
  });

  it('decays by elapsed time when a time half-life is set', () => {
    const bandit = new ThompsonBandit({ halfLifeObservations: Infinity, halfLifeMs: 3_600_000 });
    bandit.update('story', 1, 0);
    bandit.update('trending', 1, 3_600_000);
    const [story, trending] = ['story', 'trending'].map((a) => bandit.posteriors().find((p) => p.arm === a)!);
    expect(story!.alpha).toBeCloseTo(1.5, 12);
    expect(trending!.alpha).toBe(2);
  });

  it('shares the slots of a slate by Thompson draws, reproducibly for a seed', () => {
    const bandit = new ThompsonBandit();
    for (let i = 0; i < 200; i++) bandit.update('story', i % 2);
    for (let i = 0; i < 200; i++) bandit.update('random', i % 20 === 0 ? 1 : 0);
    const shares = bandit.sampleShares(10, mulberry32(7));
    expect(Object.keys(shares)).toEqual([...BANDIT_ARMS]);
    expect(Object.values(shares).reduce((a, b) => a + b)).toBe(10);
    expect(bandit.sampleShares(10, mulberry32(7))).toEqual(shares);
    const traffic = bandit.trafficShares(mulberry32(8));
    expect(traffic.random!).toBeLessThan(0.01);
    // Untried arms (uniform posteriors) still win about half the draws against a 50 % arm.
    expect(traffic.story!).toBeGreaterThan(0.05);
  });

  it('survives a JSON round trip and continues identically', () => {
    const bandit = new ThompsonBandit({ halfLifeObservations: 500, halfLifeMs: 60_000 });
    const random = mulberry32(3);
    for (let i = 0; i < 300; i++) bandit.update(BANDIT_ARMS[i % 5]!, random() < 0.3 ? 1 : 0, 1_000 * i);
    const restored = ThompsonBandit.restore(JSON.parse(JSON.stringify(bandit.snapshot())));
    expect(restored.snapshot()).toEqual(bandit.snapshot());
    bandit.update('mf', 1, 400_000);
    restored.update('mf', 1, 400_000);
    expect(restored.posteriors()).toEqual(bandit.posteriors());
    expect(restored.sampleShares(20, mulberry32(9))).toEqual(bandit.sampleShares(20, mulberry32(9)));
    // Infinity is no JSON value: an undecayed bandit stores null and restores as undecayed.
    const plain = new ThompsonBandit({ halfLifeObservations: Infinity });
    expect(JSON.parse(JSON.stringify(plain.snapshot())).options.halfLifeObservations).toBeNull();
  });

  it('rejects unknown arms and rewards outside [0, 1]', () => {
    const bandit = new ThompsonBandit();
    expect(() => bandit.update('als', 1)).toThrow(/unknown arm: als/);
    expect(() => bandit.update('ncf', 1.5)).toThrow(/reward/);
    expect(() => bandit.update('ncf', Number.NaN)).toThrow(/reward/);
  });
});

describe('ThompsonBandit against simulated users', () => {
  const seeds = [1, 2, 3, 4, 5];

  it('gives the best arm at least 70 % of slots within 20,000 impressions and follows a change within 20,000 more', () => {
    for (const seed of seeds) {
      const random = mulberry32(seed);
      const users = simulatePopulation({ users: 2_000, arms: BANDIT_ARMS }, random);
      const bandit = new ThompsonBandit();
      const { windows } = simulateBandit(
        { bandit, users, truth: TRUTH, impressions: 40_000, change: { at: 20_000, truth: CHANGED } },
        random,
      );
      expect(bestShare(windows, 18_000, 20_000), `seed ${seed} before the change`).toBeGreaterThanOrEqual(0.7);
      expect(windows.find((w) => w.start === 38_000)!.bestArm).toBe('mf');
      expect(bestShare(windows, 38_000, 40_000), `seed ${seed} after the change`).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('moves after a long stable history only because of the decay', () => {
    const run = (halfLifeObservations: number) => {
      const random = mulberry32(11);
      const users = simulatePopulation({ users: 2_000, arms: BANDIT_ARMS }, random);
      const bandit = new ThompsonBandit({ halfLifeObservations });
      const { windows } = simulateBandit(
        { bandit, users, truth: TRUTH, impressions: 120_000, change: { at: 100_000, truth: CHANGED }, window: 2_000 },
        random,
      );
      return bestShare(windows, 118_000, 120_000);
    };
    expect(run(5_000)).toBeGreaterThanOrEqual(0.7);
    expect(run(Infinity)).toBeLessThan(0.5);
  });
});

describe('banditFromEvidence', () => {
  it('rebuilds the posteriors from stored evidence above the prior; unnamed arms start at the prior', () => {
    const bandit = banditFromEvidence({ arms: [{ arm: 'trending', successes: 3, failures: 7 }], observations: 10 });
    const trending = bandit.posteriors().find((p) => p.arm === 'trending')!;
    expect([trending.alpha, trending.beta, trending.effectiveObservations]).toEqual([4, 8, 10]);
    expect(bandit.posteriors().find((p) => p.arm === 'ncf')).toMatchObject({ alpha: 1, beta: 1 });
    expect(bandit.snapshot().options.halfLifeObservations).toBe(5_000);
  });

  it('draws one value per arm, seeded, and maps arms to algorithm sources', () => {
    const bandit = banditFromEvidence({ arms: [{ arm: 'ncf', successes: 500, failures: 0 }], observations: 500 });
    const values = bandit.sampleValues(mulberry32(3));
    expect(values).toHaveLength(BANDIT_ARMS.length);
    expect(values[0]).toBeGreaterThan(0.98);
    expect(bandit.sampleValues(mulberry32(3))).toEqual(values);
    expect(armOfSource('story_similarity')).toBe('story');
    expect(armOfSource('popularity_fallback')).toBeUndefined();
  });
});
