import type { InteractionEvent } from '@recsys/core';
import type { LsaModel } from '@recsys/content';
import type { CatalogView, ContextSignal, PopularitySignal, StorySignal, UserState } from '@recsys/ranking';
import { type ContextInputs, type ContextOptions, type ContextSignalFactory, DEFAULT_CONTEXT_OPTIONS } from './context-inputs.js';
import { ContextModels } from './context-models.js';
import { type TimedEvent, timedEvent } from './history.js';
import { REGIONAL_LEARNER } from './regional-signal.js';
import { CONTEXT_SIGNAL_FACTORIES } from './registry.js';
import { type RequestContext, type RequestContextInput, resolveRequestContext } from './request-context.js';
import { TRENDING_LEARNER, TrendingTracker } from './trending-now.js';
import type { SegmentServingState } from '../segments/segment-context.js';

/** What the engine knows when it builds a request's context signals. */
export interface ContextRequest {
  catalog: CatalogView;
  popularity: PopularitySignal;
  /** The served version's context aggregates; absent before the first training. */
  models: ContextModels | undefined;
  user: UserState;
  /** The user's latest events (any order; the cache keeps the last N). */
  recentEvents: readonly InteractionEvent[];
  input: RequestContextInput;
  /** The service clock, epoch ms. */
  serviceNowMs: number;
  /** Story vectors and text model, for matching search queries (absent without a story model). */
  story?: StorySignal;
  storyModel?: LsaModel;
  /** The version's user segments and the ALS fold-in that places users among them (cold start). */
  segments?: SegmentServingState;
}

/**
 * The engine's side of the context signals: resolves each request's context, builds the signals
 * from the registry, and keeps the live trending counters (seeded from each loaded version,
 * advanced by every event this process ingests).
 */
export class ContextServing {
  readonly options: ContextOptions;
  readonly trending: TrendingTracker;
  private seededFrom: ContextModels | undefined;

  constructor(
    options: Partial<ContextOptions> = {},
    private readonly factories: Readonly<Record<string, ContextSignalFactory>> = CONTEXT_SIGNAL_FACTORIES,
  ) {
    this.options = { ...DEFAULT_CONTEXT_OPTIONS, ...options, weights: { ...DEFAULT_CONTEXT_OPTIONS.weights, ...options.weights } };
    this.trending = new TrendingTracker(this.options.trendingShortHalfLifeMs, this.options.trendingLongHalfLifeMs);
  }

  /** Events acknowledged by this process: trending now moves at once. */
  recorded(events: Iterable<InteractionEvent>): void {
    const list = [...events];
    this.trending.record(list);
    // The served version's regional popularity moves with new events too (see REGIONAL_LEARNER).
    this.seededFrom?.get(REGIONAL_LEARNER)?.record(list);
  }

  /**
   * The request's context and its signals. Signals whose variant weight is 0 are not built at all;
   * a signal that fails to build is left out (logged by the caller through `onError`), never the request.
   */
  build(
    request: ContextRequest,
    weights: Readonly<Record<string, number>> | undefined,
    onError: (signal: string, error: unknown) => void = () => {},
  ): { context: RequestContext; signals: ContextSignal[] } {
    const models = request.models ?? ContextModels.empty;
    if (models !== this.seededFrom) {
      this.seededFrom = models;
      this.trending.seed(models.get(TRENDING_LEARNER));
    }
    const context = resolveRequestContext(request.input, request.user.preferences, request.serviceNowMs);
    const inputs: ContextInputs = {
      catalog: request.catalog,
      popularity: request.popularity,
      models,
      user: request.user,
      recent: recentTimed(request.recentEvents, context, this.options.recentEvents),
      request: context,
      trending: this.trending,
      options: this.options,
      story: request.story,
      storyModel: request.storyModel,
      segments: request.segments,
    };
    const signals: ContextSignal[] = [];
    for (const [name, factory] of Object.entries(this.factories)) {
      if ((weights?.[name] ?? this.options.weights[name] ?? 1) <= 0) continue;
      try {
        const signal = factory(inputs);
        if (signal) signals.push(signal);
      } catch (error) {
        onError(name, error);
      }
    }
    return { context, signals };
  }
}

/**
 * The user's latest events up to the request moment, oldest first, timed in their own zone or the
 * request's (a user's past events are most likely in the zone they are in now).
 */
export function recentTimed(events: readonly InteractionEvent[], context: RequestContext, limit: number): readonly TimedEvent[] {
  // The cached user state keeps its event array until the user acts: time it once per zone.
  let memo = timedMemo.get(events);
  if (!memo || memo.zone !== context.zone) {
    const all: TimedEvent[] = [];
    for (const event of events) {
      const t = timedEvent(event, context.zone);
      if (t) all.push(t);
    }
    all.sort((a, b) => a.at - b.at);
    timedMemo.set(events, (memo = { zone: context.zone, all }));
  }
  let end = memo.all.length;
  while (end > 0 && memo.all[end - 1]!.at > context.nowMs) end--;
  const start = Math.max(0, end - limit);
  // The usual case (nothing ahead of the request's moment) returns the memoised array itself, so
  // what signals memoise per user's recent events holds from one request to the next.
  return start === 0 && end === memo.all.length ? memo.all : memo.all.slice(start, end);
}

const timedMemo = new WeakMap<readonly InteractionEvent[], { zone: RequestContext['zone']; all: readonly TimedEvent[] }>();
