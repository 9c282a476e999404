// Popularity bias and exposure concentration over a log of served lists, and a re-ranking that
// bounds the share of chosen item groups (e.g. head items) in every list.

/** One served recommendation list: item ids, best first. */
export type ServedList = readonly string[];

export interface ExposureOptions {
  /**
   * 'uniform' counts every slot as one exposure; 'log' weighs rank r (0-based) by 1 / log2(r + 2),
   * as users look at the top of a list more (the nDCG discount).
   */
  positionWeight?: 'uniform' | 'log';
}

/** Exposure per item over the log (slot counts, or position-discounted sums). */
export function itemExposure(lists: Iterable<ServedList>, options: ExposureOptions = {}): Map<string, number> {
  const log = (options.positionWeight ?? 'uniform') === 'log';
  const out = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, r) => out.set(id, (out.get(id) ?? 0) + (log ? 1 / Math.log2(r + 2) : 1)));
  }
  return out;
}

/**
 * Gini coefficient of non-negative values: 0 when all are equal, (n - 1) / n when one holds all.
 * Sorted ascending with 1-based ranks i: G = 2 Σ i·x_i / (n Σ x) − (n + 1) / n. 0 for no mass.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i]!;
    if (x < 0) throw new RangeError('gini needs non-negative values');
    total += x;
    weighted += (i + 1) * x;
  }
  return total === 0 ? 0 : (2 * weighted) / (n * total) - (n + 1) / n;
}

/**
 * Gini of item exposure. Pass the catalogue of servable items so that items never shown count as
 * zero exposure: without it only served items are compared and concentration is understated.
 */
export function exposureGini(exposure: ReadonlyMap<string, number>, catalogue?: Iterable<string>): number {
  if (!catalogue) return gini([...exposure.values()]);
  const values: number[] = [];
  const seen = new Set<string>();
  for (const id of catalogue) {
    if (seen.has(id)) continue;
    seen.add(id);
    values.push(exposure.get(id) ?? 0);
  }
  // Served items missing from the catalogue (e.g. since removed) still received exposure.
  for (const [id, v] of exposure) if (!seen.has(id)) values.push(v);
  return gini(values);
}

export interface HeadItemsOptions {
  /**
   * The head is the smallest set of most popular items that together hold at least this share of
   * all interactions (default 0.8, the Pareto cut); every other item is long tail.
   */
  headShare?: number;
}

/**
 * Head items by popularity (interaction counts in the training window). Ties at the cut-off go
 * by descending count then id, so the split is deterministic. Items with zero count are tail.
 */
export function headItems(popularity: ReadonlyMap<string, number>, options: HeadItemsOptions = {}): Set<string> {
  const share = options.headShare ?? 0.8;
  if (!(share >= 0 && share <= 1)) throw new RangeError('headShare must be in [0, 1]');
  const entries = [...popularity].filter(([, c]) => c > 0);
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const total = entries.reduce((s, [, c]) => s + c, 0);
  const head = new Set<string>();
  let cumulative = 0;
  for (const [id, c] of entries) {
    if (cumulative >= share * total) break;
    head.add(id);
    cumulative += c;
  }
  return head;
}

/** Share of served slots (or of position-weighted exposure) that went to items outside `head`. */
export function longTailShare(lists: Iterable<ServedList>, head: ReadonlySet<string>, options: ExposureOptions = {}): number {
  let total = 0;
  let tail = 0;
  for (const [id, v] of itemExposure(lists, options)) {
    total += v;
    if (!head.has(id)) tail += v;
  }
  return total === 0 ? 0 : tail / total;
}

/**
 * Exposure share per group (provider, language, content type...). An item in several groups (e.g.
 * two languages) splits its exposure equally between them, so shares sum to 1 over grouped
 * exposure; items with no group are counted under `unknownGroup` (default 'unknown').
 */
export function exposureByGroup(
  lists: Iterable<ServedList>,
  groupsOf: (itemId: string) => string | readonly string[] | undefined,
  options: ExposureOptions & { unknownGroup?: string } = {},
): Map<string, number> {
  const unknown = options.unknownGroup ?? 'unknown';
  const sums = new Map<string, number>();
  let total = 0;
  for (const [id, v] of itemExposure(lists, options)) {
    const g = groupsOf(id);
    const groups = g === undefined ? [unknown] : typeof g === 'string' ? [g] : g.length === 0 ? [unknown] : g;
    for (const name of groups) sums.set(name, (sums.get(name) ?? 0) + v / groups.length);
    total += v;
  }
  if (total > 0) for (const [name, v] of sums) sums.set(name, v / total);
  return sums;
}

