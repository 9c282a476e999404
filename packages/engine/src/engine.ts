import { randomUUID } from 'node:crypto';
import {
  acceptedEvents,
  type AppendResult,
  type Artifacts,
  type ErasureReport,
  type InteractionEvent,
  type Item,
  type JobInfo,
  type ModelRecord,
  type ModelRegistry,
  type JobRunner,
  type QueueDepth,
  type Store,
  type UserPreferences,
  type VectorIndexFactory,
} from '@recsys/core';
import { exactIndexFactory } from '@recsys/ann';
import { itemSimilarity, prefetchCandidates, type RankingContext } from '@recsys/ranking';
import { rankWithFallback } from './rank-with-fallback.js';
import { scrubErasedUsers } from './model-scrub.js';
import type {
  RecommendationRequest,
  RecommendationResponse,
  SimilarItem,
  SimilarityMode,
  UserExport,
} from './api-types.js';
import { assignVariant, DEFAULT_EXPERIMENT, type Experiment } from './experiments.js';
import { ExperimentAdmin } from './experiment-admin.js';
import { LearningLoop, type LearningOptions } from './learning-loop.js';
import { exportLearning, holdsAnything } from './learning-export.js';
import { type EngineLogger, silentLogger } from './logger.js';
import { ANN_INDEX_ARTIFACT, decodeBundle, type ModelBundle } from './model-bundle.js';
import { buildDriftReference, DRIFT_ARTIFACT } from './drift-reference.js';
import type { EngineStats } from './engine-stats.js';
import { ServingMonitor, type ServingMonitorOptions, type ServingObservability } from './serving-monitor.js';
import { decodeStoryModel, StoryServing, storyEvolutionOf } from './story.js';
import { DEFAULT_TRENDING_HALF_LIFE_MS } from './popularity.js';
import { qualityGate } from './quality-gate.js';
import { type ServingState, ServingStateCache } from './serving-state.js';
import { trainIncrement } from './incremental.js';
import { collaborativeBlend, DEFAULT_TRAINER_OPTIONS, type TrainerOptions, trainVersion } from './trainer.js';
import { type ServedUserState, UserStateCache } from './user-states.js';
import { type ContextOptions, ContextServing } from './context/index.js';
import { placeUser, segmentExport } from './segments/segment-context.js';

export interface EngineDependencies {
  store: Store;
  registry: ModelRegistry;
  jobs: JobRunner;
  indexFactory?: VectorIndexFactory;
  logger?: EngineLogger;
  now?: () => number;
}

export interface EngineOptions {
  experiment: Experiment;
  trainer: TrainerOptions;
  /** Full retrain period; 0 disables the schedule. */
  retrainEveryMs: number;
  /** Incremental update period (the active models moved by fresh events); 0 disables it. */
  incrementalEveryMs: number;
  /** Train at start when no model version exists yet but there are events to learn from. */
  trainOnStart: boolean;
  /** A new version whose holdout nDCG@10 is lower than the active one's by more than this is not activated. */
  qualityMargin: number;
  /** Popularity and trending are recomputed at most this often while events arrive. */
  popularityRefreshMs: number;
  trendingHalfLifeMs: number;
  /**
   * Users whose state is kept in memory between requests. What it saves is a user's next request
   * soon after (the rails of one page, a refresh); each entry holds ~60 heap objects (events,
   * history, memos), all marked by every full collection. 10,000 held ~55 MB at 100k titles, for
   * no more throughput than 2,000 (`pnpm bench serve`, docs/benchmarks.md).
   */
  userCacheSize: number;
  /**
   * How long cached state may be served without re-reading the store. Writes through this engine
   * invalidate at once; these bounds matter when other processes write the same store (several
   * API replicas): the catalogue view and popularity, then one user's history and preferences.
   */
  servingStateMaxAgeMs: number;
  userStateMaxAgeMs: number;
  /**
   * Dimension of the external plot embeddings (`item.embedding`) of this deployment; by default
   * that of the first embedding the catalogue received. Items with another dimension are refused.
   */
  storyEmbeddingDimension?: number;
  /** Raw events received longer ago than this are dropped from the event log (features stay); 0 keeps them. */
  eventRetentionMs: number;
  /** How often the retention job runs while `eventRetentionMs` is set (it also runs at start). */
  retentionEveryMs: number;
  /** Exposure window and drift sampling of the metrics endpoint (see ServingMonitor). */
  servingMonitor?: Partial<ServingMonitorOptions>;
  /** Context signals (time of day, session, mood, trending now, ...): session gap, default weights, half-lives. */
  context?: Partial<ContextOptions>;
  /** Impressions, attribution, bandit and experiments (used when the store has `learning`). */
  learning?: Partial<LearningOptions>;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  experiment: DEFAULT_EXPERIMENT,
  trainer: DEFAULT_TRAINER_OPTIONS,
  retrainEveryMs: 24 * 3600 * 1000,
  incrementalEveryMs: 3600 * 1000,
  trainOnStart: true,
  qualityMargin: 0.02,
  popularityRefreshMs: 2000,
  trendingHalfLifeMs: DEFAULT_TRENDING_HALF_LIFE_MS,
  userCacheSize: 2_000,
  servingStateMaxAgeMs: Number.POSITIVE_INFINITY,
  userStateMaxAgeMs: Number.POSITIVE_INFINITY,
  eventRetentionMs: 0,
  retentionEveryMs: 24 * 3600 * 1000,
};

