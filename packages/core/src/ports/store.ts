import type { InteractionEvent, Item, UserPreferences } from '../types.js';

/** The catalogue: the system of record for items. Removal only marks an item unavailable. */
export interface CatalogStore {
  upsert(items: Item[]): Promise<void>;
  get(itemId: string): Promise<Item | undefined>;
  /** Marks the item unavailable for serving; false when it does not exist. */
  remove(itemId: string): Promise<boolean>;
  /** Every item, available or not, in insertion order. */
  all(): Promise<Item[]>;
  count(): Promise<number>;
}

export interface AppendResult {
  /** Event ids appended by this call, durably persisted before the promise resolved. */
  accepted: string[];
  /** Event ids that were already in the log (idempotent retries); not appended again. */
  duplicates: string[];
}

/**
 * The events of `events` that `append` accepted, each id once (the first copy, as stored): what to
 * pass to `FeatureStore.record`, so live features match the ones a replay rebuilds.
 */
export function acceptedEvents(events: readonly InteractionEvent[], result: AppendResult): InteractionEvent[] {
  const pending = new Set(result.accepted);
  return events.filter((event) => pending.delete(event.event_id));
}

/** Append-only log of acknowledged events; the source every model is trained from. */
export interface EventLog {
  /** Appends the events whose `event_id` is new and resolves only once they are durable. */
  append(events: InteractionEvent[]): Promise<AppendResult>;
  has(eventId: string): Promise<boolean>;
  count(): Promise<number>;
  /** All events in append order. */
  scan(): AsyncIterable<InteractionEvent>;
  /** The events of one user in append order. */
  forUser(userId: string): Promise<InteractionEvent[]>;
}

export interface UserStore {
  getPreferences(userId: string): Promise<UserPreferences | undefined>;
  setPreferences(userId: string, preferences: UserPreferences): Promise<void>;
  /** Every user id known from preferences or events. */
  userIds(): Promise<string[]>;
}

/** What one user did with one item, aggregated through the feedback mapping. */
export interface UserItemFeature {
  item_id: string;
  /** Signed sum of feedback preferences (see feedbackSignal). */
  preference: number;
  /** Number of events that carried a signal. */
  events: number;
  consumed: boolean;
  /** Epoch milliseconds of the latest event. */
  last_at: number;
}

/** Per-item counters for popularity and trending. */
export interface ItemFeature {
  item_id: string;
  /** Users with a positive preference for the item. */
  positive_users: number;
  /** Sum of positive preferences, all time. */
  positive_weight: number;
  /** Exponentially decayed positive weight, valid at `trending_at`. */
  trending: number;
  trending_at: number;
}

/** Features derived from events, updated as soon as an event is acknowledged. */
export interface FeatureStore {
  /** Folds already-deduplicated events into user and item features. */
  record(events: InteractionEvent[]): Promise<void>;
  userItems(userId: string): Promise<UserItemFeature[]>;
  items(): Promise<ItemFeature[]>;
  /** Every user's features, for training. */
  allUsers(): AsyncIterable<[userId: string, items: UserItemFeature[]]>;
}

export interface Store {
  readonly catalog: CatalogStore;
  readonly events: EventLog;
  readonly users: UserStore;
  readonly features: FeatureStore;
  /** Resolves when the store has loaded (or replayed) its persisted state. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** False when the backing storage cannot be reached. */
  healthy(): Promise<boolean>;
}
