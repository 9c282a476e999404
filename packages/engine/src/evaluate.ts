import { averagePrecision, ndcgAt, precisionAt, recallAt, type UserItemFeature } from '@recsys/core';
import { type FairnessOptions, rank, type RankingContext, type SignalWeights } from '@recsys/ranking';

export interface RankingMetrics {
  ndcg_at_10: number;
  precision_at_10: number;
  recall_at_10: number;
  map: number;
  coverage_at_10: number;
  eval_users: number;
}

/**
 * Scores held-out items through the served ranking (filters, scoring, everything but exploration),
 * so offline figures describe what users get.
 */
export function evaluateRanking(
  context: RankingContext,
  interactions: ReadonlyMap<string, readonly UserItemFeature[]>,
  heldOut: ReadonlyMap<string, ReadonlySet<string>>,
  options: {
    weights: SignalWeights;
    k?: number;
    diversity?: number;
    maxUsers?: number;
    /** Fairness-aware re-ranking, as a request's max_popular_share / max_language_share sets it. */
    fairness?: FairnessOptions;
    /** Filled with every served list (item ids, best first): for exposure metrics. */
    lists?: string[][];
    /** Filled with every shown item's predicted_score and 1 when it was held out (a later like): the calibration sample. */
    sample?: { scores: number[]; labels: number[] };
  },
): RankingMetrics {
  const k = options.k ?? 10;
  const sums = { ndcg: 0, precision: 0, recall: 0, map: 0 };
  const shown = new Set<string>();
  let users = 0;
  for (const [userId, relevant] of heldOut) {
    if (options.maxUsers !== undefined && users >= options.maxUsers) break;
    if (relevant.size === 0) continue;
    const result = rank(
      context,
      { userId, interactions: interactions.get(userId) ?? [] },
      { limit: k, weights: options.weights, diversity: options.diversity ?? 0, explore: false, fairness: options.fairness },
    );
    const ids = result.items.map((r) => r.item.item_id);
    for (const ranked of result.items) {
      options.sample?.scores.push(ranked.predicted_score);
      options.sample?.labels.push(relevant.has(ranked.item.item_id) ? 1 : 0);
    }
    ids.forEach((id) => shown.add(id));
    options.lists?.push(ids);
    sums.ndcg += ndcgAt(ids, relevant, k);
    sums.precision += precisionAt(ids, relevant, k);
    sums.recall += recallAt(ids, relevant, k);
    sums.map += averagePrecision(ids, relevant);
    users++;
  }
  const mean = (x: number) => (users ? x / users : 0);
  return {
    ndcg_at_10: mean(sums.ndcg),
    precision_at_10: mean(sums.precision),
    recall_at_10: mean(sums.recall),
    map: mean(sums.map),
    coverage_at_10: context.catalog.size ? shown.size / context.catalog.size : 0,
    eval_users: users,
  };
}