/** Drops raw events past the retention period (see EngineOptions.eventRetentionMs). */
export const RETENTION_JOB = 'event-retention';

/** Job names: full retrains and incremental updates queue (and are scheduled) separately. */
export const TRAINING_JOBS = { full: 'retrain', incremental: 'incremental-update' } as const;
/** full: every model from the whole event log; incremental: the active models moved by the events since. */
export type RetrainKind = 'full' | 'incremental';

export interface RetrainResult {
  version: string;
  activated: boolean;
  reason: string;
  metrics: Record<string, number>;
}

export class UnknownModelVersionError extends Error {
  override name = 'UnknownModelVersionError';
}

/** A write could not reach the store: nothing of it was acknowledged, the caller may retry. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/**
 * The application core shared by every run mode: ingestion, recommendation, similar items and
 * model lifecycle over the ports. Apps wire adapters in and expose it over HTTP or queues.
 */
export class RecommendationEngine {
  private readonly options: EngineOptions;
  private readonly store: Store;
  private readonly registry: ModelRegistry;
  private readonly jobs: JobRunner;
  private readonly indexFactory: VectorIndexFactory;
  private readonly logger: EngineLogger;
  private readonly now: () => number;

  private readonly serving: ServingStateCache;
  private readonly story: StoryServing;
  private readonly users: UserStateCache;
  private readonly context: ContextServing;
  private readonly monitor: ServingMonitor;
  /** The feedback loop and experiment operations; undefined when the store keeps no learning state. */
  readonly learning: LearningLoop | undefined;
  readonly experiments: ExperimentAdmin | undefined;
  private started = false;
  private handlersRegistered = false;
  private stopFollowing: (() => void) | undefined;
  /** When recommendations started being answered without the store (for logging once per outage). */
  private degradedSince: number | undefined;

