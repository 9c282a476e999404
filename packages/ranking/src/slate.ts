import type { AlgorithmSource } from '@recsys/core';
import { topIndices } from './top-indices.js';

// Slate composition by arms: instead of one blended order, each arm (a single signal) orders the
// candidates by its own score and every slot goes to the arm the policy prefers for it (e.g. the
// highest Thompson-sampled value); that arm puts in its best candidate not already in the slate.
// Candidates have passed the hard filters before they get here, and a row is taken once, so
// filters and de-duplication hold whatever the arms do.

export const SLATE_ARMS = ['ncf', 'mf', 'story', 'trending', 'random'] as const;
export type SlateArm = (typeof SLATE_ARMS)[number];

/** The algorithm_source of a slot each arm fills. */
export const SLATE_ARM_SOURCES: Readonly<Record<SlateArm, AlgorithmSource>> = {
  ncf: 'ncf_primary',
  mf: 'mf_fallback',
  story: 'story_similarity',
  trending: 'trending_boost',
  random: 'random_explore',
};

export interface SlatePolicy {
  /**
   * The arms in the order slot `slot` (0-based) prefers them, best first (e.g. by one Thompson
   * draw each). Called once per slot; an arm that cannot fill the slot passes it to the next.
   */
  armsForSlot(slot: number): readonly SlateArm[];
}

/** Each arm's score of candidate i (higher is better); undefined or NaN where it cannot score. */
export type SlateScores = Partial<Record<Exclude<SlateArm, 'random'>, ArrayLike<number>>>;

export interface SlateInput {
  /** Candidate catalogue rows, all past the hard filters; picks are indices into it. */
  rows: ArrayLike<number>;
  limit: number;
  scores: SlateScores;
  /** Draws of the random arm. */
  random: () => number;
}

export interface SlatePick {
  /** Index into `rows`. */
  index: number;
  arm: SlateArm;
}

/** The per-arm scores from what rank() computes: collaborative members by source, story, trending. */
export function slateScores(
  memberSources: readonly AlgorithmSource[],
  memberScores: readonly (ArrayLike<number> | undefined)[],
  storyScores: ArrayLike<number> | undefined,
  trendingByRow: ArrayLike<number>,
  rows: ArrayLike<number>,
): SlateScores {
  const scores: SlateScores = {};
  memberSources.forEach((source, m) => {
    const s = memberScores[m];
    if (!s) return;
    if (source === 'ncf_primary') scores.ncf = s;
    else if (source === 'mf_fallback') scores.mf = s;
  });
  if (storyScores) scores.story = storyScores;
  const trending = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) trending[i] = trendingByRow[rows[i]!]!;
  scores.trending = trending;
  return scores;
}

/** Fills up to `limit` slots, each from the first arm in the slot's preference that has a candidate left. */
export function composeSlate(input: SlateInput, policy: SlatePolicy): SlatePick[] {
  const limit = Math.min(Math.max(0, Math.floor(input.limit)), input.rows.length);
  const taken = new Uint8Array(input.rows.length);
  const orders = new Map<SlateArm, { order: number[]; next: number }>();
  const picks: SlatePick[] = [];
  let left = input.rows.length;
  for (let slot = 0; slot < limit && left > 0; slot++) {
    for (const arm of policy.armsForSlot(slot)) {
      const index = arm === 'random' ? randomFree(taken, left, input.random) : nextOf(arm, input, orders, taken, limit);
      if (index === undefined) continue;
      taken[index] = 1;
      left--;
      picks.push({ index, arm });
      break;
    }
  }
  return picks;
}

/** The arm's best candidate not yet taken; its order is built on first use (top `limit` suffice). */
function nextOf(
  arm: Exclude<SlateArm, 'random'>,
  input: SlateInput,
  orders: Map<SlateArm, { order: number[]; next: number }>,
  taken: Uint8Array,
  limit: number,
): number | undefined {
  const scores = input.scores[arm];
  if (!scores) return undefined;
  let entry = orders.get(arm);
  // At most limit - 1 rows are taken before any slot, so an arm's top `limit` always has a free one.
  if (!entry) orders.set(arm, (entry = { order: topIndices(scores, input.rows, limit), next: 0 }));
  while (entry.next < entry.order.length && taken[entry.order[entry.next]!]) entry.next++;
  return entry.order[entry.next];
}

/** A uniformly random candidate not yet taken. */
function randomFree(taken: Uint8Array, left: number, random: () => number): number | undefined {
  if (left <= 0) return undefined;
  let skip = Math.floor(random() * left);
  for (let i = 0; i < taken.length; i++) {
    if (taken[i]) continue;
    if (skip-- === 0) return i;
  }
  return undefined;
}
