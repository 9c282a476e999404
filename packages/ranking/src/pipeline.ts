import type { AlgorithmSource, ContentType, Item } from '@recsys/core';
import { applyCalibration, type Calibration } from './calibration.js';
import type { CatalogView } from './catalog-view.js';
import { evidenceFor, wilsonInterval } from './confidence.js';
import { candidatePoolFor } from './candidate-pool.js';
import { topIndices } from './top-indices.js';
import { type ContextSignal, contextWeights } from './context-signal.js';
import { diversityCategory, mmrSelect } from './diversity.js';
import { fairnessPool, fairnessShortlist, fairRerank, type FairnessOptions } from './fairness.js';
import { createRowFilter } from './filters.js';
import { popularityPairs } from './popularity-pairs.js';
import { matchPreferences, preparePreferences, type PreparedPreferences } from './preference-match.js';
import { ScratchColumns } from './scratch-columns.js';
import type { CollaborativeSignal, PopularitySignal, UserState } from './signals.js';
import type { StorySignal, UserStoryProfile } from './story-signal.js';
import { composeSlate, SLATE_ARM_SOURCES, type SlatePolicy, slateScores } from './slate.js';

/** How much each signal counts in the hybrid score (per experiment variant). */
export interface SignalWeights {
  collaborative: number;
  popularity: number;
  trending: number;
  /** Story match with what the user watched (see StorySignal); absent counts as 0. */
  story?: number;
  /** Weights of context signals by name (see ContextSignal); absent names use the signal's default. */
  context?: Readonly<Record<string, number>>;
}

/** Cold users have no collaborative vector: stated preferences and popularity carry the list. */
const COLD_WITH_PREFERENCES = { collaborative: 0, popularity: 0.3, trending: 0.1, preference: 0.6, story: 0 };
const COLD_WITHOUT_PREFERENCES = { collaborative: 0, popularity: 0.75, trending: 0.25, preference: 0, story: 0 };
/**
 * A user the collaborative model cannot place but who watched titles with story vectors (new
 * titles only, say) gets at least this story weight, as much as all the cold weights above
 * together: their own history is better evidence than what is popular.
 */
const COLD_STORY_WEIGHT = 1;

/** A collaborative model and the algorithm_source its recommendations are labelled with. */
export interface SourcedSignal {
  signal: CollaborativeSignal;
  source: Extract<AlgorithmSource, 'ncf_primary' | 'mf_fallback'>;
}

/** One member of a blend of collaborative models (see RankingContext.collaborativeBlend). */
export interface BlendedSignal extends SourcedSignal {
  /** Relative share of the collaborative weight (the blend's weights need not sum to 1). */
  weight: number;
}

