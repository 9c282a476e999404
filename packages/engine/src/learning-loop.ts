import {
  type AttributionStatus,
  type BanditState,
  type ExperimentRecord,
  type Impression,
  type InteractionEvent,
  type LearningStore,
  type Outcome,
} from '@recsys/core';
import {
  armOfSource,
  banditFromEvidence,
  DEFAULT_ATTRIBUTION_WINDOW_MS,
  outcomeOf,
  type ThompsonBandit,
  validateExperimentDefinition,
} from '@recsys/learning';
import type { SlateArm, SlatePolicy } from '@recsys/ranking';
import type { RecommendationResponse } from './api-types.js';
import { assignVariant, type Experiment, HYBRID_WEIGHTS, type Variant } from './experiments.js';
import type { EngineLogger } from './logger.js';

// The feedback loop around serving: which experiment and variant a user is in, the bandit's slate
// policy, impressions recorded in the background (never on the request path), and later events
// attributed to the impressions they answer. State lives in the learning store, so it survives
// restarts and every replica shares it; this class only caches it briefly.

export interface LearningOptions {
  /** Events without recommendation_id are attributed to the user's impression of the item within this. */
  attributionWindowMs: number;
  /** Buffered impressions and outcomes are written at least this often. */
  flushIntervalMs: number;
  /** A flush starts at once when this many impressions wait. */
  flushBatch: number;
  /** Impressions kept while the store cannot take them; beyond, the oldest are dropped (and logged). */
  maxBufferedImpressions: number;
  /** Events waiting for attribution while the store cannot take them; beyond, the oldest are dropped (and logged). */
  maxBufferedOutcomes: number;
  /** Bandit evidence halves every this many slots; null: no decay. */
  banditHalfLifeObservations: number | null;
  /** The served experiment is re-read from the store this often (other replicas may change it). */
  refreshMs: number;
  /**
   * The bandit posterior is re-read this often: every replica's outcomes move it, and slots served
   * from a stale posterior all follow the same beliefs, so it is kept short.
   */
  banditRefreshMs: number;
  /**
   * An event naming a list whose impression is not found is tried once more after this (another
   * replica may not have flushed the impression yet); after that it stays unattributed.
   */
  retryUnattributedMs: number;
  /** Policy of the default experiment's variants: hybrid (the blended ranking) or bandit. */
  defaultPolicy: 'hybrid' | 'bandit';
  /** A request waits at most this for the first read of the experiment or bandit (then: default / prior). */
  firstReadTimeoutMs: number;
}

export const DEFAULT_LEARNING_OPTIONS: LearningOptions = {
  attributionWindowMs: DEFAULT_ATTRIBUTION_WINDOW_MS,
  flushIntervalMs: 250,
  flushBatch: 2_000,
  maxBufferedImpressions: 200_000,
  maxBufferedOutcomes: 100_000,
  banditHalfLifeObservations: 5_000,
  refreshMs: 1_000,
  banditRefreshMs: 250,
  retryUnattributedMs: 2_000,
  defaultPolicy: 'hybrid',
  firstReadTimeoutMs: 300,
};

/** Impressions or outcomes per store call. */
const STORE_CHUNK = 500;

/** Counts since start, for metrics and logs. */
export interface LearningStats {
  impressionsRecorded: number;
  impressionsDropped: number;
  /** Events dropped from the attribution buffer while it was full (they stay in the event log). */
  outcomesDropped: number;
  attributed: number;
  unattributed: number;
  flushFailures: number;
}

interface PendingOutcome {
  outcome: Outcome;
  /** Tries so far. */
  tries: number;
  /** Not before this (epoch ms). */
  due: number;
}