/**
 * Greedy re-ranking that bounds group shares in every prefix of the list: after p items, group g
 * holds at most ⌈maxShare[g]·p⌉ of them. At each position it takes the best-scoring candidate
 * whose group still has room, so relevance drops only where the bound binds; if no group has room
 * (too few candidates elsewhere) it takes the best remaining candidate rather than end the list.
 *
 * `groups[i]` is candidate i's group id (a small non-negative integer), `maxShare[g]` the cap
 * (1 = unbounded; a number applies to every group). Candidates scored NaN or -Infinity are
 * excluded, as in topK. Returns candidate indices, best first; pure, inputs are not changed.
 *
 * Head/tail: groups = 1 for head items and 0 for tail, maxShare = [1, 0.5] keeps at most half of
 * every prefix in the head (position 1 may still be a head item).
 */
export function boundedShareRerank(
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  k: number,
  maxShare: number | ArrayLike<number>,
): Int32Array {
  if (scores.length !== groups.length) throw new RangeError('scores and groups differ in length');
  let nGroups = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (!Number.isInteger(g) || g < 0) throw new RangeError('groups must be non-negative integers');
    nGroups = Math.max(nGroups, g + 1);
  }
  const cap = (g: number): number => (typeof maxShare === 'number' ? maxShare : (maxShare[g] ?? 1));

  // One queue per group, each sorted by descending score (ties by index, for determinism).
  const queues: number[][] = Array.from({ length: nGroups }, () => []);
  for (let i = 0; i < scores.length; i++) if (scores[i]! > -Infinity) queues[groups[i]!]!.push(i);
  for (const q of queues) q.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const heads = new Int32Array(nGroups);
  const taken = new Int32Array(nGroups);
  const available = queues.reduce((s, q) => s + q.length, 0);

  const out = new Int32Array(Math.max(0, Math.min(k, available)));
  for (let p = 0; p < out.length; p++) {
    let best = -1;
    let fallback = -1;
    for (let g = 0; g < nGroups; g++) {
      const q = queues[g]!;
      if (heads[g]! >= q.length) continue;
      const cand = q[heads[g]!]!;
      if (fallback < 0 || better(scores, cand, fallback)) fallback = cand;
      const room = taken[g]! + 1 <= Math.ceil(cap(g) * (p + 1) - 1e-9);
      if (room && (best < 0 || better(scores, cand, best))) best = cand;
    }
    const pick = best >= 0 ? best : fallback;
    const g = groups[pick]!;
    heads[g]!++;
    taken[g]!++;
    out[p] = pick;
  }
  return out;
}

function better(scores: ArrayLike<number>, a: number, b: number): boolean {
  return scores[a]! > scores[b]! || (scores[a]! === scores[b]! && a < b);
}

/** Group ids for `boundedShareRerank`: 1 for head items, 0 for long tail. */
export function headTailGroups(itemIds: readonly string[], head: ReadonlySet<string>): Uint8Array {
  return Uint8Array.from(itemIds, (id) => (head.has(id) ? 1 : 0));
}

/**
 * Exposure-discounted scores: s − strength · log(1 + exposure / meanExposure), a soft alternative
 * to the hard bound that lowers over-exposed items in proportion to how far above average they are.
 * Returns a new Float32Array; NaN and -Infinity scores stay excluded.
 */
export function exposureDiscountedScores(
  scores: ArrayLike<number>,
  exposure: ArrayLike<number>,
  strength: number,
): Float32Array {
  if (scores.length !== exposure.length) throw new RangeError('scores and exposure differ in length');
  let mean = 0;
  for (let i = 0; i < exposure.length; i++) mean += exposure[i]!;
  mean = exposure.length ? mean / exposure.length : 0;
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    out[i] = s > -Infinity && mean > 0 ? s - strength * Math.log1p(exposure[i]! / mean) : s;
  }
  return out;
}
