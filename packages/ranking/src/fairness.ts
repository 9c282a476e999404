// Fairness-aware re-ranking: bounds how much of every prefix of a list goes to the head of the
// popularity curve (and, optionally, to any one language), so the long tail gets exposure that a
// relevance order alone would give to the same few titles. Runs after diversity, on the
// diversity-ordered shortlist, and keeps that order within each group.
import { boundedShareRerank } from '@recsys/insights';
import type { CatalogView } from './catalog-view.js';
import type { PopularitySignal } from './signals.js';

export interface FairnessOptions {
  /**
   * Largest share of head items (the most popular titles holding `headShare` of the positive
   * interactions) in every prefix of the list, 0-1; 1 or absent leaves the list as it is.
   */
  maxPopularShare?: number;
  /** Largest share of any one primary language in every prefix, 0-1; 1 or absent: no cap. */
  maxLanguageShare?: number;
  /** Share of interactions that defines the head (default 0.8, the Pareto cut). */
  headShare?: number;
}

/** True when the options change anything: callers can skip the stage (and its wider pool). */
export function fairnessActive(options: FairnessOptions | undefined): boolean {
  return !!options && (bounded(options.maxPopularShare) || bounded(options.maxLanguageShare));
}

/**
 * Candidates kept for the final stages: four times more under a bound, since the relevance
 * shortlist of a model trained on popular data holds few long-tail titles to pick from.
 */
export function fairnessShortlist(options: FairnessOptions | undefined, wanted: number): number {
  return fairnessActive(options) ? wanted * 4 : wanted;
}

/**
 * How many candidates the diversity stage should order before the fairness stage picks `limit`
 * of them: the whole shortlist when a bound is set (the tail items must be there to be picked).
 */
export function fairnessPool(options: FairnessOptions | undefined, limit: number, available: number): number {
  return fairnessActive(options) ? available : limit;
}

/**
 * Picks `limit` of `order` (positions into `rows`, best first, e.g. the diversity stage's output)
 * so that the bounds hold in every prefix where enough candidates of other groups exist. Returns
 * positions into `rows`, best first. Without an active bound, the first `limit` of `order`.
 */
export function fairRerank(
  catalog: CatalogView,
  popularity: PopularitySignal,
  rows: ArrayLike<number>,
  order: readonly number[],
  limit: number,
  options: FairnessOptions | undefined,
): number[] {
  if (!options || !fairnessActive(options)) return order.slice(0, limit);
  // Scores that reproduce the incoming order: the re-ranker only changes the interleaving.
  let current = order;
  if (bounded(options.maxLanguageShare)) {
    const groups = languageGroups(catalog, rows, current);
    const keep = bounded(options.maxPopularShare) ? current.length : limit;
    current = pick(current, groups, keep, options.maxLanguageShare!);
  }
  if (bounded(options.maxPopularShare)) {
    const head = headRows(catalog, popularity, options.headShare ?? 0.8);
    const groups = Uint8Array.from(current, (p) => head[rows[p]!]!);
    current = pick(current, groups, limit, [1, options.maxPopularShare!]);
  }
  return current.slice(0, limit);
}

function pick(order: readonly number[], groups: ArrayLike<number>, k: number, maxShare: number | number[]): number[] {
  const scores = Float64Array.from(order, (_p, i) => order.length - i);
  return Array.from(boundedShareRerank(scores, groups, k, maxShare), (i) => order[i]!);
}

/** Group id per candidate: its primary (first) language, items without one in a group of their own. */
function languageGroups(catalog: CatalogView, rows: ArrayLike<number>, order: readonly number[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(order, (p) => {
    const language = catalog.languageKeys[rows[p]!]![0] ?? '';
    let id = ids.get(language);
    if (id === undefined) ids.set(language, (id = ids.size));
    return id;
  });
}

const headCache = new WeakMap<PopularitySignal, { headShare: number; head: Uint8Array }>();

/**
 * 1 for head rows, 0 for the long tail, by positive users (the catalogue's own popularity when no
 * one interacted yet); cached per popularity signal, which is rebuilt when popularity refreshes.
 */
export function headRows(catalog: CatalogView, popularity: PopularitySignal, headShare = 0.8): Uint8Array {
  const cached = headCache.get(popularity);
  if (cached && cached.headShare === headShare) return cached.head;
  let support = 0;
  for (let row = 0; row < popularity.support.length; row++) support += popularity.support[row]!;
  const counts = support > 0 ? popularity.support : popularity.popularity;
  // The same cut as insights' headItems (smallest most-popular set holding headShare of the
  // interactions, ties by row), on typed arrays: it reruns whenever popularity refreshes. A numeric
  // sort of the counts finds the cut-off count; rows above it are head, rows at it fill up in order.
  const n = catalog.size;
  const sorted = Float64Array.from(counts.subarray(0, n)).sort().reverse();
  let total = 0;
  for (let i = 0; i < n && sorted[i]! > 0; i++) total += sorted[i]!;
  let cumulative = 0;
  let taken = 0;
  while (taken < n && sorted[taken]! > 0 && cumulative < headShare * total) cumulative += sorted[taken++]!;
  const head = new Uint8Array(n);
  if (taken === 0) {
    headCache.set(popularity, { headShare, head });
    return head;
  }
  const cut = sorted[taken - 1]!;
  let atCut = 0;
  for (let i = 0; i < taken; i++) if (sorted[i] === cut) atCut++;
  for (let row = 0; row < n; row++) {
    if (counts[row]! > cut) head[row] = 1;
    else if (counts[row] === cut && atCut > 0) {
      head[row] = 1;
      atCut--;
    }
  }
  headCache.set(popularity, { headShare, head });
  return head;
}

const bounded = (share: number | undefined): boolean => share !== undefined && share >= 0 && share < 1;