/** The experiment a stored record serves: all variants while running, the winner alone once promoted. */
export function servedExperiment(record: ExperimentRecord): Experiment | undefined {
  const result = validateExperimentDefinition(record.definition, { defaultWeights: HYBRID_WEIGHTS });
  if (!result.ok) return undefined;
  const variants: Variant[] = result.experiment.variants.map((v) => ({
    name: v.name,
    allocation: v.allocation,
    collaborative: v.collaborative,
    weights: { ...v.weights },
    diversity: v.diversity,
    policy: v.policy,
  }));
  if (record.status === 'promoted') {
    const winner = variants.find((v) => v.name === record.winner);
    return winner ? { id: record.id, salt: result.experiment.salt, variants: [{ ...winner, allocation: 100 }] } : undefined;
  }
  return { id: record.id, salt: result.experiment.salt, variants };
}

export class LearningLoop {
  readonly options: LearningOptions;
  readonly stats: LearningStats = { impressionsRecorded: 0, impressionsDropped: 0, outcomesDropped: 0, attributed: 0, unattributed: 0, flushFailures: 0 };
  private impressions: Impression[] = [];
  private outcomes: PendingOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private experimentCache: { experiment: Experiment; at: number } | undefined;
  private experimentLoad: Promise<Experiment> | undefined;
  private experimentGeneration = 0;
  private banditCache: { bandit: ThompsonBandit; state: BanditState; at: number } | undefined;
  private banditLoad: Promise<void> | undefined;

  constructor(
    readonly store: LearningStore,
    readonly defaultExperiment: Experiment,
    options: Partial<LearningOptions>,
    private readonly logger: EngineLogger,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.options = { ...DEFAULT_LEARNING_OPTIONS, ...options };
  }

  /** The built-in default experiment with the configured default policy. */
  get builtinExperiment(): Experiment {
    const policy = this.options.defaultPolicy;
    return { ...this.defaultExperiment, variants: this.defaultExperiment.variants.map((v) => ({ ...v, policy: v.policy ?? policy })) };
  }

  // ---- assignment --------------------------------------------------------------------------

  /** The experiment served now: the running one, else the last promoted one, else the default. */
  async currentExperiment(): Promise<Experiment> {
    const cached = this.experimentCache;
    if (cached && this.now() - cached.at <= this.options.refreshMs) return cached.experiment;
    const load = (this.experimentLoad ??= this.loadExperiment().finally(() => (this.experimentLoad = undefined)));
    // A stale answer now beats waiting on the store; the first one has to wait.
    if (cached) {
      load.catch(() => undefined);
      return cached.experiment;
    }
    // The first read waits a little at most: a hung store must not hold the request.
    return within(load, this.options.firstReadTimeoutMs, () => this.builtinExperiment);
  }

  /** Sticky assignment of the user to a variant of the served experiment. */
  async assign(userId: string): Promise<{ experiment: Experiment; variant: Variant }> {
    const experiment = await this.currentExperiment();
    return { experiment, variant: assignVariant(experiment, userId) };
  }

  /** Drops the cached experiment (after a change through this process); a read under way is not cached. */
  experimentsChanged(): void {
    this.experimentCache = undefined;
    this.experimentLoad = undefined;
    this.experimentGeneration++;
  }

  private async loadExperiment(): Promise<Experiment> {
    const generation = this.experimentGeneration;
    let experiment = this.builtinExperiment;
    try {
      const records = await this.store.listExperiments();
      const running = records.filter((r) => r.status === 'running').at(-1);
      const promoted = records.filter((r) => r.status === 'promoted').sort((a, b) => (a.updated_at < b.updated_at ? -1 : 1)).at(-1);
      const chosen = running ?? promoted;
      experiment = (chosen && servedExperiment(chosen)) ?? experiment;
    } catch (error) {
      if (this.experimentCache) throw error;
      this.logger.warn({ err: error }, 'experiments unreadable: serving the default experiment');
    }
    if (generation === this.experimentGeneration) this.experimentCache = { experiment, at: this.now() };
    return experiment;
  }

  // ---- bandit --------------------------------------------------------------------------------

