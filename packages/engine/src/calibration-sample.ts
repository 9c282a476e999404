import type { UserItemFeature } from '@recsys/core';
import { type CalibrationSample, rank, type RankingContext, type SignalWeights } from '@recsys/ranking';

/**
 * The sample a predicted_score calibration is fitted on: every item the served ranking shows a
 * holdout user (top `k`, no exploration), its score, and 1 when the user went on to consume it.
 * Fit with `fitIsotonic` (or `fitPlatt` on small samples) from @recsys/ranking.
 */
export function collectCalibrationSample(
  context: RankingContext,
  interactions: ReadonlyMap<string, readonly UserItemFeature[]>,
  heldOut: ReadonlyMap<string, ReadonlySet<string>>,
  options: { weights: SignalWeights; k?: number; diversity?: number; maxUsers?: number },
): CalibrationSample & { scores: number[]; labels: number[] } {
  const k = options.k ?? 10;
  const scores: number[] = [];
  const labels: number[] = [];
  let users = 0;
  for (const [userId, relevant] of heldOut) {
    if (options.maxUsers !== undefined && users >= options.maxUsers) break;
    if (relevant.size === 0) continue;
    const result = rank(
      context,
      { userId, interactions: interactions.get(userId) ?? [] },
      { limit: k, weights: options.weights, diversity: options.diversity ?? 0, explore: false },
    );
    for (const ranked of result.items) {
      scores.push(ranked.predicted_score);
      labels.push(relevant.has(ranked.item.item_id) ? 1 : 0);
    }
    users++;
  }
  return { scores, labels };
}