export interface RankingContext {
  catalog: CatalogView;
  popularity: PopularitySignal;
  /** Absent until a collaborative model is trained: the list is then popularity only (degraded). */
  collaborative?: SourcedSignal;
  /**
   * Several collaborative models at once (e.g. NCF + ALS); when set and non-empty it replaces
   * `collaborative`. A row's collaborative score is the weighted mean of the scores of the members
   * that could place the user and know the row; candidates are the union of theirs.
   */
  collaborativeBlend?: readonly BlendedSignal[];
  /** Story similarity; absent until a story model is fitted (or while no title has a vector). */
  story?: StorySignal;
  /**
   * Maps the blended score of the model signals (context boosts excluded) to the probability of a
   * later like, fitted on held-out data when the version was trained; without it predicted_score is
   * that blended score itself.
   */
  calibration?: Calibration;
  /** Epoch milliseconds the story profile decays to; Date.now() by default. */
  now?: number;
  /** Signals of this request's context, added to the hybrid score as weighted boosts. */
  contextSignals?: readonly ContextSignal[];
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
  /** Bounded share of head (popular) items or of one language in every prefix, after diversity. */
  fairness?: FairnessOptions;
  weights: SignalWeights;
  /** Candidates taken from the collaborative model before filtering and scoring. */
  candidatePool?: number;
  random?: () => number;
  /**
   * Compose the list by arms (see slate.ts): each slot goes to the arm the policy prefers, which
   * adds its best candidate by its own signal. Diversity, fairness and explore do not apply then.
   */
  slate?: SlatePolicy;
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

const SIGNAL_NAMES = ['collaborative', 'popularity', 'trending', 'preference', 'story'] as const;
type SignalName = (typeof SIGNAL_NAMES)[number];
type Weights = Record<SignalName, number>;

interface Scored {
  total: number;
  contributions: Weights;
  collaborative: number;
  /** Story match of the row in 0-1, NaN when it was not scored. */
  story: number;
  /** Each blend member's part of contributions.collaborative (0 when it did not score the row). */
  memberContributions: number[];
  /** Each context signal's weighted boost, in the order of RankingContext.contextSignals. */
  contextContributions: number[];
  preference?: ReturnType<typeof matchPreferences>;
}

/** Candidates taken from each collaborative model when RankOptions.candidatePool is not set. */
export const DEFAULT_CANDIDATE_POOL = 1000;
/** Story neighbours of the user's profile added to the candidates. */
export const STORY_CANDIDATES = 200;

/** Per-candidate working columns, reused by every rank() call on this thread. */
const scratch = new ScratchColumns();

/** The blend in force: `collaborativeBlend`, else the single `collaborative` model at weight 1. */
export function blendOf(context: RankingContext): readonly BlendedSignal[] {
  if (context.collaborativeBlend?.length) return context.collaborativeBlend;
  return context.collaborative ? [{ ...context.collaborative, weight: 1 }] : [];
}

/** The served ranking: candidates → scoring → hard filters → diversity → explained results. */
export function rank(context: RankingContext, user: UserState, options: RankOptions): RankResult {
  const { catalog, popularity } = context;
  const limit = Math.max(0, Math.floor(options.limit));
  const blend = blendOf(context);
  const contextSignals = context.contextSignals ?? [];
  const boostWeights = contextWeights(contextSignals, options.weights.context);

  const blocked = new Set<number>();
  const liked: number[] = [];
  /** Liked titles the user actually watched: what a story match is explained with. */
  const watched: number[] = [];
  for (const interaction of user.interactions) {
    const row = catalog.rowOf(interaction.item_id);
    if (row === undefined) continue;
    if (interaction.consumed || interaction.preference < 0) blocked.add(row);
    if (interaction.preference > 0) liked.push(row);
    if (interaction.preference > 0 && interaction.consumed) watched.push(row);
  }
  for (const signal of contextSignals) for (const row of signal.unblockedRows?.() ?? []) blocked.delete(row);
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

  const vectors = blend.map((member) => member.signal.userVector(user));
  const vector = vectors.some((v) => v !== undefined);
  const prefs = preparePreferences(user.preferences);
  const storyProfile = context.story?.profile(user, context.now ?? Date.now());
  const weights: Weights = vector
    ? { ...options.weights, story: storyProfile ? (options.weights.story ?? 0) : 0, preference: 0 }
    : {
        ...(prefs ? COLD_WITH_PREFERENCES : COLD_WITHOUT_PREFERENCES),
        story: storyProfile ? Math.max(options.weights.story ?? 0, COLD_STORY_WEIGHT) : 0,
      };
  const weightSum =
    weights.collaborative + weights.popularity + weights.trending + weights.preference + weights.story || 1;
  // Each signal's share of the score: what its value in 0-1 is multiplied by.
  const share: Weights = {
    collaborative: weights.collaborative / weightSum,
    popularity: weights.popularity / weightSum,
    trending: weights.trending / weightSum,
    preference: weights.preference / weightSum,
    story: weights.story / weightSum,
  };
  const story = storyProfile && weights.story > 0 ? { signal: context.story!, profile: storyProfile } : undefined;

  // Candidates: the collaborative model's nearest items plus popular and trending pools; small
  // catalogues are scored whole. Filters run before scoring so nothing filtered can slip through.
  const poolSize = options.candidatePool ?? DEFAULT_CANDIDATE_POOL;
  const wanted = Math.max(limit * 5, 50);
  const candidates = candidatePoolFor(catalog);
  const searched: (SlotScores | undefined)[] = blend.map(() => undefined);
  const add = (rows: ArrayLike<number>, max = rows.length) => {
    for (let i = 0; i < Math.min(max, rows.length); i++) if (passes(rows[i]!)) candidates.add(rows[i]!);
  };
  if (catalog.size <= poolSize) {
    for (let row = 0; row < catalog.size; row++) if (passes(row)) candidates.add(row);
  } else {
    for (let m = 0; m < blend.length; m++) {
      const vector = vectors[m];
      if (!vector) continue;
      const signal = blend[m]!.signal;
      if (!signal.scoredCandidates) {
        add(signal.candidates(vector, poolSize));
        continue;
      }
      // Keep the scores the search computed, by candidate slot: scoring skips those rows.
      const found = signal.scoredCandidates(vector, poolSize);
      const slots = new Int32Array(found.rows.length);
      const scores = new Float32Array(found.rows.length);
      let n = 0;
      for (let j = 0; j < found.rows.length; j++) {
        const row = found.rows[j]!;
        if (passes(row) && candidates.add(row)) {
          slots[n] = candidates.size - 1;
          scores[n++] = found.scores[j]!;
        }
      }
      searched[m] = { slots: slots.subarray(0, n), scores: scores.subarray(0, n) };
    }
    // Story neighbours of the profile: how titles nobody has watched yet (new ones) get in.
    if (story) add(story.signal.candidates(story.profile, STORY_CANDIDATES));
    add(popularity.byPopularity, 200);
    add(popularity.byTrending, 100);
    contextSignals.forEach((signal, k) => {
      if (boostWeights[k]! > 0 && signal.candidates) add(signal.candidates(100));
    });
    // Filters can empty the pools (a rare language, say): walk the popularity order for more.
    for (let i = 0; i < popularity.byPopularity.length && candidates.size < wanted; i++) {
      const row = popularity.byPopularity[i]!;
      if (passes(row)) candidates.add(row);
    }
  }

  const rows = candidates.rows();
  // memberScores[m][i]: member m's score of rows[i] (undefined when m could not place the user).
  const memberScores = blend.map((member, m) => (vectors[m] ? scoreRows(member.signal, vectors[m], rows, searched[m]) : undefined));
  const storyScores = story?.signal.score(story.profile, rows);
  const contextScores = contextSignals.map((signal, k) => (boostWeights[k]! > 0 ? signal.score(rows) : undefined));
  // A context signal's part of the score: its weight times its score clamped to 0-1.
  const boostFor = (k: number, s: number | undefined): number => (s === undefined || !(s > 0) ? 0 : boostWeights[k]! * Math.min(1, s));
  const boostOf = (i: number, k: number): number => boostFor(k, contextScores[k]?.[i]);
  const scoreRow = (
    row: number,
    scores: readonly (ArrayLike<number> | undefined)[],
    i: number,
    storyScore: number,
    boosts: (k: number) => number = (k) => boostOf(i, k),
  ): Scored => {
    // Weighted mean over the members that scored the row (one member: its score as it is).
    // Plain arrays of doubles: two typed arrays an item were ~4 KB of garbage a request.
    const memberContributions: number[] = new Array<number>(blend.length).fill(0);
    let weighted = 0;
    let weightTotal = 0;
    blend.forEach((member, m) => {
      const s = scores[m]?.[i];
      if (s === undefined || Number.isNaN(s)) return;
      weighted += member.weight * s;
      weightTotal += member.weight;
      memberContributions[m] = member.weight * s;
    });
    const collab = weightTotal > 0 ? weighted / weightTotal : NaN;
    for (let m = 0; m < blend.length; m++) {
      memberContributions[m] = weightTotal > 0 ? (share.collaborative * memberContributions[m]!) / weightTotal : 0;
    }
    const preference = prefs ? matchPreferences(catalog, row, prefs) : undefined;
    const contributions: Weights = {
      collaborative: Number.isNaN(collab) ? 0 : share.collaborative * collab,
      popularity: share.popularity * popularity.popularity[row]!,
      trending: share.trending * popularity.trending[row]!,
      preference: preference ? share.preference * preference.score : 0,
      story: Number.isNaN(storyScore) ? 0 : share.story * storyScore,
    };
    const contextContributions: number[] = [];
    for (let k = 0; k < contextSignals.length; k++) contextContributions.push(boosts(k));
    let total =
      contributions.collaborative + contributions.popularity + contributions.trending + contributions.preference + contributions.story;
    for (const boost of contextContributions) total += boost;
    return { total, contributions, collaborative: collab, story: storyScore, memberContributions, contextContributions, preference };
  };
  // Only the total orders the candidates: it is computed without per-candidate objects (same
  // arithmetic as scoreRow), and the full breakdown is built for the shortlist alone. Popularity
  // and trending parts are gathered first, in a loop of independent reads: the scattered rows'
  // cache misses then overlap instead of stalling the scoring loop one at a time.
  const priors = popularityPairs(popularity);
  const [priorParts, boosts, weighted, weightTotals, totals] = scratch.take(2 * rows.length, rows.length, rows.length, rows.length, rows.length);
  for (let i = 0; i < rows.length; i++) {
    const at = 2 * rows[i]!;
    priorParts[2 * i] = share.popularity * priors[at]!;
    priorParts[2 * i + 1] = share.trending * priors[at + 1]!;
  }
  // The context signals' boosts summed per candidate, one signal at a time. Like candidateTotals,
  // the loop calls nothing per candidate (boostFor is written out): a call boxes its double
  // arguments and result, ~50 KB of garbage a request.
  contextScores.forEach((scores, k) => {
    if (!scores) return;
    const weight = boostWeights[k]!;
    for (let i = 0; i < rows.length; i++) {
      const s = scores[i]!;
      if (s > 0) boosts[i]! += weight * Math.min(1, s);
    }
  });
  candidateTotals({ boosts, priorParts, weighted, weightTotals, totals }, memberScores, blend, share.collaborative, storyScores, share.story);
  if (prefs) {
    for (let i = 0; i < rows.length; i++) {
      const preference = matchPreferences(catalog, rows[i]!, prefs);
      if (preference) totals[i]! += share.preference * preference.score;
    }
  }
  const shortlist = topIndices(totals, rows, fairnessShortlist(options.fairness, wanted));
  // Typed copies, not `shortlist.map(...)`: V8 (Node 20) fell into a deoptimisation loop on the
  // mapped arrays, re-running rank() unoptimised on every request.
  const shortRows = new Int32Array(shortlist.length);
  const shortTotals = new Float64Array(shortlist.length);
  for (let p = 0; p < shortlist.length; p++) {
    shortRows[p] = rows[shortlist[p]!]!;
    shortTotals[p] = totals[shortlist[p]!]!;
  }
  const diversified = mmrSelect(
    catalog,
    shortRows,
    shortTotals,
    fairnessPool(options.fairness, limit, shortlist.length),
    Math.min(1, Math.max(0, options.diversity ?? 0)),
  );
  const slateSources = new Map<number, AlgorithmSource>();
  // Plain loops rather than chained `.map` calls: on the arrays those produced, V8 (Node 20) fell
  // into a deoptimisation loop and ran rank() unoptimised on every request.
  const picked: { row: number; scored: Scored; explore: boolean }[] = [];
  if (options.slate) {
    const slots = composeSlate(
      { rows, limit, random: options.random ?? Math.random, scores: slateScores(blend.map((b) => b.source), memberScores, storyScores, popularity.trending, rows) },
      options.slate,
    );
    for (const { index: i, arm } of slots) {
      slateSources.set(rows[i]!, SLATE_ARM_SOURCES[arm]);
      picked.push({ row: rows[i]!, scored: scoreRow(rows[i]!, memberScores, i, storyScores ? storyScores[i]! : NaN), explore: arm === 'random' });
    }
  } else {
    for (const p of fairRerank(catalog, popularity, shortRows, diversified, limit, options.fairness)) {
      const i = shortlist[p]!;
      picked.push({ row: shortRows[p]!, scored: scoreRow(rows[i]!, memberScores, i, storyScores ? storyScores[i]! : NaN), explore: false });
    }
  }

  if (options.explore && picked.length > 0 && !options.slate) {
    const scoreOne = (row: number) =>
      scoreRow(
        row,
        blend.map((member, m) => (vectors[m] ? member.signal.score(vectors[m], [row]) : undefined)),
        0,
        story ? story.signal.score(story.profile, [row])[0]! : NaN,
        (k) => (boostWeights[k]! > 0 ? boostFor(k, contextSignals[k]!.score(Int32Array.of(row))[0]) : 0),
      );
    exploreInto(picked, catalog, passes, options.random ?? Math.random, scoreOne, limit);
  }

  const userEvidence = user.interactions.length;
  const items: RankedItem[] = [];
  for (const [index, { row, scored: s, explore }] of picked.entries()) {
    // The models' score, without the context boosts: what the calibration was fitted on (boosts
    // order the list; they are not evidence of a like, and would push every boosted item to 1).
    let modelScore = s.total;
    for (const boost of s.contextContributions) modelScore -= boost;
    const predicted = context.calibration ? applyCalibration(context.calibration, clamp01(modelScore)) : clamp01(modelScore);
    items.push({
      row,
      item: catalog.items[row]!,
      rank: index + 1,
      predicted_score: round(predicted),
      confidence_interval: wilsonInterval(predicted, evidenceFor(userEvidence, popularity.support[row]!)).map(
        round,
      ) as [number, number],
      explanation_reasons: explore
        ? ['explore: outside your usual picks']
        : explain(s, row, context, blend, liked, prefs, story && { ...story, watched }),
      algorithm_source: slateSources.get(row) ?? (explore ? 'random_explore' : sourceOf(s, blend, vector, contextSignals)),
      diversity_category: diversityCategory(catalog, row, popularity.popularityRank[row]!),
    });
  }
  return { items, degraded: blend.length === 0, coldStart: !vector };
}

/** Per-candidate columns of candidateTotals: the first two filled in, the rest zeroed. */
interface TotalsColumns {
  boosts: Float64Array;
  priorParts: Float64Array;
  weighted: Float64Array;
  weightTotals: Float64Array;
  /** Written: the totals. */
  totals: Float64Array;
}

/**
 * Each candidate's total without its preference part: context boosts, prior parts, the weighted
 * mean of the members that scored it and its story score, each part by its share (as scoreRow).
 */
function candidateTotals(
  { boosts, priorParts, weighted, weightTotals, totals }: TotalsColumns,
  memberScores: readonly (Float32Array | undefined)[],
  blend: readonly BlendedSignal[],
  collaborativeShare: number,
  storyScores: Float32Array | undefined,
  storyShare: number,
): void {
  const n = boosts.length;
  // Member by member, over plain typed arrays: `memberScores[m]?.[i]` in the candidate loop made
  // V8 box every score it read.
  for (let m = 0; m < blend.length; m++) {
    const scores = memberScores[m];
    if (!scores) continue;
    const weight = blend[m]!.weight;
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s)) continue;
      weighted[i]! += weight * s;
      weightTotals[i]! += weight;
    }
  }
  for (let i = 0; i < n; i++) {
    const story = storyScores ? storyScores[i]! : NaN;
    totals[i] =
      boosts[i]! +
      (weightTotals[i]! > 0 ? collaborativeShare * (weighted[i]! / weightTotals[i]!) : 0) +
      priorParts[2 * i]! +
      priorParts[2 * i + 1]! +
      (Number.isNaN(story) ? 0 : storyShare * story);
  }
}

