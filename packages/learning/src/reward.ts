import { completionOf, feedbackSignal, type InteractionEvent } from '@recsys/core';

/**
 * The reward an attributed outcome earns the arm (or variant) that put the item in the list.
 * Both parts come from the one feedback mapping (`feedbackSignal`), so the bandit, the experiments
 * and the models agree on what a good outcome is:
 *
 * - `success` (Bernoulli, 0 or 1): 1 when the evidence is a positive preference (click, dwell, save,
 *   watch past the early-abandon mark, complete, rewatch, a rating of 3 or more); 0 for negatives
 *   (skip, early abandon, low rating) and for an impression nobody acted on.
 * - `completion` (continuous, 0-1): how much of the title was watched; 1 for complete and rewatch,
 *   the watched share for a watch event, 0 when nothing was watched. Rewards sessions, not clicks.
 */
export interface Reward {
  success: 0 | 1;
  completion: number;
}

/** An impression with no attributed action: a failure, with nothing watched. */
export const NO_REWARD: Reward = { success: 0, completion: 0 };

/** The reward of one event on its own; undefined for events that are no outcome (impression, search). */
export function rewardOf(event: InteractionEvent): Reward | undefined {
  if (event.type === 'impression' || event.type === 'search' || !event.item_id) return undefined;
  const { preference } = feedbackSignal(event);
  return { success: preference > 0 ? 1 : 0, completion: completionReward(event) };
}

function completionReward(event: InteractionEvent): number {
  switch (event.type) {
    case 'complete':
    case 'rewatch':
      return 1;
    case 'watch':
      // A watch event without duration is counted as started, not finished: half the runtime.
      return completionOf(event) ?? 0.5;
    default:
      return completionOf(event) ?? 0;
  }
}

/**
 * The reward of one impression given every event attributed to it (in any order). The strongest
 * evidence decides success: a click followed by an early abandon (-1 beats +0.5) is a failure, a
 * click followed by a completion a success. Completion is the most that was watched.
 */
export function impressionReward(events: readonly InteractionEvent[]): Reward {
  let strongest = 0;
  let completion = 0;
  for (const event of events) {
    const reward = rewardOf(event);
    if (!reward) continue;
    const { preference } = feedbackSignal(event);
    if (Math.abs(preference) > Math.abs(strongest)) strongest = preference;
    if (reward.completion > completion) completion = reward.completion;
  }
  return { success: strongest > 0 ? 1 : 0, completion };
}