  /**
   * The bandit over the stored evidence, re-read at most every refreshMs (replicas share it); a
   * stale copy is served while it is re-read. `fresh` reads the store now (for the admin view).
   */
  async bandit(fresh = false): Promise<{ bandit: ThompsonBandit; state: BanditState }> {
    const cached = this.banditCache;
    if (!fresh && cached && this.now() - cached.at <= this.options.banditRefreshMs) return cached;
    if (fresh) {
      const state = await this.store.banditState();
      const bandit = banditFromEvidence(state, { halfLifeObservations: this.options.banditHalfLifeObservations ?? Infinity });
      this.banditCache = { bandit, state, at: this.now() };
      return this.banditCache;
    }
    this.banditLoad ??= this.store
      .banditState()
      .then((state) => {
        const bandit = banditFromEvidence(state, { halfLifeObservations: this.options.banditHalfLifeObservations ?? Infinity });
        this.banditCache = { bandit, state, at: this.now() };
      })
      .finally(() => (this.banditLoad = undefined));
    if (cached) {
      this.banditLoad.catch(() => undefined);
      return cached;
    }
    // Unreadable (or slow on the first read): every arm at the prior until the store answers.
    const prior = () => ({ bandit: banditFromEvidence({ arms: [], observations: 0 }), state: { arms: [], observations: 0 } });
    return within(
      this.banditLoad.then(() => this.banditCache ?? prior()),
      this.options.firstReadTimeoutMs,
      prior,
    );
  }

  /** A slate policy for one request: per slot, the arms ordered by one Thompson draw each. */
  async slatePolicy(): Promise<SlatePolicy> {
    const { bandit } = await this.bandit();
    const arms = bandit.arms as readonly SlateArm[];
    return {
      armsForSlot: () => {
        const values = bandit.sampleValues(this.random);
        return arms.map((arm, i) => [arm, values[i]!] as const).sort((a, b) => b[1] - a[1]).map(([arm]) => arm);
      },
    };
  }

  /** Resets the bandit to its prior (after a change the old evidence must not weigh in). */
  async resetBandit(): Promise<void> {
    await this.store.resetBandit();
    this.banditCache = undefined;
  }

  // ---- impressions and attribution -------------------------------------------------------------

  /** Queues the response's items as impressions; `bandit` when the bandit composed the list. */
  served(response: RecommendationResponse, bandit: boolean): void {
    if (this.closed || response.items.length === 0) return;
    const servedAt = Date.parse(response.generated_at) || this.now();
    for (const item of response.items) {
      const impression: Impression = {
        request_id: response.request_id,
        user_id: response.user_id,
        item_id: item.item_id,
        position: item.rank,
        algorithm_source: item.algorithm_source,
        experiment_id: response.experiment_id,
        variant: response.variant,
        served_at: servedAt,
      };
      const arm = bandit ? armOfSource(item.algorithm_source) : undefined;
      if (arm) impression.arm = arm;
      this.impressions.push(impression);
    }
    const overflow = this.impressions.length - this.options.maxBufferedImpressions;
    if (overflow > 0) {
      this.impressions.splice(0, overflow);
      this.stats.impressionsDropped += overflow;
      this.logger.error({ dropped: overflow, total_dropped: this.stats.impressionsDropped }, 'impression buffer full (store unavailable?): oldest impressions dropped');
    }
    this.schedule(this.impressions.length >= this.options.flushBatch);
  }

  /** Queues the outcomes of freshly acknowledged events for attribution. */
  observe(events: readonly InteractionEvent[]): void {
    if (this.closed) return;
    const receivedAt = this.now();
    for (const event of events) {
      const outcome = outcomeOf(event, this.options.attributionWindowMs, receivedAt);
      if (outcome) this.outcomes.push({ outcome, tries: 0, due: 0 });
    }
    this.trimOutcomes();
    if (this.outcomes.length > 0) this.schedule(false);
  }