  constructor(dependencies: EngineDependencies, options: Partial<EngineOptions> = {}) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    this.store = dependencies.store;
    this.registry = dependencies.registry;
    this.jobs = dependencies.jobs;
    this.indexFactory = dependencies.indexFactory ?? exactIndexFactory;
    this.logger = dependencies.logger ?? silentLogger;
    this.now = dependencies.now ?? Date.now;
    this.story = new StoryServing(this.indexFactory, this.options.storyEmbeddingDimension);
    this.serving = new ServingStateCache(this.store, this.now, this.options, this.story);
    this.context = new ContextServing(this.options.context);
    this.users = new UserStateCache(this.store, this.options.userCacheSize, this.options.userStateMaxAgeMs, this.now, this.context.options.recentEvents);
    this.monitor = new ServingMonitor(this.now, this.options.servingMonitor);
    if (this.store.learning) {
      this.learning = new LearningLoop(this.store.learning, this.options.experiment, this.options.learning ?? {}, this.logger, this.now);
      this.experiments = new ExperimentAdmin(this.learning, this.now);
    }
  }

  /**
   * Loads the active model version, registers the training job and its schedule. May be called
   * again after it failed (the store unreachable at start): the job handler and the activation
   * listener are registered once.
   */
  async start(): Promise<void> {
    if (!this.handlersRegistered) {
      for (const kind of ['full', 'incremental'] as const) {
        this.jobs.register(TRAINING_JOBS[kind], async (_data: unknown, context) => {
          try {
            return await this.retrain(kind, (share) => context.reportProgress(share));
          } catch (error) {
            this.logger.error({ job_id: context.jobId, kind, err: error }, 'training failed; the active model version is unchanged');
            throw error;
          }
        });
      }
      this.jobs.register(RETENTION_JOB, async () => this.dropExpiredEvents());
    }
    this.handlersRegistered = true;
    const active = await this.registry.activeVersion();
    if (active) await this.loadVersion(active).catch((error: unknown) => {
      // An unreadable version must not keep the service down: serve popularity until a retrain.
      this.logger.error({ version: active, err: error }, 'active model version could not be loaded; serving the popularity fallback');
    });
    // Versions activated elsewhere (a worker's retrain, another replica's rollback) are served too.
    this.stopFollowing ??= this.registry.onActivated?.((version) => this.follow(version));
    if (this.options.retrainEveryMs > 0) await this.jobs.schedule(TRAINING_JOBS.full, this.options.retrainEveryMs, { kind: 'full' });
    if (this.options.incrementalEveryMs > 0) {
      await this.jobs.schedule(TRAINING_JOBS.incremental, this.options.incrementalEveryMs, { kind: 'incremental' });
    }
    if (this.options.eventRetentionMs > 0) {
      await this.jobs.schedule(RETENTION_JOB, this.options.retentionEveryMs, {});
      await this.jobs.enqueue(RETENTION_JOB, {});
    }
    this.started = true;
    if (!this.serving.activeBundle && this.options.trainOnStart && (await this.store.events.count()) > 0) {
      const job = await this.jobs.enqueue(TRAINING_JOBS.full, { kind: 'full' });
      this.logger.info({ job_id: job.id }, 'no model version yet: training one from the stored events');
    }
  }

  /** Stops following activations and writes buffered impressions; the ports are the caller's to close. */
  async close(): Promise<void> {
    this.stopFollowing?.();
    this.stopFollowing = undefined;
    this.started = false;
    await this.learning?.close();
  }

  isReady(): boolean {
    return this.started;
  }

  activeVersion(): string | undefined {
    return this.serving.activeBundle?.version;
  }

  // ---- catalogue ---------------------------------------------------------------------------

  /** Stores the items; throws ExternalEmbeddingError (nothing stored) when an embedding is unusable. */
  async upsertItems(items: Item[]): Promise<void> {
    const problem = await this.story.check(items, () => this.store.catalog.all());
    if (problem) throw problem;
    await this.write(() => this.store.catalog.upsert(items));
    this.serving.catalogChanged();
  }

  getItem(itemId: string): Promise<Item | undefined> {
    return this.store.catalog.get(itemId);
  }

  async removeItem(itemId: string): Promise<boolean> {
    const removed = await this.store.catalog.remove(itemId);
    if (removed) this.serving.catalogChanged();
    return removed;
  }

  // ---- users and events --------------------------------------------------------------------

  /** Durably appends new events, then folds them into features so the next request sees them. */
  async ingestEvents(events: InteractionEvent[]): Promise<AppendResult> {
    const receivedAt = new Date(this.now()).toISOString();
    const stamped = events.map((event) => ({ ...event, received_at: receivedAt }));
    // A store that can append and fold features in one atomic step does (no append without features).
    const ingest = this.store.ingest?.bind(this.store);
    const result = await this.write(() => (ingest ? ingest(stamped) : this.store.events.append(stamped)));
    if (result.accepted.length > 0) {
      const fresh = acceptedEvents(stamped, result);
      if (!ingest) await this.write(() => this.store.features.record(fresh));
      for (const event of fresh) this.users.invalidate(event.user_id);
      this.serving.eventsRecorded(fresh.length);
      this.context.recorded(fresh);
      this.learning?.observe(fresh);
    }
    return result;
  }

  async setPreferences(userId: string, preferences: UserPreferences): Promise<void> {
    await this.write(() => this.store.users.setPreferences(userId, preferences));
    this.users.invalidate(userId);
  }

  getPreferences(userId: string): Promise<UserPreferences | undefined> {
    return this.store.users.getPreferences(userId);
  }

  async exportUser(userId: string): Promise<UserExport | undefined> {
    const [preferences, interactions, events, learning] = await Promise.all([
      this.store.users.getPreferences(userId),
      this.store.features.userItems(userId),
      this.store.events.forUser(userId),
      exportLearning(this.learning, userId),
    ]);
    if (!preferences && events.length === 0 && !holdsAnything(learning)) return undefined;
    const state = await this.serving.current();
    const story_evolution = storyEvolutionOf(events, state.story, state.bundle?.story, this.now());
    const segment = segmentExport(placeUser(state, await this.users.get(userId)));
    return { user_id: userId, preferences: preferences ?? null, interactions, events, story_evolution, segment, learning };
  }

  /**
   * Erases everything stored about the user. Model versions trained earlier keep no per-user state
   * that serving reads (user vectors are folded in from the history at request time), and the next
   * retrain no longer sees the user.
   */
  async eraseUser(userId: string): Promise<ErasureReport> {
    // Buffered impressions of the user are written first, so the erasure removes them too.
    await this.learning?.flush().catch(() => undefined);
    const report = await this.write(() => this.store.eraseUser(userId));
    this.users.invalidate(userId);
    this.users.invalidateFriendActivity();
    this.serving.eventsRecorded(report.events);
    this.logger.info({ events: report.events, features: report.features }, 'user erased');
    return report;
  }

  // ---- serving ------------------------------------------------------------------------------

  async recommend(request: RecommendationRequest): Promise<RecommendationResponse> {
    const { experiment, variant } = this.learning
      ? await this.learning.assign(request.user_id)
      : { experiment: this.options.experiment, variant: assignVariant(this.options.experiment, request.user_id) };
    // When the store cannot be read, answer from what was last loaded (the user as a stranger),
    // marked degraded, rather than fail the home page.
    let storeFailed = false;
    const unavailable = (what: string) => (error: unknown) => {
      storeFailed = true;
      // Once per outage, not once per request.
      if (!this.degradedSince) {
        this.degradedSince = this.now();
        this.logger.warn({ err: error }, `${what} unavailable: answering in degraded mode until the store is back`);
      }
      return undefined;
    };
    const [fresh, known] = await Promise.all([
      this.serving.current().catch(unavailable('serving state')),
      this.users.get(request.user_id).catch(unavailable('user state')),
    ]);
    if (!storeFailed && this.degradedSince) {
      this.logger.info({ degraded_ms: this.now() - this.degradedSince }, 'store reachable again: answering normally');
      this.degradedSince = undefined;
    }
    const state = fresh ?? this.serving.lastGood;
    const user = known ?? { userId: request.user_id, interactions: [], recentEvents: [] };
    const experimentId = experiment.id;
    const response = {
      request_id: randomUUID(),
      user_id: request.user_id,
      experiment_id: experimentId,
      variant: variant.name,
      generated_at: new Date(this.now()).toISOString(),
    };
    if (!state) return { ...response, model_version: null, degraded: true, items: [] };
    const slate = variant.policy === 'bandit' && this.learning ? await this.learning.slatePolicy() : undefined;
    const context: RankingContext = {
      catalog: state.catalog,
      popularity: state.popularity,
      calibration: state.bundle?.calibration,
      collaborativeBlend: collaborativeBlend(state.mf, variant.collaborative === 'ncf' ? state.ncf : undefined, this.options.trainer.blend),
      story: state.story,
      now: this.now(),
      contextSignals: this.contextSignals(state, user, request, variant.weights.context),
    };
    // The ANN searches run on the thread pool meanwhile; a failing one is retried (and handled) by rank().
    await prefetchCandidates(context, user).catch(() => undefined);
    const result = rankWithFallback(
      this.logger,
      context,
      user,
      {
        limit: request.limit ?? 10,
        contentTypes: request.content_types,
        languages: request.languages,
        genres: request.genres,
        excludeItemIds: request.exclude_item_ids,
        diversity: request.diversity ?? variant.diversity,
        explore: request.explore ?? false,
        weights: variant.weights,
        fairness: { maxPopularShare: request.max_popular_share, maxLanguageShare: request.max_language_share },
        slate,
      },
    );
    this.monitor.observe(state, user, result.items);
    const served: RecommendationResponse = {
      ...response,
      model_version: state.bundle?.version ?? null,
      degraded: result.degraded || storeFailed,
      items: result.items.map((ranked) => ({
        item_id: ranked.item.item_id,
        title: ranked.item.title,
        content_type: ranked.item.content_type,
        genres: ranked.item.genres,
        rank: ranked.rank,
        predicted_score: ranked.predicted_score,
        confidence_interval: ranked.confidence_interval,
        explanation_reasons: ranked.explanation_reasons,
        algorithm_source: ranked.algorithm_source,
        experiment_id: experimentId,
        diversity_category: ranked.diversity_category,
      })),
    };
    // Recorded in the background: attribution adds nothing to the request's latency.
    this.learning?.served(served, slate !== undefined);
    return served;
  }

  /** The request's context signals (time, session, mood, ...); one that fails to build is left out, logged. */
  private contextSignals(state: ServingState, user: ServedUserState, request: RecommendationRequest, weights?: Readonly<Record<string, number>>) {
    const { signals } = this.context.build(
      {
        catalog: state.catalog,
        popularity: state.popularity,
        models: state.bundle?.context,
        user,
        recentEvents: user.recentEvents,
        input: request,
        serviceNowMs: this.now(),
        story: state.story,
        storyModel: state.bundle?.story,
        segments: state,
      },
      weights,
      (signal, error) => this.logger.warn({ signal, err: error }, 'context signal failed; serving without it'),
    );
    return signals;
  }

  /** Items like `itemId`; undefined when the item does not exist. */
  async similarItems(itemId: string, mode: SimilarityMode, limit: number): Promise<SimilarItem[] | undefined> {
    const state = await this.serving.current();
    const row = state.catalog.rowOf(itemId);
    if (row === undefined) return undefined;
    const scores = new Map<number, number>();
    if (mode === 'story' && state.story) {
      // Extra neighbours make up for unavailable titles, filtered out below.
      for (const match of state.story.similar(row, limit * 2 + 10)) if (match.similarity > 0) scores.set(match.row, match.similarity);
    }
    // Without a story model, mode=story answers with metadata similarity, as for new titles.
    const collaborative = mode === 'story' ? [] : (state.bundle?.mf?.similarItems(itemId, limit * 5) ?? []);
    for (const { itemId: other, similarity } of collaborative) {
      const otherRow = state.catalog.rowOf(other);
      if (otherRow !== undefined) scores.set(otherRow, mode === 'hybrid' ? 0.7 * similarity : similarity);
    }
    if (mode === 'hybrid' || (mode === 'collaborative' && collaborative.length === 0) || (mode === 'story' && !state.story)) {
      // Metadata similarity carries items the collaborative model has not seen (new titles).
      const weight = mode === 'hybrid' && collaborative.length > 0 ? 0.3 : 1;
      for (let other = 0; other < state.catalog.size; other++) {
        if (other === row) continue;
        const s = weight * itemSimilarity(state.catalog, row, other);
        if (s > 0) scores.set(other, (scores.get(other) ?? 0) + s);
      }
    }
    return [...scores]
      .filter(([other]) => state.catalog.available[other] === 1)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([other, score]) => {
        const item = state.catalog.items[other]!;
        return {
          item_id: item.item_id,
          title: item.title,
          content_type: item.content_type,
          genres: item.genres,
          score: Math.round(score * 10_000) / 10_000,
        };
      });
  }

  // ---- models -------------------------------------------------------------------------------

  requestRetrain(kind: RetrainKind): Promise<JobInfo> {
    return this.write(() => this.jobs.enqueue(TRAINING_JOBS[kind], { kind }));
  }

  getJob(jobId: string): Promise<JobInfo | undefined> {
    return this.jobs.get(jobId);
  }

  listModels(): Promise<ModelRecord[]> {
    return this.registry.list();
  }

  /** Serves `version` from now on (also a rollback). */
  async activateModel(version: string): Promise<ModelRecord> {
    if (!(await this.registry.get(version))) throw new UnknownModelVersionError(`model version ${version} does not exist`);
    await this.loadVersion(version);
    return this.registry.activate(version);
  }

  private async retrain(kind: RetrainKind, progress: (share: number) => void): Promise<RetrainResult> {
    const version = `${new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z')}-${kind}-${randomUUID().slice(0, 4)}`;
    this.logger.info({ version, kind }, 'training a new model version');
    const activeVersion = await this.registry.activeVersion();
    const base = kind === 'incremental' && activeVersion ? await this.registry.get(activeVersion) : undefined;
    if (kind === 'incremental' && !base) this.logger.info({ version }, 'no active version to update: training in full');
    const increment = base && (await trainIncrement(this.store, base, await this.registry.load(base.version), version));
    // A user erased since the base version: only a full retrain forgets them.
    if (base && !increment) this.logger.info({ version }, 'users erased since the active version: training in full');
    const trained = increment || (await trainVersion(this.store, version, this.options.trainer, progress));
    // An increment has no holdout of its own; the next full retrain is measured and gated again.
    const { activate, reason } = increment
      ? { activate: true, reason: `activated: ${trained.record.notes}` }
      : await this.qualityGate(trained.record.metrics);
    // Decoded once, before it is saved: the drift reference is computed with it, and its ANN index
    // is saved with the version, so other processes restore the index instead of building their own.
    const bundle = await this.decodeVersion(version, trained.artifacts);
    const reference = await this.driftReference(bundle);
    const index = bundle.mf?.index.toBytes?.();
    const artifacts = {
      ...trained.artifacts,
      ...(reference && { [DRIFT_ARTIFACT]: reference }),
      ...(index && { [ANN_INDEX_ARTIFACT]: index }),
    };
    await this.registry.save({ ...trained.record, notes: reason }, artifacts, { status: activate ? 'inactive' : 'rejected' });
    if (activate) {
      this.install(bundle, artifacts);
      await this.registry.activate(version);
    }
    this.logger.info({ version, activated: activate, reason, metrics: trained.record.metrics }, 'model version trained');
    // Earlier versions must not keep naming users erased since they were trained (next retrain retries).
    await scrubErasedUsers(this.registry, this.store, this.logger).catch((error: unknown) =>
      this.logger.error({ err: error }, 'could not scrub erased users from earlier model versions'),
    );
    return { version, activated: activate, reason, metrics: trained.record.metrics };
  }

  // ---- observability (see serving-monitor.ts, drift-reference.ts) ---------------------------

  stats(): EngineStats {
    return {
      user_state_cache: { ...this.users.counter.snapshot(), size: this.users.size },
      serving_state_cache: this.serving.counter.snapshot(),
      candidate_cache: this.serving.candidateCounter.snapshot(),
    };
  }

  /** Exposure and drift of what was served lately; recomputed at most every few seconds. */
  observability(): ServingObservability {
    return this.monitor.snapshot();
  }

  /**
   * Builds the serving state now (catalogue view, popularity, the model bound to the catalogue)
   * rather than on the first request. A failure is logged and left to the first request to retry.
   */
  async warmUp(): Promise<void> {
    await this.serving.current().catch((error: unknown) => this.logger.warn({ err: error }, 'serving state not built at startup: the first request builds it'));
  }

  /** The registry record of the served version (training time, offline metrics, creation time). */
  async activeModel(): Promise<ModelRecord | undefined> {
    const version = this.activeVersion();
    return version ? this.registry.get(version) : undefined;
  }

  /** Jobs waiting and running per job name, when the job runner can tell. */
  async queueDepths(): Promise<QueueDepth[]> {
    return (await this.jobs.queueDepths?.()) ?? [];
  }

  /** Drops raw events received before the retention period; features derived from them stay. */
  async dropExpiredEvents(): Promise<{ dropped: number; before: string }> {
    if (!(this.options.eventRetentionMs > 0)) return { dropped: 0, before: new Date(0).toISOString() };
    const before = this.now() - this.options.eventRetentionMs;
    const dropped = await this.store.events.dropBefore(before);
    if (dropped > 0) this.logger.info({ dropped, before: new Date(before).toISOString() }, 'raw events past the retention period dropped');
    return { dropped, before: new Date(before).toISOString() };
  }

  /** The new version's training snapshot for drift; a failure only costs the drift metrics. */
  private async driftReference(bundle: ModelBundle): Promise<Uint8Array | undefined> {
    try {
      const variant = this.options.experiment.variants[0]!;
      return await buildDriftReference(
        this.store,
        bundle,
        {
          context: (catalog, popularity) => ({
            catalog,
            popularity,
            calibration: bundle.calibration,
            collaborativeBlend: collaborativeBlend(
              bundle.mf?.bind(catalog),
              variant.collaborative === 'ncf' ? bundle.ncf?.bind(catalog) : undefined,
              this.options.trainer.blend,
            ),
            story: this.story.signal(catalog, bundle.story),
            now: this.now(),
          }),
          options: { weights: variant.weights, diversity: variant.diversity },
        },
        this.now(),
      );
    } catch (error) {
      this.logger.warn({ version: bundle.version, err: error }, 'drift reference could not be computed; drift metrics stay empty for this version');
      return undefined;
    }
  }

  private async qualityGate(metrics: Record<string, number>) {
    const activeVersion = await this.registry.activeVersion();
    const active = activeVersion ? await this.registry.get(activeVersion) : undefined;
    return qualityGate(metrics, active?.metrics, this.options.qualityMargin);
  }

  /** Serves the registry's active version if another process activated one since this engine looked. */
  async syncActiveVersion(): Promise<void> {
    const version = await this.registry.activeVersion();
    if (version) await this.follow(version);
  }

  /** Runs a store write; a failure while the store is unreachable becomes a StoreUnavailableError. */
  private async write<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (await this.store.healthy().catch(() => false)) throw error;
      throw new StoreUnavailableError('the store is unreachable; nothing was stored, retry later', { cause: error });
    }
  }

  private async follow(version: string): Promise<void> {
    if (this.activeVersion() === version) return;
    try {
      await this.loadVersion(version);
      this.logger.info({ version }, 'model version activated elsewhere: now serving it');
    } catch (error) {
      this.logger.error({ version, err: error }, 'could not load the model version activated elsewhere; serving the previous one');
    }
  }

  private async loadVersion(version: string): Promise<void> {
    const artifacts = await this.registry.load(version);
    this.install(await this.decodeVersion(version, artifacts), artifacts);
  }

  private async decodeVersion(version: string, artifacts: Artifacts): Promise<ModelBundle> {
    const bundle = decodeBundle(version, artifacts, this.indexFactory);
    bundle.story = await decodeStoryModel(artifacts);
    return bundle;
  }

  /** Serves a fully built bundle: requests in flight keep the previous version. */
  private install(bundle: ModelBundle, artifacts: Artifacts): void {
    this.serving.setBundle(bundle);
    this.monitor.setReference(bundle.version, artifacts[DRIFT_ARTIFACT]);
  }
}
