import type { InteractionEvent, Store, UserItemFeature, UserPreferences } from '@recsys/core';
import type { UserState } from '@recsys/ranking';
import { loadFriendActivity, type WithFriendActivity } from './context/social-signal.js';
import { CacheCounter } from './engine-stats.js';

/** What friends liked is re-read at least this often (their events do not invalidate this user's state). */
const FRIEND_ACTIVITY_MAX_AGE_MS = 10 * 60 * 1000;

/** A user's state as served: the ranking's view plus their latest events (for the context signals). */
export interface ServedUserState extends UserState, WithFriendActivity {
  /** The user's latest events by timestamp, oldest first, at most the cache's `recentEvents`. */
  recentEvents: readonly InteractionEvent[];
}

/** Recently served users' state, dropped when they act, so a request rarely reads the store twice. */
export class UserStateCache {
  private readonly states = new Map<string, { state: ServedUserState; at: number }>();
  /** Hits and misses, for the metrics endpoint. */
  readonly counter = new CacheCounter();

  constructor(
    private readonly store: Store,
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
    /** Latest events kept per user: enough for sessions, continuation and "next after". */
    private readonly recentEvents = 100,
  ) {}

  async get(userId: string): Promise<ServedUserState> {
    const cached = this.states.get(userId);
    const age = cached ? this.now() - cached.at : Number.POSITIVE_INFINITY;
    if (cached && age <= this.maxAgeMs && !(cached.state.friendActivity && age > FRIEND_ACTIVITY_MAX_AGE_MS)) {
      this.counter.hit();
      return cached.state;
    }
    this.counter.miss();
    this.states.delete(userId);
    const [interactions, preferences, events] = await Promise.all([
      this.store.features.userItems(userId),
      this.store.users.getPreferences(userId),
      this.store.events.forUser(userId),
    ]);
    const state: ServedUserState = {
      userId,
      interactions: withStatedTastes(interactions, preferences),
      preferences,
      recentEvents: latestEvents(events, this.recentEvents),
    };
    // Friends (at most 50) are read once preferences name them: "popular with your friends".
    const friendActivity = await loadFriendActivity(this.store.features, userId, preferences);
    if (friendActivity) state.friendActivity = friendActivity;
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.states.size >= this.capacity) this.states.delete(this.states.keys().next().value!);
    this.states.set(userId, { state, at: this.now() });
    return state;
  }

  get size(): number {
    return this.states.size;
  }

  invalidate(userId: string): void {
    this.states.delete(userId);
  }

  /** Drops every cached state that holds friends' likes: after an erasure none may keep the erased user's. */
  invalidateFriendActivity(): void {
    for (const [userId, entry] of this.states) if (entry.state.friendActivity) this.states.delete(userId);
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

/** The `limit` latest events by timestamp, oldest first (the log is in arrival order, not event order). */
export function latestEvents(events: readonly InteractionEvent[], limit: number): InteractionEvent[] {
  const timed = events.map((event, i) => ({ event, at: Date.parse(event.timestamp), i }));
  timed.sort((a, b) => (a.at || 0) - (b.at || 0) || a.i - b.i);
  return timed.slice(Math.max(0, timed.length - limit)).map((t) => t.event);
}
