import type { Attribution, Impression } from '@recsys/core';
import type { LearningLoop } from './learning-loop.js';

// The learning store's part of a user's data export: the impressions it still holds (lists served
// within the attribution window), the events attributed to them and the experiment variants the
// user was assigned to. Aggregate counters and bandit evidence hold no user id and are not part of it.

export interface UserLearningExport {
  /** Items shown to the user that are still held for attribution, oldest list first. */
  impressions: Impression[];
  /** The user's events tied to the list, position, arm and variant that showed the item, oldest first. */
  attributions: Attribution[];
  /** experiment_id -> variant the user was assigned to. */
  assignments: Record<string, string>;
}

/** What the learning store holds about the user (buffered impressions written first); null without a learning store. */
export async function exportLearning(loop: LearningLoop | undefined, userId: string): Promise<UserLearningExport | null> {
  if (!loop) return null;
  await loop.flush().catch(() => undefined);
  const [impressions, attributions, assignments] = await Promise.all([
    loop.store.impressionsOfUser(userId),
    loop.store.attributionsOf(userId),
    loop.store.assignmentsOf(userId),
  ]);
  return { impressions, attributions, assignments };
}

/** Whether the export holds anything. */
export function holdsAnything(data: UserLearningExport | null): boolean {
  return data !== null && (data.impressions.length > 0 || data.attributions.length > 0 || Object.keys(data.assignments).length > 0);
}
