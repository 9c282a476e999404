// Time-of-day, day-of-week and season: how much more (or less) of a genre or content type people
// watch in each bucket than overall, learned from history, globally and per user when the user has
// enough events of their own.
import { decodeArtifact, encodeArtifact, type Item } from '@recsys/core';
import type { ContextSignal } from '@recsys/ranking';
import type { ContextLearner } from './context-models.js';
import { type ContextInputs, defaultWeight } from './context-inputs.js';
import type { ContextHistory, TimedEvent } from './history.js';
import { BUCKET_COUNT, BUCKET_LABELS, BUCKET_PHRASES, bucketsOf, localTime } from './local-time.js';
import { featuresOfRow, NONE, ROW_FEATURE_WIDTH, type RowFeatures, rowFeatures, SetScores } from './row-features.js';

/** Liked-and-watched counts per (bucket, feature); features are genres and content types. */
export interface TemporalModel {
  /** Lower-cased genres, then "type:<content type>". */
  features: string[];
  /** How reasons name each feature, e.g. "Sci-Fi", "anime". */
  labels: string[];
  /** counts[bucket * features + feature]. */
  counts: Float32Array;
  /** Events per bucket. */
  events: Float32Array;
}

/** Pseudo-events of the overall mix added to every bucket: keeps thin buckets near no shift. */
const GLOBAL_PRIOR = 50;
/** Pseudo-events of the global shift added to a user's own buckets. */
const USER_PRIOR = 5;
/** A 2.5-fold lift in one bucket family saturates the score. */
const SATURATION = Math.log(2.5);

const TYPE_LABELS: Record<string, string> = { movie: 'movies', tv_show: 'TV shows', series: 'series', anime: 'anime' };

function itemFeatureKeys(item: Item): { key: string; label: string }[] {
  return [
    ...item.genres.map((g) => ({ key: g.toLowerCase(), label: g })),
    { key: `type:${item.content_type}`, label: TYPE_LABELS[item.content_type] ?? item.content_type },
  ];
}

/** Whether a timed event is evidence of taste: a liked title the user watched. */
export const isLikedWatch = (e: TimedEvent) => e.consumed && e.preference > 0 && e.event.item_id !== undefined;

export const TEMPORAL_LEARNER: ContextLearner<TemporalModel> = {
  name: 'temporal',
  artifact: 'context-temporal.bin',
  fit(history: ContextHistory) {
    const byId = new Map(history.items.map((item) => [item.item_id, item]));
    const index = new Map<string, number>();
    const labels: string[] = [];
    const rows: { buckets: readonly number[]; features: number[] }[] = [];
    for (const events of history.users.values()) {
      for (const e of events) {
        const item = isLikedWatch(e) ? byId.get(e.event.item_id!) : undefined;
        if (!item) continue;
        const features = itemFeatureKeys(item).map(({ key, label }) => {
          let f = index.get(key);
          if (f === undefined) {
            index.set(key, (f = index.size));
            labels.push(label);
          }
          return f;
        });
        rows.push({ buckets: e.buckets, features });
      }
    }
    if (rows.length === 0) return undefined;
    const F = index.size;
    const counts = new Float32Array(BUCKET_COUNT * F);
    const events = new Float32Array(BUCKET_COUNT);
    for (const { buckets, features } of rows) {
      for (const b of buckets) {
        events[b]!++;
        for (const f of features) counts[b * F + f]!++;
      }
    }
    return { features: [...index.keys()], labels, counts, events };
  },
  encode: (m) =>
    encodeArtifact({ kind: 'context-temporal', format: 1, meta: { features: m.features, labels: m.labels }, arrays: { counts: m.counts, events: m.events } }),
  decode(bytes) {
    const a = decodeArtifact<{ features: string[]; labels: string[] }>(bytes, 'context-temporal', 1);
    return { ...a.meta, counts: a.arrays.counts as Float32Array, events: a.arrays.events as Float32Array };
  },
};

const featureIndexes = new WeakMap<TemporalModel, Map<string, number>>();
function featureIndex(model: TemporalModel): Map<string, number> {
  let index = featureIndexes.get(model);
  if (!index) featureIndexes.set(model, (index = new Map(model.features.map((f, i) => [f, i]))));
  return index;
}

/**
 * Log-lifts of every feature in the request's three buckets: lift[k * F + f] for the k-th family.
 * `personal` tells whether the user's own history shaped them.
 */
export function temporalLifts(
  model: TemporalModel,
  buckets: readonly number[],
  userEvents: readonly { buckets: readonly number[]; features: ArrayLike<number> }[],
  minUserEvents: number,
): { lifts: Float32Array; personal: boolean } {
  const F = model.features.length;
  // Every event falls in one bucket of each family: the family's buckets together count all events.
  let total = 0;
  const overall = new Float64Array(F);
  for (let b = 0; b < 4; b++) {
    total += model.events[b]!;
    for (let f = 0; f < F; f++) overall[f]! += model.counts[b * F + f]!;
  }
  const lifts = new Float32Array(3 * F);
  const personal = userEvents.length >= minUserEvents;
  // The user's overall mix, pulled towards everyone's (their history may be short).
  const userOverall = new Float64Array(F);
  const userInBucket = new Float64Array(3 * F);
  const userBucketEvents = [0, 0, 0];
  if (personal) {
    for (const e of userEvents) {
      for (let j = 0; j < e.features.length; j++) userOverall[e.features[j]!]!++;
      buckets.forEach((b, k) => {
        if (e.buckets[k] !== b) return;
        userBucketEvents[k]!++;
        for (let j = 0; j < e.features.length; j++) userInBucket[k * F + e.features[j]!]!++;
      });
    }
  }
  buckets.forEach((b, k) => {
    for (let f = 0; f < F; f++) {
      const p = (overall[f]! + 1) / (total + F);
      const pb = (model.counts[b * F + f]! + GLOBAL_PRIOR * p) / (model.events[b]! + GLOBAL_PRIOR);
      let lift = pb / p;
      if (personal) {
        const pu = (userOverall[f]! + GLOBAL_PRIOR * p * 0.2) / (userEvents.length + GLOBAL_PRIOR * 0.2);
        const pub = (userInBucket[k * F + f]! + USER_PRIOR * pu * lift) / (userBucketEvents[k]! + USER_PRIOR);
        lift = pub / pu;
      }
      lifts[k * F + f] = Math.log(lift);
    }
  });
  return { lifts, personal };
}

