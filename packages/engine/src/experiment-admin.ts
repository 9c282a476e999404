import { CONTEXT_SIGNAL_FACTORIES } from './context/registry.js';
import type { ExperimentRecord, ExperimentStatus, VariantCounters } from '@recsys/core';
import {
  ARM_SOURCES,
  type BanditArm,
  experimentResults,
  fnv1a,
  mulberry32,
  validateExperimentDefinition,
  type ValidationError,
} from '@recsys/learning';
import type { Experiment } from './experiments.js';
import { HYBRID_WEIGHTS } from './experiments.js';
import { type LearningLoop, servedExperiment } from './learning-loop.js';

// Operating experiments: create (validated), list, read, results with the stopping rule, stop and
// promote a winner; and the bandit's posteriors. Views are snake_case, as served over HTTP.

export type ExperimentErrorCode =
  | 'EXPERIMENT_NOT_FOUND'
  | 'EXPERIMENT_EXISTS'
  | 'EXPERIMENT_RUNNING'
  | 'EXPERIMENT_NOT_RUNNING'
  | 'EXPERIMENT_BUILTIN'
  | 'NO_WINNER';

export class ExperimentError extends Error {
  override name = 'ExperimentError';
  constructor(
    readonly code: ExperimentErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The definition was refused; `errors` name each offending field. */
export class ExperimentValidationError extends Error {
  override name = 'ExperimentValidationError';
  constructor(readonly errors: ValidationError[]) {
    super(`${errors[0]?.field || 'experiment'} ${errors[0]?.message ?? 'is invalid'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  }
}

export interface VariantView {
  name: string;
  allocation: number;
  collaborative: 'ncf' | 'mf';
  weights: { collaborative: number; popularity: number; trending: number; story?: number; context?: Record<string, number> };
  diversity: number;
  policy: 'hybrid' | 'bandit';
}

export interface ExperimentView {
  id: string;
  salt: string;
  description?: string;
  status: ExperimentStatus;
  /** True for the built-in default experiment (served when no other runs or was promoted). */
  builtin: boolean;
  /** True for the experiment users are assigned in now. */
  serving: boolean;
  winner: string | null;
  created_at: string | null;
  updated_at: string | null;
  variants: VariantView[];
}

export interface ResultsOptions {
  /** Smallest relative CTR lift worth detecting; default 0.1. */
  minDetectableLift?: number;
  alpha?: number;
  power?: number;
  /** Control CTR for the sample size; default the first variant's observed CTR. */
  baselineRate?: number;
  /** P(best) that calls a winner; default 0.975 (about a two-sided 5 % test with two variants). */
  probabilityBestThreshold?: number;
}

type Interval = [number | null, number | null];
const finite = (x: number) => (Number.isFinite(x) ? x : null);
const round = (x: number) => Math.round(x * 1e6) / 1e6;
const interval = ([a, b]: [number, number]): Interval => [finite(round(a)), finite(round(b))];

export class ExperimentAdmin {
  constructor(
    private readonly loop: LearningLoop,
    private readonly now: () => number,
  ) {}

  async create(input: unknown): Promise<ExperimentView> {
    const result = validateExperimentDefinition(input, { defaultWeights: HYBRID_WEIGHTS, contextSignals: Object.keys(CONTEXT_SIGNAL_FACTORIES) });
    if (!result.ok) throw new ExperimentValidationError(result.errors);
    const definition = result.experiment;
    if (definition.id === this.loop.defaultExperiment.id) {
      throw new ExperimentError('EXPERIMENT_EXISTS', `experiment ${definition.id} exists (the built-in default)`);
    }
    const at = new Date(this.now()).toISOString();
    const record: ExperimentRecord = {
      id: definition.id,
      status: 'running',
      definition: definition as unknown as ExperimentRecord['definition'],
      created_at: at,
      updated_at: at,
    };
    const created = await this.loop.store.createExperiment(record);
    if (!created.created && created.reason === 'exists') throw new ExperimentError('EXPERIMENT_EXISTS', `experiment ${definition.id} exists`);
    if (!created.created) {
      throw new ExperimentError('EXPERIMENT_RUNNING', `experiment ${created.running} is running; stop it before starting another`, {
        running: created.running,
      });
    }
    this.loop.experimentsChanged();
    return this.view(record, true);
  }

  async list(): Promise<{ serving: string; experiments: ExperimentView[] }> {
    const [records, serving] = await Promise.all([this.loop.store.listExperiments(), this.loop.currentExperiment()]);
    return {
      serving: serving.id,
      experiments: [this.builtinView(serving.id), ...records.map((r) => this.view(r, r.id === serving.id))],
    };
  }

  async get(id: string): Promise<ExperimentView> {
    const serving = (await this.loop.currentExperiment()).id;
    if (id === this.loop.defaultExperiment.id) return this.builtinView(serving);
    const record = await this.loop.store.getExperiment(id);
    if (!record) throw notFound(id);
    return this.view(record, record.id === serving);
  }

  /** Per-variant results with 95 % intervals, P(best), the z-test, the required sample size and the stopping call. */
  async results(id: string, options: ResultsOptions = {}) {
    const experiment = await this.get(id);
    // This process's buffered impressions and outcomes count too.
    await this.loop.flush().catch(() => undefined);
    const stored = new Map((await this.loop.store.variantCounters(id)).map((c) => [c.variant, c]));
    const counters: VariantCounters[] = experiment.variants.map(
      (v) =>
        stored.get(v.name) ?? {
          variant: v.name,
          users: 0,
          impressions: 0,
          clicks: 0,
          plays: 0,
          completions: 0,
          watch_count: 0,
          watch_sum: 0,
          watch_sum_squares: 0,
        },
    );
    const settings = {
      min_detectable_lift: options.minDetectableLift ?? 0.1,
      alpha: options.alpha ?? 0.05,
      power: options.power ?? 0.8,
      probability_best_threshold: options.probabilityBestThreshold ?? 0.975,
      baseline_rate: options.baselineRate ?? null,
    };
    // Seeded by the experiment id: the same counts always give the same P(best).
    const results = experimentResults(
      counters.map((c) => ({
        variant: c.variant,
        impressions: c.impressions,
        clicks: c.clicks,
        plays: c.plays,
        completions: c.completions,
        watchSeconds: { count: c.watch_count, sum: c.watch_sum, sumSquares: c.watch_sum_squares },
      })),
      mulberry32(fnv1a(id)),
      {
        minDetectableLift: settings.min_detectable_lift,
        alpha: settings.alpha,
        power: settings.power,
        probabilityBestThreshold: settings.probability_best_threshold,
        ...(options.baselineRate !== undefined ? { baselineRate: options.baselineRate } : {}),
      },
    );
    const recommendation: 'continue' | 'stop_winner' | 'stop_no_difference' = results.winner
      ? 'stop_winner'
      : results.enoughData && results.variants.length > 1
        ? 'stop_no_difference'
        : 'continue';
    return {
      experiment_id: id,
      status: experiment.status,
      generated_at: new Date(this.now()).toISOString(),
      variants: results.variants.map((v, i) => ({
        variant: v.variant,
        users: counters[i]!.users,
        impressions: v.impressions,
        clicks: v.clicks,
        ctr: round(v.ctr),
        ctr_interval_95: interval(v.ctrInterval),
        plays: counters[i]!.plays,
        completions: counters[i]!.completions,
        completion_rate: round(v.completionRate),
        completion_interval_95: interval(v.completionInterval),
        mean_watch_seconds: round(v.meanWatchSeconds),
        watch_seconds_interval_95: interval(v.watchSecondsInterval),
        probability_best: round(v.probabilityBest),
      })),
      leader: results.leader,
      p_value: finite(round(results.pValue)),
      required_impressions_per_variant: Number.isFinite(results.requiredPerVariant) ? results.requiredPerVariant : null,
      enough_data: results.enoughData,
      winner: results.winner,
      recommendation,
      reason: results.reason,
      settings,
    };
  }

  async stop(id: string): Promise<ExperimentView> {
    const record = await this.stored(id);
    if (record.status !== 'running') throw new ExperimentError('EXPERIMENT_NOT_RUNNING', `experiment ${id} is ${record.status}`);
    const updated: ExperimentRecord = { ...record, status: 'stopped', updated_at: new Date(this.now()).toISOString() };
    await this.loop.store.updateExperiment(updated);
    this.loop.experimentsChanged();
    return this.view(updated, false);
  }

  /**
   * Serves one variant to everyone from now on: `variant` when given, else the winner the results
   * call. Stops the experiment if it still runs.
   */
  async promote(id: string, variant?: string, options: ResultsOptions = {}): Promise<ExperimentView> {
    const record = await this.stored(id);
    const names = (record.definition.variants ?? []).map((v) => v.name);
    let winner = variant;
    if (winner !== undefined && !names.includes(winner)) {
      throw new ExperimentError('NO_WINNER', `experiment ${id} has no variant ${winner}; variants: ${names.join(', ')}`, { variants: names });
    }
    if (winner === undefined) {
      const results = await this.results(id, options);
      if (!results.winner) throw new ExperimentError('NO_WINNER', `no winner to promote: ${results.reason}`, { reason: results.reason });
      winner = results.winner;
    }
    const updated: ExperimentRecord = { ...record, status: 'promoted', winner, updated_at: new Date(this.now()).toISOString() };
    await this.loop.store.updateExperiment(updated);
    this.loop.experimentsChanged();
    const serving = (await this.loop.currentExperiment()).id;
    return this.view(updated, serving === id);
  }

  /** Posteriors, credible intervals and the expected share of slots of every arm. */
  async bandit() {
    const { bandit, state } = await this.loop.bandit(true);
    const shares = bandit.trafficShares(mulberry32(state.observations + 1), 4_000);
    return {
      arms: bandit.posteriors().map((p) => ({
        arm: p.arm,
        algorithm_source: ARM_SOURCES[p.arm as BanditArm] ?? p.arm,
        alpha: round(p.alpha),
        beta: round(p.beta),
        mean: round(p.mean),
        interval_95: [round(p.interval95[0]), round(p.interval95[1])] as [number, number],
        effective_observations: round(p.effectiveObservations),
        traffic_share: round(shares[p.arm] ?? 0),
      })),
      observations: state.observations,
      half_life_observations: this.loop.options.banditHalfLifeObservations,
      prior: { alpha: 1, beta: 1 },
    };
  }

  private async stored(id: string): Promise<ExperimentRecord> {
    if (id === this.loop.defaultExperiment.id) {
      throw new ExperimentError('EXPERIMENT_BUILTIN', `${id} is the built-in default; start another experiment or promote one instead`);
    }
    const record = await this.loop.store.getExperiment(id);
    if (!record) throw notFound(id);
    return record;
  }

  private builtinView(serving: string): ExperimentView {
    const experiment = this.loop.builtinExperiment;
    return {
      ...definitionView(experiment),
      status: serving === experiment.id ? 'running' : 'stopped',
      builtin: true,
      serving: serving === experiment.id,
      winner: null,
      created_at: null,
      updated_at: null,
    };
  }

  private view(record: ExperimentRecord, serving: boolean): ExperimentView {
    const experiment = servedExperiment({ ...record, status: 'running' });
    const description = typeof record.definition.description === 'string' ? record.definition.description : undefined;
    return {
      ...(experiment ? definitionView(experiment) : { id: record.id, salt: record.definition.salt, variants: [] }),
      ...(description !== undefined ? { description } : {}),
      status: record.status,
      builtin: false,
      serving,
      winner: record.winner ?? null,
      created_at: record.created_at,
      updated_at: record.updated_at,
    };
  }
}

function definitionView(experiment: Experiment): { id: string; salt: string; variants: VariantView[] } {
  return {
    id: experiment.id,
    salt: experiment.salt,
    variants: experiment.variants.map((v) => ({
      name: v.name,
      allocation: v.allocation,
      collaborative: v.collaborative,
      weights: { ...v.weights, ...(v.weights.context && { context: { ...v.weights.context } }) },
      diversity: v.diversity,
      policy: v.policy ?? 'hybrid',
    })),
  };
}

function notFound(id: string): ExperimentError {
  return new ExperimentError('EXPERIMENT_NOT_FOUND', `experiment ${id} does not exist`);
}
