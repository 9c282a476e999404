// Offline evaluation of the context signals on a time-ordered split: each user's latest ratings are
// the test, asked for at the moment of the user's first test rating, through the served ranking
// (rank() with the engine's context builder). Trending counters are replayed in time order so no
// request sees a rating entered after it.
import { exactIndexFactory } from '@recsys/ann';
import { StoryVectorBuilder } from '@recsys/content';
import { feedbackSignal, type InteractionEvent, type Item, ndcgAt, type UserItemFeature } from '@recsys/core';
import { ImplicitALS, InteractionMatrix } from '@recsys/models';
import { CatalogView, MfModel, type RankingContext, rank, type SignalWeights, StorySignal } from '@recsys/ranking';
import { buildPopularity, itemFeaturesFrom } from '../popularity.js';
import { fitStoryModel } from '../story.js';
import type { ServedUserState } from '../user-states.js';
import { type ContextOptions, DEFAULT_CONTEXT_OPTIONS } from '../context/context-inputs.js';
import { ContextModels } from '../context/context-models.js';
import { ContextServing } from '../context/context-serving.js';
import { historyFromEvents } from '../context/history.js';
import type { Zone } from '../context/local-time.js';
import { MOOD_LEARNER } from '../context/mood.js';
import { CONTEXT_SIGNAL_FACTORIES } from '../context/registry.js';
import { TEMPORAL_LEARNER } from '../context/temporal.js';
import { TRANSITION_LEARNER } from '../context/transitions.js';

/** One explicit rating; `at` in epoch milliseconds. */
export interface TimedRating {
  user: string;
  item: string;
  rating: number;
  at: number;
}

export interface TimeSplit {
  /** Each user's ratings before the cut, oldest first. */
  train: Map<string, TimedRating[]>;
  /** Each user's ratings from the cut on: all count as relevant (the project's protocol). */
  test: Map<string, Set<string>>;
  /** When each tested user asks: the time of their first test rating. */
  requestAt: Map<string, number>;
}

/** Each user's last `share` of ratings by time is the test (at least one; users with fewer than 5 ratings train only). */
export function timeOrderedSplit(ratings: Iterable<TimedRating>, share = 0.2, minRatings = 5): TimeSplit {
  const byUser = new Map<string, TimedRating[]>();
  for (const r of ratings) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const split: TimeSplit = { train: new Map(), test: new Map(), requestAt: new Map() };
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.at - b.at);
    const n = list.length < minRatings ? 0 : Math.max(1, Math.round(list.length * share));
    const cut = list.length - n;
    split.train.set(user, list.slice(0, cut));
    if (n === 0) continue;
    // Ratings entered in the same second as the cut belong to the test too: no peeking at a tie.
    let start = cut;
    while (start > 1 && list[start - 1]!.at === list[cut]!.at) start--;
    split.train.set(user, list.slice(0, start));
    split.test.set(user, new Set(list.slice(start).map((r) => r.item)));
    split.requestAt.set(user, list[start]!.at);
  }
  return split;
}

/** The training part as a new split: each user's latest training ratings become the validation test. */
export function validationSplit(split: TimeSplit, share = 0.2): TimeSplit {
  return timeOrderedSplit([...split.train.values()].flat(), share);
}

export interface OfflineResult {
  hr_at_10: number;
  ndcg_at_10: number;
  users: number;
  /**
   * Per-request time of context building plus ranking, milliseconds, on the monotonic clock: the
   * kernel settles process CPU time in scheduler ticks, too coarse for one request of ~1 ms.
   */
  p50_ms: number;
  p95_ms: number;
}

export interface OfflineOptions {
  /** Zone the ratings' local times are read in (the data set's users live there, roughly). */
  zone: Zone;
  weights: SignalWeights;
  k: number;
  /** Serve the story signal as the service does (off speeds the bench up). */
  story: boolean;
  context: Partial<ContextOptions>;
}

const clockMs = () => performance.now();

let eventCounter = 0;
const rateEvent = (r: TimedRating): InteractionEvent => ({
  event_id: `r${++eventCounter}`,
  user_id: r.user,
  item_id: r.item,
  type: 'rate',
  rating: r.rating,
  timestamp: new Date(r.at).toISOString(),
});

/** Everything fitted once on a split's training part; `evaluate` then ranks with any signal subset. */
export class OfflineContextBench {
  private constructor(
    private readonly split: TimeSplit,
    private readonly options: OfflineOptions,
    private readonly base: RankingContext,
    private readonly models: ContextModels,
    private readonly users: Map<string, ServedUserState>,
    /** Every training rating as an event, in time order: replayed into the trending counters. */
    private readonly timeline: InteractionEvent[],
  ) {}

