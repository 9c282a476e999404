import type { AlgorithmSource, ContentType, Item } from '@recsys/core';
import type { CatalogView } from './catalog-view.js';
import { evidenceFor, wilsonInterval } from './confidence.js';
import { diversityCategory, mmrSelect } from './diversity.js';
import { createRowFilter } from './filters.js';
import { matchPreferences, preparePreferences, type PreparedPreferences } from './preference-match.js';
import type { CollaborativeSignal, PopularitySignal, UserState } from './signals.js';

/** How much each signal counts in the hybrid score (per experiment variant). */
export interface SignalWeights {
  collaborative: number;
  popularity: number;
  trending: number;
}

/** Cold users have no collaborative vector: stated preferences and popularity carry the list. */
const COLD_WITH_PREFERENCES = { collaborative: 0, popularity: 0.3, trending: 0.1, preference: 0.6 };
const COLD_WITHOUT_PREFERENCES = { collaborative: 0, popularity: 0.75, trending: 0.25, preference: 0 };

export interface RankingContext {
  catalog: CatalogView;
  popularity: PopularitySignal;
  /** Absent until a collaborative model is trained: the list is then popularity only (degraded). */
  collaborative?: { signal: CollaborativeSignal; source: Extract<AlgorithmSource, 'ncf_primary' | 'mf_fallback'> };
}

export interface RankOptions {
  limit: number;
  contentTypes?: readonly ContentType[];
  languages?: readonly string[];
  genres?: readonly string[];
  excludeItemIds?: readonly string[];
  /** 0 = pure relevance order, 1 = maximal spread of genres, types and decades. */
  diversity?: number;
  /** Reserve about a tenth of the slots for random picks the user would not otherwise see. */
  explore?: boolean;
  weights: SignalWeights;
  /** Candidates taken from the collaborative model before filtering and scoring. */
  candidatePool?: number;
  random?: () => number;
}

export interface RankedItem {
  row: number;
  item: Item;
  rank: number;
  predicted_score: number;
  confidence_interval: [number, number];
  explanation_reasons: string[];
  algorithm_source: AlgorithmSource;
  diversity_category: string;
}

export interface RankResult {
  items: RankedItem[];
  /** True when no collaborative model was available and the list fell back to popularity. */
  degraded: boolean;
  /** True when the user could not be placed in the collaborative model. */
  coldStart: boolean;
}

type SignalName = 'collaborative' | 'popularity' | 'trending' | 'preference';
type Weights = Record<SignalName, number>;

interface Scored {
  total: number;
  contributions: Weights;
  collaborative: number;
  preference?: ReturnType<typeof matchPreferences>;
}

/** The served ranking: candidates → scoring → hard filters → diversity → explained results. */
export function rank(context: RankingContext, user: UserState, options: RankOptions): RankResult {
  const { catalog, popularity } = context;
  const limit = Math.max(0, Math.floor(options.limit));
  const collaborative = context.collaborative;

  const blocked = new Set<number>();
  const liked: number[] = [];
  for (const interaction of user.interactions) {
    const row = catalog.rowOf(interaction.item_id);
    if (row === undefined) continue;
    if (interaction.consumed || interaction.preference < 0) blocked.add(row);
    if (interaction.preference > 0) liked.push(row);
  }
  for (const id of options.excludeItemIds ?? []) {
    const row = catalog.rowOf(id);
    if (row !== undefined) blocked.add(row);
  }
  const passes = createRowFilter(catalog, {
    contentTypes: options.contentTypes,
    languages: options.languages?.map((l) => l.toLowerCase()),
    genres: options.genres?.map((g) => g.toLowerCase()),
    blockedRows: blocked,
  });

  const vector = collaborative?.signal.userVector(user);
  const prefs = preparePreferences(user.preferences);
  const weights: Weights = vector
    ? { ...options.weights, preference: 0 }
    : prefs
      ? COLD_WITH_PREFERENCES
      : COLD_WITHOUT_PREFERENCES;
  const weightSum = weights.collaborative + weights.popularity + weights.trending + weights.preference || 1;

  // Candidates: the collaborative model's nearest items plus popular and trending pools; small
  // catalogues are scored whole. Filters run before scoring so nothing filtered can slip through.
  const poolSize = options.candidatePool ?? 1000;
  const wanted = Math.max(limit * 5, 50);
  const candidates = new Set<number>();
  const add = (rows: ArrayLike<number>, max = rows.length) => {
    for (let i = 0; i < Math.min(max, rows.length); i++) if (passes(rows[i]!)) candidates.add(rows[i]!);
  };
  if (catalog.size <= poolSize) {
    for (let row = 0; row < catalog.size; row++) if (passes(row)) candidates.add(row);
  } else {
    if (vector) add(collaborative!.signal.candidates(vector, poolSize));
    add(popularity.byPopularity, 200);
    add(popularity.byTrending, 100);
    // Filters can empty the pools (a rare language, say): walk the popularity order for more.
    for (let i = 0; i < popularity.byPopularity.length && candidates.size < wanted; i++) {
      const row = popularity.byPopularity[i]!;
      if (passes(row)) candidates.add(row);
    }
  }

  const rows = Int32Array.from(candidates);
  const collaborativeScores = vector ? collaborative!.signal.score(vector, rows) : undefined;
  const scoreRow = (row: number, collab: number): Scored => {
    const preference = prefs ? matchPreferences(catalog, row, prefs) : undefined;
    const contributions: Weights = {
      collaborative: Number.isNaN(collab) ? 0 : (weights.collaborative * collab) / weightSum,
      popularity: (weights.popularity * popularity.popularity[row]!) / weightSum,
      trending: (weights.trending * popularity.trending[row]!) / weightSum,
      preference: preference ? (weights.preference * preference.score) / weightSum : 0,
    };
    const total = contributions.collaborative + contributions.popularity + contributions.trending + contributions.preference;
    return { total, contributions, collaborative: collab, preference };
  };
  const scored = Array.from(rows, (row, i) => scoreRow(row, collaborativeScores ? collaborativeScores[i]! : NaN));
  const order = Array.from(rows.keys()).sort((a, b) => scored[b]!.total - scored[a]!.total || rows[a]! - rows[b]!);
  const shortlist = order.slice(0, wanted);
  const shortRows = shortlist.map((i) => rows[i]!);
  const picked = mmrSelect(
    catalog,
    shortRows,
    shortlist.map((i) => scored[i]!.total),
    limit,
    Math.min(1, Math.max(0, options.diversity ?? 0)),
  ).map((p) => ({ row: shortRows[p]!, scored: scored[shortlist[p]!]!, explore: false }));

  if (options.explore && picked.length > 0) {
    const scoreOne = (row: number) => scoreRow(row, vector ? collaborative!.signal.score(vector, [row])[0]! : NaN);
    exploreInto(picked, catalog, passes, options.random ?? Math.random, scoreOne, limit);
  }

  const userEvidence = user.interactions.length;
  const items = picked.map(({ row, scored: s, explore }, index): RankedItem => {
    const predicted = clamp01(s.total);
    return {
      row,
      item: catalog.items[row]!,
      rank: index + 1,
      predicted_score: round(predicted),
      confidence_interval: wilsonInterval(predicted, evidenceFor(userEvidence, popularity.support[row]!)).map(
        round,
      ) as [number, number],
      explanation_reasons: explore
        ? ['explore: outside your usual picks']
        : explain(s, row, context, liked, prefs),
      algorithm_source: explore ? 'random_explore' : sourceOf(s, context, Boolean(vector)),
      diversity_category: diversityCategory(catalog, row, popularity.popularityRank[row]!),
    };
  });
  return { items, degraded: !collaborative, coldStart: !vector };
}

