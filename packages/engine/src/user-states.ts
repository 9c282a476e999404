import type { Store, UserItemFeature, UserPreferences } from '@recsys/core';
import type { UserState } from '@recsys/ranking';

/** Recently served users' state, dropped when they act, so a request rarely reads the store twice. */
export class UserStateCache {
  private readonly states = new Map<string, { state: UserState; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  async get(userId: string): Promise<UserState> {
    const cached = this.states.get(userId);
    if (cached && this.now() - cached.at <= this.maxAgeMs) return cached.state;
    this.states.delete(userId);
    const [interactions, preferences] = await Promise.all([
      this.store.features.userItems(userId),
      this.store.users.getPreferences(userId),
    ]);
    const state: UserState = { userId, interactions: withStatedTastes(interactions, preferences), preferences };
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.states.size >= this.capacity) this.states.delete(this.states.keys().next().value!);
    this.states.set(userId, { state, at: this.now() });
    return state;
  }

  invalidate(userId: string): void {
    this.states.delete(userId);
  }
}

/**
 * Titles a user named at onboarding count as interactions: liked ones as a strong positive,
 * disliked ones as a rejection; both are known to the user and so never recommended back.
 */
export function withStatedTastes(interactions: UserItemFeature[], preferences: UserPreferences | undefined): UserItemFeature[] {
  if (!preferences || preferences.liked_item_ids.length + preferences.disliked_item_ids.length === 0) return interactions;
  const seen = new Set(interactions.map((i) => i.item_id));
  const at = Date.parse(preferences.updated_at) || 0;
  const stated = (ids: string[], preference: number) =>
    ids.filter((id) => !seen.has(id)).map((item_id) => ({ item_id, preference, events: 0, consumed: true, last_at: at }));
  return [...interactions, ...stated(preferences.liked_item_ids, 2), ...stated(preferences.disliked_item_ids, -2)];
}