/** Scores a member's search returned, by candidate slot. */
interface SlotScores {
  slots: Int32Array;
  scores: Float32Array;
}

/** `signal.score(vector, rows)`, taking the scores its own search returned as they are. */
function scoreRows(signal: CollaborativeSignal, vector: Float32Array, rows: Int32Array, searched: SlotScores | undefined): Float32Array {
  if (!searched) return signal.score(vector, rows);
  const out = new Float32Array(rows.length);
  const known = new Uint8Array(rows.length);
  for (let j = 0; j < searched.slots.length; j++) {
    out[searched.slots[j]!] = searched.scores[j]!;
    known[searched.slots[j]!] = 1;
  }
  const others = new Int32Array(rows.length - searched.slots.length);
  const otherRows = new Int32Array(others.length);
  for (let i = 0, n = 0; i < rows.length; i++) {
    if (known[i]) continue;
    others[n] = i;
    otherRows[n++] = rows[i]!;
  }
  const scored = signal.score(vector, otherRows);
  for (let n = 0; n < others.length; n++) out[others[n]!] = scored[n]!;
  return out;
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
  for (const name of ['collaborative', 'trending', 'preference', 'story'] as const) {
    if (s.contributions[name] > s.contributions[best]) best = name;
  }
  return best;
}

/** Blend members that scored the row, by their part of its score, strongest first. */
function membersByContribution(s: Scored): number[] {
  const members: number[] = [];
  for (let m = 0; m < s.memberContributions.length; m++) if (s.memberContributions[m]! > 0) members.push(m);
  return members.sort((a, b) => s.memberContributions[b]! - s.memberContributions[a]! || a - b);
}

