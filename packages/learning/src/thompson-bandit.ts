import { sampleBeta, type Random } from './random.js';
import { betaQuantile } from './special-functions.js';

/** The arms that share the slots of a slate. */
export const BANDIT_ARMS = ['ncf', 'mf', 'story', 'trending', 'random'] as const;
export type BanditArm = (typeof BANDIT_ARMS)[number];

export interface ThompsonBanditOptions {
  /** Arm names; default BANDIT_ARMS. */
  arms?: readonly string[];
  /** Beta prior of every arm; default Beta(1, 1), uniform. */
  priorAlpha?: number;
  priorBeta?: number;
  /**
   * Evidence loses half its weight after this many observations (over all arms), so the bandit
   * follows change: the posterior holds about 1.44 × halfLife observations. Default 5,000;
   * Infinity turns observation decay off.
   */
  halfLifeObservations?: number;
  /** Evidence also loses half its weight per this many milliseconds between updates; default off. */
  halfLifeMs?: number;
}

export interface ArmPosterior {
  arm: string;
  alpha: number;
  beta: number;
  /** Posterior mean reward. */
  mean: number;
  /** Central 95 % credible interval of the reward. */
  interval95: [number, number];
  /** Decayed evidence behind the posterior (alpha + beta minus the prior). */
  effectiveObservations: number;
}

/** Plain-JSON state, stored between requests and shared by replicas. */
export interface ThompsonBanditSnapshot {
  version: 1;
  arms: Record<string, { alpha: number; beta: number }>;
  observations: number;
  /** Time of the last update, ms since the epoch, when time decay is used. */
  lastUpdateMs: number | null;
  options: {
    priorAlpha: number;
    priorBeta: number;
    halfLifeObservations: number | null;
    halfLifeMs: number | null;
  };
}

/**
 * Thompson sampling with Beta posteriors over arms. A reward in [0, 1] adds `reward` to alpha and
 * `1 - reward` to beta: exact for Bernoulli rewards, and a standard fractional update for
 * continuous ones such as completion. Decay shrinks every arm's evidence towards the prior, so an
 * arm that stopped being chosen regains uncertainty and gets explored again.
 */
export class ThompsonBandit {
  readonly arms: readonly string[];
  private readonly priorAlpha: number;
  private readonly priorBeta: number;
  private readonly halfLifeObservations: number;
  private readonly halfLifeMs: number;
  /** Evidence above the prior, per arm. */
  private readonly successes: Float64Array;
  private readonly failures: Float64Array;
  private observations = 0;
  private lastUpdateMs: number | null = null;

  constructor(options: ThompsonBanditOptions = {}) {
    this.arms = [...(options.arms ?? BANDIT_ARMS)];
    if (this.arms.length === 0) throw new RangeError('a bandit needs at least one arm');
    if (new Set(this.arms).size !== this.arms.length) throw new RangeError('arm names must be unique');
    this.priorAlpha = options.priorAlpha ?? 1;
    this.priorBeta = options.priorBeta ?? 1;
    if (!(this.priorAlpha > 0 && this.priorBeta > 0)) throw new RangeError('Beta prior parameters must be positive');
    this.halfLifeObservations = options.halfLifeObservations ?? 5_000;
    this.halfLifeMs = options.halfLifeMs ?? Infinity;
    if (!(this.halfLifeObservations > 0 && this.halfLifeMs > 0)) throw new RangeError('half-lives must be positive');
    this.successes = new Float64Array(this.arms.length);
    this.failures = new Float64Array(this.arms.length);
  }

  /** Records a reward in [0, 1] for an arm; `atMs` (ms since the epoch) drives time decay. */
  update(arm: string, reward: number, atMs?: number): void {
    const index = this.indexOf(arm);
    if (!(reward >= 0 && reward <= 1)) throw new RangeError(`reward must be in [0, 1], got ${reward}`);
    let factor = Number.isFinite(this.halfLifeObservations) ? Math.pow(0.5, 1 / this.halfLifeObservations) : 1;
    if (atMs !== undefined) {
      if (this.lastUpdateMs !== null && Number.isFinite(this.halfLifeMs) && atMs > this.lastUpdateMs) {
        factor *= Math.pow(0.5, (atMs - this.lastUpdateMs) / this.halfLifeMs);
      }
      if (this.lastUpdateMs === null || atMs > this.lastUpdateMs) this.lastUpdateMs = atMs;
    }
    if (factor !== 1) {
      for (let i = 0; i < this.arms.length; i++) {
        this.successes[i]! *= factor;
        this.failures[i]! *= factor;
      }
    }
    this.successes[index]! += reward;
    this.failures[index]! += 1 - reward;
    this.observations++;
  }

  /** One Thompson draw: the arm whose sampled reward is highest. */
  sampleArm(random: Random): string {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < this.arms.length; i++) {
      const value = sampleBeta(this.priorAlpha + this.successes[i]!, this.priorBeta + this.failures[i]!, random);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    return this.arms[best]!;
  }

  /** One Thompson draw per arm (in `arms` order): the sampled reward of each. */
  sampleValues(random: Random): Float64Array {
    const values = new Float64Array(this.arms.length);
    for (let i = 0; i < this.arms.length; i++) {
      values[i] = sampleBeta(this.priorAlpha + this.successes[i]!, this.priorBeta + this.failures[i]!, random);
    }
    return values;
  }