/** Replaces the last tenth of the slots (at least one) with random rows that pass the filters. */
function exploreInto(
  picked: { row: number; scored: Scored; explore: boolean }[],
  catalog: CatalogView,
  passes: (row: number) => boolean,
  random: () => number,
  score: (row: number) => Scored,
  limit: number,
): void {
  const slots = Math.max(1, Math.round(limit * 0.1));
  const taken = new Set(picked.map((p) => p.row));
  for (let slot = 0, tries = 0; slot < slots && tries < 100 * slots; tries++) {
    const row = Math.floor(random() * catalog.size);
    if (taken.has(row) || !passes(row)) continue;
    taken.add(row);
    const entry = { row, scored: score(row), explore: true };
    if (picked.length < limit) picked.push(entry);
    else picked[picked.length - 1 - slot] = entry;
    slot++;
  }
}

function strongest(s: Scored): SignalName {
  let best: SignalName = 'popularity';
  for (const name of ['collaborative', 'trending', 'preference'] as const) {
    if (s.contributions[name] > s.contributions[best]) best = name;
  }
  return best;
}

function sourceOf(s: Scored, context: RankingContext, warm: boolean): AlgorithmSource {
  switch (strongest(s)) {
    case 'collaborative':
      return context.collaborative!.source;
    case 'trending':
      return 'trending_boost';
    case 'preference':
      return 'cold_start';
    case 'popularity':
      return warm || !context.collaborative ? 'popularity_fallback' : 'cold_start';
  }
}

/** Reasons for the signals that made up at least a sixth of the score, strongest first. */
function explain(
  s: Scored,
  row: number,
  context: RankingContext,
  liked: readonly number[],
  prefs: PreparedPreferences | undefined,
): string[] {
  const { catalog, popularity } = context;
  const names = (Object.keys(s.contributions) as SignalName[])
    .filter((name) => s.contributions[name] > 0)
    .sort((a, b) => s.contributions[b] - s.contributions[a]);
  const top = names[0];
  const reasons: string[] = [];
  for (const name of names) {
    if (name !== top && s.contributions[name] < s.total / 6) continue;
    switch (name) {
      case 'collaborative': {
        const nearest = context.collaborative!.signal.nearestConsumed(row, liked);
        if (nearest && nearest.similarity > 0) {
          reasons.push(`because_you_watched: ${catalog.items[nearest.row]!.title} (${nearest.similarity.toFixed(2)})`);
        }
        reasons.push(`similar_users: ${s.collaborative.toFixed(2)}`);
        break;
      }
      case 'popularity':
        reasons.push(`popular: #${popularity.popularityRank[row]}`);
        break;
      case 'trending':
        if (popularity.trendingRank[row]! > 0) reasons.push(`trending: #${popularity.trendingRank[row]}`);
        break;
      case 'preference':
        if (s.preference?.genre) reasons.push(`genre_pref: ${s.preference.genre} (${s.preference.score.toFixed(2)})`);
        else if (prefs) reasons.push(`profile_match: ${s.preference!.score.toFixed(2)}`);
        break;
    }
  }
  return reasons;
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const round = (x: number) => Math.round(x * 10_000) / 10_000;