/** What a request's temporal signal reads: the lifts of its buckets and the scores of the feature sets met so far. */
interface TemporalScoring {
  lifts: Float32Array;
  personal: boolean;
  sets: SetScores;
}

/** Everyone's lifts per bucket triple (there are 32), shared by every request without personal shifts. */
const sharedScoring = new WeakMap<RowFeatures, WeakMap<TemporalModel, Map<number, TemporalScoring>>>();
/** A user's own lifts, per recent-event array (kept until the user acts) and bucket triple. */
const personalScoring = new WeakMap<readonly TimedEvent[], { table: RowFeatures; model: TemporalModel; key: number; scoring: TemporalScoring }>();

/** The score of one feature set: per family the set's most favoured feature, summed and saturated. */
function scoreSet(table: RowFeatures, lifts: Float32Array, F: number, row: number): { score: number; top: number } {
  const start = row * ROW_FEATURE_WIDTH;
  let sum = 0;
  let top = -1;
  let topLift = 0;
  for (let k = 0; k < 3; k++) {
    // Per family the item's most favoured feature counts: anime at night, not anime × genres.
    let familyBest = 0;
    for (let j = start; j < start + ROW_FEATURE_WIDTH; j++) {
      const f = table.ids[j]!;
      if (f === NONE) break;
      const lift = lifts[k * F + f]!;
      if (lift > familyBest) familyBest = lift;
      if (lift > topLift) {
        topLift = lift;
        top = k * F + f;
      }
    }
    sum += familyBest;
  }
  return { score: Math.min(1, sum / SATURATION), top };
}

function temporalScoring(inputs: ContextInputs, model: TemporalModel, table: RowFeatures, buckets: readonly number[]): TemporalScoring {
  const key = (buckets[0]! * BUCKET_COUNT + buckets[1]!) * BUCKET_COUNT + buckets[2]!;
  const F = model.features.length;
  const make = (lifts: Float32Array, personal: boolean): TemporalScoring => ({
    lifts,
    personal,
    sets: new SetScores(table, (row) => scoreSet(table, lifts, F, row)),
  });
  const own = inputs.recent.filter(isLikedWatch);
  if (own.length >= inputs.options.minUserEventsForTemporal) {
    const memo = personalScoring.get(inputs.recent);
    if (memo && memo.table === table && memo.model === model && memo.key === key) return memo.scoring;
    const userEvents: { buckets: readonly number[]; features: ArrayLike<number> }[] = [];
    for (const e of own) {
      const row = inputs.catalog.rowOf(e.event.item_id!);
      if (row !== undefined) userEvents.push({ buckets: e.buckets, features: featuresOfRow(table, row) });
    }
    const { lifts, personal } = temporalLifts(model, buckets, userEvents, inputs.options.minUserEventsForTemporal);
    const scoring = make(lifts, personal);
    personalScoring.set(inputs.recent, { table, model, key, scoring });
    return scoring;
  }
  let byModel = sharedScoring.get(table);
  if (!byModel) sharedScoring.set(table, (byModel = new WeakMap()));
  let byKey = byModel.get(model);
  if (!byKey) byModel.set(model, (byKey = new Map()));
  let scoring = byKey.get(key);
  if (!scoring) byKey.set(key, (scoring = make(temporalLifts(model, buckets, [], Number.POSITIVE_INFINITY).lifts, false)));
  return scoring;
}

/** Boosts genres and content types the user (or, without enough history, everyone) favours right now. */
export function temporalSignal(inputs: ContextInputs): ContextSignal | undefined {
  const model = inputs.models.get(TEMPORAL_LEARNER);
  if (!model) return undefined;
  const { catalog, request } = inputs;
  const table = rowFeatures(catalog, featureIndex(model), true);
  const buckets = bucketsOf(localTime(request.nowMs, request.zone), request.southern);
  const { personal, sets } = temporalScoring(inputs, model, table, buckets);
  const F = model.features.length;
  return {
    name: 'temporal',
    defaultWeight: defaultWeight(inputs.options, 'temporal'),
    score: (rows) => sets.score(rows),
    reason(row) {
      const top = sets.top(row);
      if (top < 0) return undefined;
      const k = Math.floor(top / F);
      const label = model.labels[top % F]!;
      const bucket = buckets[k]!;
      return personal
        ? `${BUCKET_LABELS[bucket]}: you usually watch ${label} ${BUCKET_PHRASES[bucket]}`
        : `${BUCKET_LABELS[bucket]}: people watch more ${label} ${BUCKET_PHRASES[bucket]}`;
    },
  };
}