  /**
   * Allocates the slots of a slate: every slot goes to the winner of its own Thompson draw, so each
   * arm gets slots in proportion to the probability that it is the best arm.
   */
  sampleShares(slots: number, random: Random): Record<string, number> {
    const shares: Record<string, number> = {};
    for (const arm of this.arms) shares[arm] = 0;
    for (let slot = 0; slot < slots; slot++) shares[this.sampleArm(random)]! += 1;
    return shares;
  }

  /** Expected share of slots per arm, estimated from `draws` Thompson draws (for display). */
  trafficShares(random: Random, draws = 2_000): Record<string, number> {
    const counts = this.sampleShares(draws, random);
    for (const arm of this.arms) counts[arm] = counts[arm]! / draws;
    return counts;
  }

  posteriors(): ArmPosterior[] {
    return this.arms.map((arm, i) => {
      const alpha = this.priorAlpha + this.successes[i]!;
      const beta = this.priorBeta + this.failures[i]!;
      return {
        arm,
        alpha,
        beta,
        mean: alpha / (alpha + beta),
        interval95: [betaQuantile(0.025, alpha, beta), betaQuantile(0.975, alpha, beta)],
        effectiveObservations: this.successes[i]! + this.failures[i]!,
      };
    });
  }

  snapshot(): ThompsonBanditSnapshot {
    const arms: ThompsonBanditSnapshot['arms'] = {};
    this.arms.forEach((arm, i) => {
      arms[arm] = { alpha: this.priorAlpha + this.successes[i]!, beta: this.priorBeta + this.failures[i]! };
    });
    return {
      version: 1,
      arms,
      observations: this.observations,
      lastUpdateMs: this.lastUpdateMs,
      options: {
        priorAlpha: this.priorAlpha,
        priorBeta: this.priorBeta,
        halfLifeObservations: Number.isFinite(this.halfLifeObservations) ? this.halfLifeObservations : null,
        halfLifeMs: Number.isFinite(this.halfLifeMs) ? this.halfLifeMs : null,
      },
    };
  }

  /** Rebuilds a bandit from a snapshot (JSON-parsed); arms and settings come from the snapshot. */
  static restore(snapshot: ThompsonBanditSnapshot): ThompsonBandit {
    if (snapshot?.version !== 1) throw new TypeError('unsupported bandit snapshot version');
    const { options } = snapshot;
    const bandit = new ThompsonBandit({
      arms: Object.keys(snapshot.arms),
      priorAlpha: options.priorAlpha,
      priorBeta: options.priorBeta,
      halfLifeObservations: options.halfLifeObservations ?? Infinity,
      halfLifeMs: options.halfLifeMs ?? Infinity,
    });
    bandit.arms.forEach((arm, i) => {
      const state = snapshot.arms[arm]!;
      if (!(state.alpha >= options.priorAlpha && state.beta >= options.priorBeta)) {
        throw new RangeError(`arm ${arm}: posterior below the prior`);
      }
      bandit.successes[i] = state.alpha - options.priorAlpha;
      bandit.failures[i] = state.beta - options.priorBeta;
    });
    bandit.observations = snapshot.observations;
    bandit.lastUpdateMs = snapshot.lastUpdateMs;
    return bandit;
  }

  private indexOf(arm: string): number {
    const index = this.arms.indexOf(arm);
    if (index < 0) throw new RangeError(`unknown arm: ${arm}`);
    return index;
  }
}

/** The arm whose slots carry an algorithm_source, and back. */
export const ARM_SOURCES = {
  ncf: 'ncf_primary',
  mf: 'mf_fallback',
  story: 'story_similarity',
  trending: 'trending_boost',
  random: 'random_explore',
} as const satisfies Record<BanditArm, string>;

export function armOfSource(source: string): BanditArm | undefined {
  return BANDIT_ARMS.find((arm) => ARM_SOURCES[arm] === source);
}

/**
 * A bandit over stored evidence (successes and failures above the prior per arm, as the learning
 * store keeps them); arms the state does not name start at the prior.
 */
export function banditFromEvidence(
  evidence: { arms: ReadonlyArray<{ arm: string; successes: number; failures: number }>; observations: number },
  options: Omit<ThompsonBanditOptions, 'halfLifeMs'> = {},
): ThompsonBandit {
  const arms = [...(options.arms ?? BANDIT_ARMS)];
  const priorAlpha = options.priorAlpha ?? 1;
  const priorBeta = options.priorBeta ?? 1;
  const byArm = new Map(evidence.arms.map((a) => [a.arm, a]));
  const snapshot: ThompsonBanditSnapshot = {
    version: 1,
    arms: Object.fromEntries(
      arms.map((arm) => {
        const a = byArm.get(arm);
        return [arm, { alpha: priorAlpha + Math.max(0, a?.successes ?? 0), beta: priorBeta + Math.max(0, a?.failures ?? 0) }];
      }),
    ),
    observations: evidence.observations,
    lastUpdateMs: null,
    options: {
      priorAlpha,
      priorBeta,
      halfLifeObservations: Number.isFinite(options.halfLifeObservations ?? 5_000) ? (options.halfLifeObservations ?? 5_000) : null,
      halfLifeMs: null,
    },
  };
  return ThompsonBandit.restore(snapshot);
}
