import type { InteractionEvent, Item, UserPreferences } from '../types.js';
import type { LearningErasure, LearningStore } from './learning-store.js';

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
  /**
   * Event ids that were already in the log (idempotent retries), or that belonged to an erased user
   * (a late retry must not bring erased data back); not appended again.
   */
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
  /**
   * Retention: removes every event the log received before `epochMs` (by `received_at`, else
   * `timestamp`, as stamped at ingestion; the Redis log uses its append time, the same instant) and
   * resolves with how many. Features derived from them are not touched, and a retry of a dropped
   * event id is accepted as new again. Idempotent; appends may go on meanwhile.
   */
  dropBefore(epochMs: number): Promise<number>;
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

/** What `Store.eraseUser` removed. */
export interface ErasureReport {
  user_id: string;
  /** Events of the user removed from the event log. */
  events: number;
  /** True when the user had stored preferences, now removed. */
  preferences: boolean;
  /** User-item features of the user removed. */
  features: number;
  /** Impressions, attributions and experiment assignments removed (stores with `learning`). */
  learning?: LearningErasure;
}

export interface Store {
  readonly catalog: CatalogStore;
  readonly events: EventLog;
  readonly users: UserStore;
  readonly features: FeatureStore;
  /** Impressions, attribution, experiments and bandit state; absent: the service does not learn online. */
  readonly learning?: LearningStore;
  /**
   * Optional: `events.append` and `features.record` of the accepted events as one atomic step, so
   * an append can never succeed without its features (a retry would be a duplicate and the events
   * would never reach them). Callers use it instead of the two calls when present.
   */
  ingest?(events: InteractionEvent[]): Promise<AppendResult>;
  /** Resolves when the store has loaded (or replayed) its persisted state. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** False when the backing storage cannot be reached. */
  healthy(): Promise<boolean>;
  /**
   * Erases the user (GDPR right to erasure): their events, preferences and features (and, with
   * `learning`, their impressions, attributions and experiment assignments). Once it
   * resolves, nothing about the user remains in this store, on disk or in memory, and item counters
   * (popularity, trending) are as if the user's events had never been recorded. Kept: other users'
   * preferences that name the user (e.g. in `friends`), which are those users' data; and, where the
   * adapter says so, a non-reversible digest of each erased event id so a retry of one is a duplicate.
   * Events for the user appended while the erasure runs are ordered after it and are kept.
   * Idempotent: a call that rejected or was cut short by a crash is completed by calling again.
   * Not covered: a model version trained earlier may still hold a vector for the user until the
   * next retrain replaces it (the engine handles that), and the model registry is a separate port.
   */
  eraseUser(userId: string): Promise<ErasureReport>;
}