function sourceOf(s: Scored, blend: readonly BlendedSignal[], warm: boolean, contextSignals: readonly ContextSignal[]): AlgorithmSource {
  // A context signal with a source of its own names the item when it outweighs every model signal.
  const strongestBase = s.contributions[strongest(s)];
  let contextual: AlgorithmSource | undefined;
  let contextualBoost = strongestBase;
  contextSignals.forEach((signal, k) => {
    if (signal.source && s.contextContributions[k]! > contextualBoost) {
      contextual = signal.source;
      contextualBoost = s.contextContributions[k]!;
    }
  });
  if (contextual) return contextual;
  switch (strongest(s)) {
    case 'collaborative':
      return blend[membersByContribution(s)[0] ?? 0]!.source;
    case 'trending':
      return 'trending_boost';
    case 'preference':
      return 'cold_start';
    case 'story':
      return 'story_similarity';
    case 'popularity':
      return warm || blend.length === 0 ? 'popularity_fallback' : 'cold_start';
  }
}

/** Reasons for the signals that made up at least a sixth of the score, strongest first. */
function explain(
  s: Scored,
  row: number,
  context: RankingContext,
  blend: readonly BlendedSignal[],
  liked: readonly number[],
  prefs: PreparedPreferences | undefined,
  story?: { signal: StorySignal; profile: UserStoryProfile; watched: readonly number[] },
): string[] {
  const { catalog, popularity } = context;
  // The contributing signals strongest first, ties in SIGNAL_NAMES order: an insertion sort of at
  // most five names, without the garbage of Object.keys(...).filter(...).sort(...) (~9 KB a request).
  const names: SignalName[] = [];
  for (const name of SIGNAL_NAMES) {
    const value = s.contributions[name];
    if (!(value > 0)) continue;
    let at = names.length;
    while (at > 0 && s.contributions[names[at - 1]!] < value) at--;
    names.splice(at, 0, name);
  }
  const top = names[0];
  const reasons: string[] = [];
  const contextSignals = context.contextSignals ?? [];
  // Context reasons come first when they outweigh the strongest model signal, after it otherwise.
  const topContribution = top ? s.contributions[top] : 0;
  pushContextReasons(reasons, s, row, contextSignals, topContribution, Number.POSITIVE_INFINITY);
  for (const name of names) {
    if (name !== top && s.contributions[name] < s.total / 6) continue;
    switch (name) {
      case 'collaborative': {
        // The strongest member, and any other that made up a sixth of the score, each name the
        // watched title closest to this one in their own item space.
        const named: number[] = [];
        const members = membersByContribution(s);
        for (let position = 0; position < members.length; position++) {
          const m = members[position]!;
          if (position > 0 && s.memberContributions[m]! < s.total / 6) continue;
          const nearest = blend[m]!.signal.nearestConsumed(row, liked);
          if (!nearest || !(nearest.similarity > 0) || named.includes(nearest.row)) continue;
          named.push(nearest.row);
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
      case 'story': {
        const nearest = story?.signal.nearestConsumed(row, story.watched);
        if (nearest && nearest.similarity > 0) {
          reasons.push(`story_match: ${catalog.items[nearest.row]!.title} (${nearest.similarity.toFixed(2)})`);
        }
        // Say so when the title follows where the user's taste in stories has been moving.
        const shift = story?.signal.driftExplanation(story.profile, row);
        if (shift) reasons.push(shift);
        break;
      }
    }
  }
  pushContextReasons(reasons, s, row, contextSignals, 0, topContribution);
  return reasons;
}

/** Reasons of the context signals whose boost is in (strongerThan, atMost] and a sixth of the score. */
function pushContextReasons(
  reasons: string[],
  s: Scored,
  row: number,
  contextSignals: readonly ContextSignal[],
  strongerThan: number,
  atMost: number,
): void {
  for (let k = 0; k < contextSignals.length; k++) {
    const boost = s.contextContributions[k]!;
    if (boost > strongerThan && boost <= atMost && boost >= s.total / 6) {
      const reason = contextSignals[k]!.reason(row, boost);
      if (reason) reasons.push(reason);
    }
  }
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const round = (x: number) => Math.round(x * 10_000) / 10_000;
