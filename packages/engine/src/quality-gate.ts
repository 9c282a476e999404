export interface GateDecision {
  activate: boolean;
  reason: string;
}

/**
 * A new version serves only if its holdout nDCG@10 is not below the active version's by more than
 * `margin`; versions without figures (nothing held out) pass, with the reason saying so.
 */
export function qualityGate(candidate: Record<string, number>, active: Record<string, number> | undefined, margin: number): GateDecision {
  const mine = candidate.ndcg_at_10;
  const theirs = active?.ndcg_at_10;
  if (!active) return { activate: true, reason: 'activated: first model version' };
  if (mine === undefined || theirs === undefined) return { activate: true, reason: 'activated: no holdout figures to compare' };
  const floor = theirs - margin;
  const comparison = `holdout nDCG@10 ${mine.toFixed(4)} vs floor ${floor.toFixed(4)} (active ${theirs.toFixed(4)} - margin ${margin})`;
  return mine >= floor ? { activate: true, reason: `activated: ${comparison}` } : { activate: false, reason: `rejected: ${comparison}` };
}
