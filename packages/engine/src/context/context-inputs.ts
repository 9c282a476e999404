import type { LsaModel } from '@recsys/content';
import type { InteractionEvent } from '@recsys/core';
import type { CatalogView, ContextSignal, PopularitySignal, StorySignal, UserState } from '@recsys/ranking';
import type { ContextModels } from './context-models.js';
import type { TimedEvent } from './history.js';
import type { RequestContext } from './request-context.js';
import type { TrendingTracker } from './trending-now.js';
import type { SegmentServingState } from '../segments/segment-context.js';

/** Tunables of the context signals (EngineOptions.context). */
export interface ContextOptions {
  /** A gap longer than this between two events of a user starts a new session. */
  sessionGapMs: number;
  /** Latest events of a user kept with their cached state: all the live context reads. */
  recentEvents: number;
  /** Users with at least this many liked titles among their recent events get their own time-of-day shifts. */
  minUserEventsForTemporal: number;
  /** Trending now compares a short-memory rate (this half-life) ... */
  trendingShortHalfLifeMs: number;
  /** ... with a long-memory baseline (this half-life). */
  trendingLongHalfLifeMs: number;
  /** Default weight per signal name, when the variant sets none (SignalWeights.context overrides). */
  weights: Readonly<Record<string, number>>;
}

const HOUR_MS = 3_600_000;

/**
 * Default weights (a variant's SignalWeights.context overrides them). Each must pass two checks:
 * the signal lifts its planted effect in the simulator (`pnpm bench context --part simulator`,
 * every other signal on at its default), and it does not meaningfully hurt the MovieLens-100k
 * time-ordered split (`--part offline`, weights scanned on a validation split cut from the
 * training part). Watched next keeps its validation pick (0.4, +21 % nDCG@10 there). Temporal:
 * validation picks 0.05, where the planted time-of-day effect shows no lift at all; 0.2 lifts it
 * clearly and is still above the plain ranking on validation (+1.1 % nDCG@10; ML-100k ratings were
 * entered in sittings, so their time of day says little about taste). Mood: at its validation pick
 * (0.1) the planted mood effect lifted two cases in 50, and one once temporal is at 0.2; 0.2 lifts
 * it steadily and is still above the plain ranking on validation (+0.3 %); 0.4 no longer is. Trending
 * now lowered nDCG@10 at every weight tried, so it is off unless a variant sets a weight. ML-100k
 * has no watch events: continuation keeps a weight that puts a real in-progress series above
 * anything the models score (at most 1). Device, regional, social and search keep their own
 * defaults (0.2, 0.2, 0.2, 0.3): ML-100k has none of their inputs, and each lifts its planted
 * effect. Figures: docs/benchmarks.md, "Context signals".
 */
export const DEFAULT_CONTEXT_WEIGHTS: Readonly<Record<string, number>> = {
  temporal: 0.2,
  trending_now: 0,
  continue_watching: 1,
  watched_next: 0.4,
  mood: 0.2,
};

export const DEFAULT_CONTEXT_OPTIONS: ContextOptions = {
  sessionGapMs: 30 * 60 * 1000,
  recentEvents: 100,
  minUserEventsForTemporal: 10,
  trendingShortHalfLifeMs: 6 * HOUR_MS,
  trendingLongHalfLifeMs: 14 * 24 * HOUR_MS,
  weights: DEFAULT_CONTEXT_WEIGHTS,
};

/** Everything a context signal may read for one request. Nothing here scans the catalogue or the log. */
export interface ContextInputs {
  catalog: CatalogView;
  popularity: PopularitySignal;
  /** The aggregates of the served model version (empty before the first training). */
  models: ContextModels;
  user: UserState;
  /** The user's latest events, oldest first, timed in their own zone or else the request's. */
  recent: readonly TimedEvent[];
  request: RequestContext;
  /** Live trending counters (training snapshot plus the events ingested since). */
  trending: TrendingTracker;
  options: ContextOptions;
  /** Story vectors of the catalogue and the text model that embeds queries (search intent); absent without a story model. */
  story?: StorySignal;
  storyModel?: LsaModel;
  /** The version's user segments and the ALS fold-in that places users among them (cold start). */
  segments?: SegmentServingState;
}

/** Builds one signal for a request, or undefined when it has nothing to say (absent data, signal off). */
export type ContextSignalFactory = (inputs: ContextInputs) => ContextSignal | undefined;

/** The signal's default weight from the options, else `fallback`. */
export function defaultWeight(options: ContextOptions, name: string, fallback = 0): number {
  return options.weights[name] ?? DEFAULT_CONTEXT_WEIGHTS[name] ?? fallback;
}

/**
 * The titles the user liked and consumed, most recent first, each once: what "next after" and mood
 * read. Stops after `limit` titles.
 */
export function recentlyWatched(inputs: ContextInputs, limit: number): { row: number; at: number }[] {
  const out: { row: number; at: number }[] = [];
  const seen = new Set<number>();
  for (let i = inputs.recent.length - 1; i >= 0 && out.length < limit; i--) {
    const e = inputs.recent[i]!;
    if (!e.consumed || !(e.preference > 0) || !e.event.item_id) continue;
    const row = inputs.catalog.rowOf(e.event.item_id);
    if (row === undefined || seen.has(row)) continue;
    seen.add(row);
    out.push({ row, at: e.at });
  }
  return out;
}

const eventsMemo = new WeakMap<readonly TimedEvent[], readonly InteractionEvent[]>();

/** The events of `inputs.recent`, mapped once per recent-event array (shared by the signals that read raw events). */
export function recentEvents(inputs: Pick<ContextInputs, 'recent'>): readonly InteractionEvent[] {
  let events = eventsMemo.get(inputs.recent);
  if (!events) eventsMemo.set(inputs.recent, (events = inputs.recent.map((t) => t.event)));
  return events;
}