  /** Writes what is buffered (impressions first, then the outcomes that are due). */
  flush(): Promise<void> {
    const run = (this.flushing ?? Promise.resolve()).catch(() => undefined).then(() => this.flushOnce());
    this.flushing = run;
    void run
      .catch(() => undefined)
      .then(() => {
        if (this.flushing === run) this.flushing = undefined;
      });
    return run;
  }

  /** Flushes and stops; impressions and outcomes still waiting for a retry are written first. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const pending of this.outcomes) pending.due = 0;
    await this.flush().catch((error: unknown) =>
      this.logger.error({ err: error, impressions: this.impressions.length }, 'could not write buffered impressions at shutdown'),
    );
    this.closed = true;
    if (this.impressions.length > 0) {
      this.logger.error({ impressions: this.impressions.length }, 'impressions not written at shutdown (store unavailable)');
    }
  }

  private schedule(now: boolean): void {
    if (this.closed) return;
    if (now) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush().catch(() => undefined);
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    // Bounded store calls: each stays well within a store call timeout (a circuit breaker's).
    // Buffered impressions always go first (also those served while outcomes were written): an
    // outcome is queued after the impression it answers, so it finds it recorded.
    while (!this.closed) {
      if (this.impressions.length > 0) await this.recordChunk();
      else if (this.outcomes.some((p) => p.due <= this.now())) await this.attributeChunk();
      else break;
    }
    if (this.outcomes.length > 0) this.schedule(false);
  }

  private async recordChunk(): Promise<void> {
    const impressions = this.impressions.slice(0, STORE_CHUNK);
    this.impressions = this.impressions.slice(impressions.length);
    if (impressions.length > 0) {
      try {
        await this.store.recordImpressions(impressions, { halfLifeObservations: this.options.banditHalfLifeObservations });
        this.stats.impressionsRecorded += impressions.length;
      } catch (error) {
        // Kept for the next flush: impressions are ours to keep, not the client's to resend.
        this.impressions = impressions.concat(this.impressions);
        const overflow = this.impressions.length - this.options.maxBufferedImpressions;
        if (overflow > 0) {
          this.impressions.splice(0, overflow);
          this.stats.impressionsDropped += overflow;
        }
        this.stats.flushFailures++;
        this.logger.warn({ err: error, impressions: this.impressions.length }, 'could not record impressions; retrying');
        this.schedule(false);
        throw error;
      }
    }
  }

  /** Keeps the attribution buffer within its bound while the store is down: the oldest events go first. */
  private trimOutcomes(): void {
    const overflow = this.outcomes.length - this.options.maxBufferedOutcomes;
    if (overflow <= 0) return;
    this.outcomes.splice(0, overflow);
    this.stats.outcomesDropped += overflow;
    this.logger.error(
      { dropped: overflow, total_dropped: this.stats.outcomesDropped },
      'attribution buffer full (store unavailable?): oldest events left unattributed',
    );
  }

  private async attributeChunk(): Promise<void> {
    const now = this.now();
    const due = this.outcomes.filter((p) => p.due <= now).slice(0, STORE_CHUNK);
    const taken = new Set(due);
    this.outcomes = this.outcomes.filter((p) => !taken.has(p));
    let statuses: AttributionStatus[];
    try {
      statuses = await this.store.attribute(due.map((p) => p.outcome));
    } catch (error) {
      this.outcomes = due.concat(this.outcomes);
      this.trimOutcomes();
      this.stats.flushFailures++;
      this.logger.warn({ err: error, outcomes: due.length }, 'could not attribute events; retrying');
      this.schedule(false);
      throw error;
    }
    statuses.forEach((status, i) => {
      const pending = due[i]!;
      if (status === 'attributed') this.stats.attributed++;
      else if (status === 'unknown' && pending.tries === 0 && pending.outcome.request_id !== undefined) {
        this.outcomes.push({ ...pending, tries: 1, due: now + this.options.retryUnattributedMs });
      } else if (status === 'unknown') this.stats.unattributed++;
    });
  }
}


/** `promise`'s value, or `fallback()` when it fails or takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback()), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback());
      },
    );
  });
}
