// A seeded ground-truth world for the learning loop: simulated users with known preferences see
// impressions and click with known probabilities, so tests and the bench can check that the bandit
// finds the best arm and that experiments call the right winner.

import { assignVariant } from './experiment-definition.js';
import { addToMean, emptyMean, type VariantCounts } from './experiment-stats.js';
import { sampleNormal, type Random } from './random.js';
import type { ThompsonBandit } from './thompson-bandit.js';

export interface SimulatedUser {
  id: string;
  /** Multiplies every click probability (some users click more); mean 1 over the population. */
  propensity: number;
  /** Per-arm (or per-variant) taste multiplier, mean 1; a missing key counts as 1. */
  taste: Record<string, number>;
}

export interface PopulationOptions {
  users: number;
  /** Arms the users have a taste for. */
  arms?: readonly string[];
  /** Log-normal spread of propensity; default 0.3. */
  propensitySpread?: number;
  /** Log-normal spread of the per-arm taste; default 0.2. */
  tasteSpread?: number;
}

/** A log-normal multiplier with mean 1. */
function multiplier(sigma: number, random: Random): number {
  return Math.exp(sigma * sampleNormal(random) - (sigma * sigma) / 2);
}

export function simulatePopulation(options: PopulationOptions, random: Random): SimulatedUser[] {
  const propensitySpread = options.propensitySpread ?? 0.3;
  const tasteSpread = options.tasteSpread ?? 0.2;
  const users: SimulatedUser[] = [];
  for (let u = 0; u < options.users; u++) {
    const taste: Record<string, number> = {};
    for (const arm of options.arms ?? []) taste[arm] = multiplier(tasteSpread, random);
    users.push({ id: `sim-${u}`, propensity: multiplier(propensitySpread, random), taste });
  }
  return users;
}

/** The user's true click probability for something whose population CTR is `baseRate`. */
export function clickProbability(user: SimulatedUser, key: string, baseRate: number): number {
  const p = baseRate * user.propensity * (user.taste[key] ?? 1);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)]!;
}

export interface BanditSimulationOptions {
  bandit: ThompsonBandit;
  users: readonly SimulatedUser[];
  /** Population CTR of every arm: the ground truth, its maximum is the best arm. */
  truth: Record<string, number>;
  /** Total slots shown (impressions). */
  impressions: number;
  /** Slots per slate; the bandit is updated after each slate, as feedback arrives late. Default 10. */
  slateSize?: number;
  /** The ground truth changes to `truth` from impression `at` on. */
  change?: { at: number; truth: Record<string, number> };
  /** Impressions per reported window; default 1,000. */
  window?: number;
}

export interface BanditWindow {
  /** First impression of the window. */
  start: number;
  impressions: number;
  /** Share of the window's slots per arm. */
  shares: Record<string, number>;
  /** The best arm of the ground truth during the window (at its start). */
  bestArm: string;
}

export interface BanditSimulationResult {
  windows: BanditWindow[];
  clicks: number;
}

function bestOf(truth: Record<string, number>): string {
  return Object.entries(truth).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Runs the bandit against the ground truth and reports how it shared the slots over time. */
export function simulateBandit(options: BanditSimulationOptions, random: Random): BanditSimulationResult {
  const slateSize = options.slateSize ?? 10;
  const windowSize = options.window ?? 1_000;
  const windows: BanditWindow[] = [];
  let counts: Record<string, number> = {};
  let windowStart = 0;
  let shown = 0;
  let clicks = 0;
  const truthAt = (i: number) => (options.change && i >= options.change.at ? options.change.truth : options.truth);
  const flush = () => {
    const total = shown - windowStart;
    if (total === 0) return;
    const shares: Record<string, number> = {};
    for (const arm of options.bandit.arms) shares[arm] = (counts[arm] ?? 0) / total;
    windows.push({ start: windowStart, impressions: total, shares, bestArm: bestOf(truthAt(windowStart)) });
    counts = {};
    windowStart = shown;
  };
  while (shown < options.impressions) {
    const user = pick(options.users, random);
    const slots = Math.min(slateSize, options.impressions - shown);
    const allocation = options.bandit.sampleShares(slots, random);
    const outcomes: Array<[string, number]> = [];
    for (const arm of options.bandit.arms) {
      for (let k = 0; k < allocation[arm]!; k++) {
        const truth = truthAt(shown);
        const click = random() < clickProbability(user, arm, truth[arm] ?? 0) ? 1 : 0;
        clicks += click;
        outcomes.push([arm, click]);
        counts[arm] = (counts[arm] ?? 0) + 1;
        shown++;
        if (shown - windowStart >= windowSize) flush();
      }
    }
    for (const [arm, reward] of outcomes) options.bandit.update(arm, reward);
  }
  flush();
  return { windows, clicks };
}

export interface AbSimulationOptions {
  experiment: { salt: string; variants: ReadonlyArray<{ name: string; allocation: number }> };
  users: readonly SimulatedUser[];
  /** True population CTR per variant. */
  ctr: Record<string, number>;
  /** Stop once every variant (with a positive allocation) has this many impressions. */
  impressionsPerVariant: number;
  /** Probability that a click starts a play; default 0.7. */
  playRate?: number;
  /** Runtime of every title, seconds; default 5,400. */
  durationSeconds?: number;
}

/**
 * Serves impressions to random users, each in their sticky variant, and counts what the results
 * endpoint counts. A play watches a uniform share of the title's square root (mean 2/3); a play
 * past 90 % is a completion.
 */
export function simulateAbTest(options: AbSimulationOptions, random: Random): VariantCounts[] {
  const playRate = options.playRate ?? 0.7;
  const duration = options.durationSeconds ?? 5_400;
  const live = options.experiment.variants.filter((v) => v.allocation > 0);
  const counts = new Map<string, VariantCounts>();
  for (const v of options.experiment.variants) {
    counts.set(v.name, { variant: v.name, impressions: 0, clicks: 0, plays: 0, completions: 0, watchSeconds: emptyMean() });
  }
  const assigned = new Map<string, string>();
  let pending = live.length;
  while (pending > 0) {
    const user = pick(options.users, random);
    let variant = assigned.get(user.id);
    if (variant === undefined) {
      variant = assignVariant(options.experiment, user.id).name;
      assigned.set(user.id, variant);
    }
    const c = counts.get(variant)!;
    if (c.impressions >= options.impressionsPerVariant) continue;
    c.impressions++;
    if (c.impressions === options.impressionsPerVariant) pending--;
    if (random() >= clickProbability(user, variant, options.ctr[variant] ?? 0)) continue;
    c.clicks++;
    if (random() >= playRate) continue;
    c.plays++;
    const completion = Math.sqrt(random());
    if (completion >= 0.9) c.completions++;
    addToMean(c.watchSeconds, completion * duration);
  }
  return [...counts.values()];
}