  static async prepare(items: readonly Item[], split: TimeSplit, options: OfflineOptions): Promise<OfflineContextBench> {
    const catalog = new CatalogView(items);
    const users = new Map<string, ServedUserState>();
    const timeline: InteractionEvent[] = [];
    const features = new Map<string, UserItemFeature[]>();
    for (const [user, ratings] of split.train) {
      const byItem = new Map<string, UserItemFeature>();
      const events = ratings.map(rateEvent);
      timeline.push(...events);
      events.forEach((event, i) => {
        const signal = feedbackSignal(event);
        const f = byItem.get(event.item_id!) ?? { item_id: event.item_id!, preference: 0, events: 0, consumed: false, last_at: 0 };
        f.preference += signal.preference;
        f.events++;
        f.consumed ||= signal.consumed;
        f.last_at = ratings[i]!.at;
        byItem.set(event.item_id!, f);
      });
      features.set(user, [...byItem.values()]);
      users.set(user, { userId: user, interactions: [...byItem.values()], recentEvents: events.slice(-DEFAULT_CONTEXT_OPTIONS.recentEvents) });
    }
    timeline.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));

    // The collaborative model as the trainer fits it (service defaults), on the training part only.
    const userIds = [...features.keys()];
    const itemIds = [...new Set([...features.values()].flatMap((list) => list.filter((f) => f.preference !== 0).map((f) => f.item_id)))];
    const column = new Map(itemIds.map((id, c) => [id, c]));
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    userIds.forEach((user, row) => {
      for (const f of features.get(user)!) {
        if (f.preference === 0) continue;
        rows.push(row);
        cols.push(column.get(f.item_id)!);
        values.push(f.preference);
      }
    });
    const als = new ImplicitALS({ seed: 42 }).fit(InteractionMatrix.fromTriples(userIds.length, itemIds.length, rows, cols, values));
    const mf = new MfModel(als, itemIds, exactIndexFactory).bind(catalog);
    const itemFeatures = itemFeaturesFrom(features.values());
    const latest = itemFeatures[0]?.trending_at ?? 0;
    const base: RankingContext = {
      catalog,
      popularity: buildPopularity(catalog, itemFeatures, latest),
      collaborativeBlend: [{ signal: mf, source: 'mf_fallback', weight: 1 }],
      now: latest,
    };
    const storyModel = options.story ? await fitStoryModel(items) : undefined;
    if (storyModel) base.story = new StorySignal(catalog, new StoryVectorBuilder(storyModel).build(catalog.items), exactIndexFactory, { themes: storyModel });

    // Context aggregates from the training part; trending is replayed live instead (see evaluate).
    const history = historyFromEvents(timeline, items, options.zone);
    const { models } = ContextModels.fit(history, [TEMPORAL_LEARNER, TRANSITION_LEARNER, MOOD_LEARNER]);
    return new OfflineContextBench(split, options, base, models, users, timeline);
  }

  /** HR@10 and nDCG@10 with the named context signals at the given weights (none: the plain hybrid). */
  evaluate(signals: readonly string[], weights: Readonly<Record<string, number>> = {}): OfflineResult {
    const factories = Object.fromEntries(signals.map((name) => [name, CONTEXT_SIGNAL_FACTORIES[name]!]));
    const serving = new ContextServing({ ...this.options.context, weights: { ...this.options.context.weights, ...weights } }, factories);
    const variantWeights: SignalWeights = { ...this.options.weights, context: weights };
    const order = [...this.split.requestAt].sort((a, b) => a[1] - b[1]);
    const replay = signals.includes('trending_now');
    let cursor = 0;
    let hits = 0;
    let ndcg = 0;
    let users = 0;
    const times: number[] = [];
    for (const [user, at] of order) {
      const relevant = this.split.test.get(user)!;
      const state = this.users.get(user) ?? { userId: user, interactions: [], recentEvents: [] };
      while (replay && cursor < this.timeline.length && Date.parse(this.timeline[cursor]!.timestamp) < at) {
        serving.recorded([this.timeline[cursor++]!]);
      }
      const started = clockMs();
      const { signals: contextSignals } = serving.build(
        {
          catalog: this.base.catalog,
          popularity: this.base.popularity,
          models: this.models,
          user: state,
          recentEvents: state.recentEvents,
          input: { timezone: typeof this.options.zone === 'string' ? this.options.zone : undefined, timestamp: new Date(at).toISOString() },
          serviceNowMs: at,
        },
        weights,
      );
      const result = rank({ ...this.base, contextSignals }, state, {
        limit: this.options.k,
        weights: variantWeights,
        diversity: 0,
        explore: false,
      });
      times.push(clockMs() - started);
      const ids = result.items.map((r) => r.item.item_id);
      if (ids.some((id) => relevant.has(id))) hits++;
      ndcg += ndcgAt(ids, relevant, this.options.k);
      users++;
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
    return { hr_at_10: users ? hits / users : 0, ndcg_at_10: users ? ndcg / users : 0, users, p50_ms: pct(0.5), p95_ms: pct(0.95) };
  }
}
