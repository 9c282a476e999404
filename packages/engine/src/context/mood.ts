// Mood: a genre-to-genre transition model over consecutive viewing (after a run of thrillers people
// often pick a comedy). The user's latest genres predict the next genre mix; genres predicted above
// their usual share get a soft boost.
import { decodeArtifact, encodeArtifact } from '@recsys/core';
import type { ContextSignal } from '@recsys/ranking';
import type { ContextLearner } from './context-models.js';
import { type ContextInputs, defaultWeight, recentlyWatched } from './context-inputs.js';
import type { ContextHistory, TimedEvent } from './history.js';
import { isLikedWatch } from './temporal.js';
import { featuresOfRow, NONE, ROW_FEATURE_WIDTH, type RowFeatures, rowFeatures, SetScores } from './row-features.js';

export interface MoodModel {
  /** Lower-cased genres. */
  genres: string[];
  /** How reasons name them. */
  labels: string[];
  /** transitions[from * G + to]: weighted count of a `to` title right after a `from` title. */
  transitions: Float32Array;
  /** Share of each genre among the titles that follow another (the baseline). */
  base: Float32Array;
}

/** Consecutive titles further apart than this are not one viewing mood. */
const MAX_GAP_MS = 12 * 3_600_000;
/** Pseudo-transitions of the baseline mix per source genre: rare genres predict little. */
const PRIOR = 20;
/** A doubling of a genre's usual share saturates the boost. */
const SATURATION = Math.log(2);

const LIGHT = new Set(['comedy', 'family', 'animation', "children's", 'children', 'kids', 'musical', 'romance', 'romantic comedy']);
const DARK = new Set(['thriller', 'horror', 'crime', 'war', 'mystery', 'film-noir', 'noir', 'drama', 'psychological']);

export const MOOD_LEARNER: ContextLearner<MoodModel> = {
  name: 'mood',
  artifact: 'context-mood.bin',
  fit(history: ContextHistory) {
    const byId = new Map(history.items.map((item) => [item.item_id, item]));
    const index = new Map<string, number>();
    const labels: string[] = [];
    const genresOf = (itemId: string): number[] =>
      (byId.get(itemId)?.genres ?? []).map((g) => {
        const key = g.toLowerCase();
        let i = index.get(key);
        if (i === undefined) {
          index.set(key, (i = index.size));
          labels.push(g);
        }
        return i;
      });
    const pairs: [number[], number[]][] = [];
    for (const events of history.users.values()) {
      const liked = events.filter(isLikedWatch);
      for (let i = 1; i < liked.length; i++) {
        if (liked[i]!.at - liked[i - 1]!.at > MAX_GAP_MS) continue;
        const from = genresOf(liked[i - 1]!.event.item_id!);
        const to = genresOf(liked[i]!.event.item_id!);
        if (from.length && to.length) pairs.push([from, to]);
      }
    }
    if (pairs.length === 0) return undefined;
    const G = index.size;
    const transitions = new Float32Array(G * G);
    const base = new Float32Array(G);
    for (const [from, to] of pairs) {
      const w = 1 / (from.length * to.length);
      for (const a of from) for (const b of to) transitions[a * G + b]! += w;
      for (const b of to) base[b]! += 1 / to.length;
    }
    const total = base.reduce((s, x) => s + x, 0);
    for (let b = 0; b < G; b++) base[b]! /= total;
    return { genres: [...index.keys()], labels, transitions, base };
  },
  encode: (m) =>
    encodeArtifact({ kind: 'context-mood', format: 1, meta: { genres: m.genres, labels: m.labels }, arrays: { transitions: m.transitions, base: m.base } }),
  decode(bytes) {
    const a = decodeArtifact<{ genres: string[]; labels: string[] }>(bytes, 'context-mood', 1);
    return { ...a.meta, transitions: a.arrays.transitions as Float32Array, base: a.arrays.base as Float32Array };
  },
};

const indexes = new WeakMap<MoodModel, Map<string, number>>();
function indexOf(model: MoodModel): Map<string, number> {
  let index = indexes.get(model);
  if (!index) indexes.set(model, (index = new Map(model.genres.map((g, i) => [g, i]))));
  return index;
}

/** Recency weights of the last titles: the mood is what was just watched. */
const RECENCY = [1, 0.5, 0.25];

/**
 * The predicted next-genre lift (log of predicted share over usual share) and, per target genre,
 * the source genre that drove it. Undefined without recent viewing the model knows.
 */
