// Domain records exchanged through the HTTP API and stored by every adapter (snake_case, as on the wire).

export const CONTENT_TYPES = ['movie', 'tv_show', 'series', 'anime'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export interface Item {
  item_id: string;
  title: string;
  content_type: ContentType;
  plot?: string;
  genres: string[];
  languages: string[];
  cast: string[];
  crew: string[];
  keywords?: string[];
  release_date?: string;
  year?: number;
  rating?: number;
  rating_count?: number;
  regions: string[];
  duration_minutes?: number;
  episodes?: number;
  /** Optional externally computed plot embedding (e.g. a sentence transformer run by the backend). */
  embedding?: number[];
  /** False once the item was removed from serving; kept so history and models stay consistent. */
  available: boolean;
  updated_at: string;
}

export const EVENT_TYPES = [
  'impression',
  'click',
  'watch',
  'complete',
  'rate',
  'save',
  'skip',
  'rewatch',
  'search',
  'dwell',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface InteractionEvent {
  event_id: string;
  user_id: string;
  item_id?: string;
  type: EventType;
  /** ISO-8601 timestamp of when the user acted. */
  timestamp: string;
  watch_seconds?: number;
  duration_seconds?: number;
  completion?: number;
  rating?: number;
  dwell_seconds?: number;
  query?: string;
  result_item_ids?: string[];
  clicked_item_ids?: string[];
  refinement_of?: string;
  device?: string;
  session_id?: string;
  region?: string;
  /** IANA time zone of the user when they acted: where time-of-day and weekday are read. */
  timezone?: string;
  recommendation_id?: string;
  /** Set by the service when the event was acknowledged. */
  received_at?: string;
}

export interface UserPreferences {
  genres: string[];
  languages: string[];
  content_types: ContentType[];
  liked_item_ids: string[];
  disliked_item_ids: string[];
  age_bucket?: string;
  country?: string;
  gender?: string;
  friends: string[];
  updated_at: string;
}

export const ALGORITHM_SOURCES = [
  'ncf_primary',
  'mf_fallback',
  'story_similarity',
  'trending_boost',
  'popularity_fallback',
  'cold_start',
  'random_explore',
] as const;
export type AlgorithmSource = (typeof ALGORITHM_SOURCES)[number];