export function predictMood(model: MoodModel, recentGenres: readonly ArrayLike<number>[]): { lift: Float32Array; source: Int32Array } | undefined {
  const G = model.genres.length;
  const weight = new Float64Array(G);
  let total = 0;
  recentGenres.forEach((genres, j) => {
    for (let k = 0; k < genres.length; k++) {
      weight[genres[k]!]! += (RECENCY[j] ?? 0) / genres.length;
      total += (RECENCY[j] ?? 0) / genres.length;
    }
  });
  if (total === 0) return undefined;
  const predicted = new Float64Array(G);
  const strongest = new Float64Array(G);
  const source = new Int32Array(G).fill(-1);
  for (let a = 0; a < G; a++) {
    if (weight[a] === 0) continue;
    let rowTotal = 0;
    for (let b = 0; b < G; b++) rowTotal += model.transitions[a * G + b]!;
    for (let b = 0; b < G; b++) {
      const p = (model.transitions[a * G + b]! + PRIOR * model.base[b]!) / (rowTotal + PRIOR);
      const part = (weight[a]! / total) * p;
      predicted[b]! += part;
      // The source that raises b the most above its usual share names the mood.
      const raise = (weight[a]! / total) * (p - model.base[b]!);
      if (raise > strongest[b]!) [strongest[b], source[b]] = [raise, a];
    }
  }
  const lift = new Float32Array(G);
  for (let b = 0; b < G; b++) lift[b] = model.base[b]! > 0 ? Math.log(predicted[b]! / model.base[b]!) : 0;
  return { lift, source };
}

/** A request's mood: the predicted lifts and the scores of the genre sets met so far. */
interface MoodScoring {
  mood: { lift: Float32Array; source: Int32Array };
  sets: SetScores;
}

/** Per recent-event array (kept until the user acts): the mood only changes when they watch something. */
const scoringMemo = new WeakMap<readonly TimedEvent[], { table: RowFeatures; model: MoodModel; scoring: MoodScoring | null }>();

function moodScoring(inputs: ContextInputs, model: MoodModel, table: RowFeatures): MoodScoring | undefined {
  const memo = scoringMemo.get(inputs.recent);
  if (memo && memo.table === table && memo.model === model) return memo.scoring ?? undefined;
  const mood = predictMood(model, recentlyWatched(inputs, RECENCY.length).map(({ row }) => featuresOfRow(table, row)));
  const scoring = mood && {
    mood,
    sets: new SetScores(table, (row) => {
      let best = 0;
      let bestGenre = -1;
      for (let j = row * ROW_FEATURE_WIDTH, end = j + ROW_FEATURE_WIDTH; j < end; j++) {
        const g = table.ids[j]!;
        if (g === NONE) break;
        if (mood.lift[g]! > best && mood.source[g]! >= 0) {
          best = mood.lift[g]!;
          bestGenre = g;
        }
      }
      return { score: Math.min(1, best / SATURATION), top: bestGenre };
    }),
  };
  scoringMemo.set(inputs.recent, { table, model, scoring: scoring ?? null });
  return scoring;
}

/** A soft boost of the genres the latest viewing suggests next; named "mood: lighter after Thriller". */
export function moodSignal(inputs: ContextInputs): ContextSignal | undefined {
  const model = inputs.models.get(MOOD_LEARNER);
  if (!model) return undefined;
  const table = rowFeatures(inputs.catalog, indexOf(model), false);
  const scoring = moodScoring(inputs, model, table);
  if (!scoring) return undefined;
  const { mood, sets } = scoring;
  return {
    name: 'mood',
    defaultWeight: defaultWeight(inputs.options, 'mood'),
    score: (rows) => sets.score(rows),
    reason(row) {
      const to = sets.top(row);
      if (to < 0) return undefined;
      const from = mood.source[to]!;
      const [fromKey, toKey] = [model.genres[from]!, model.genres[to]!];
      const [fromLabel, toLabel] = [model.labels[from]!, model.labels[to]!];
      if (from === to) return `mood: more ${toLabel}`;
      if (DARK.has(fromKey) && LIGHT.has(toKey)) return `mood: lighter after ${fromLabel} (${toLabel})`;
      if (LIGHT.has(fromKey) && DARK.has(toKey)) return `mood: darker after ${fromLabel} (${toLabel})`;
      return `mood: ${toLabel} after ${fromLabel}`;
    },
  };
}
