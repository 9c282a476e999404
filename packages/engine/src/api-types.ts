import type { StoryEvolutionExport } from '@recsys/content';
import type { AlgorithmSource, ContentType, InteractionEvent, UserItemFeature, UserPreferences } from '@recsys/core';
import type { SegmentExport } from './segments/segment-context.js';
import type { UserLearningExport } from './learning-export.js';
import type { Device } from './context/request-context.js';

export interface RecommendationRequest {
  user_id: string;
  limit?: number;
  content_types?: ContentType[];
  languages?: string[];
  genres?: string[];
  exclude_item_ids?: string[];
  /** The client's kind of screen; per-device shifts read it. */
  device?: Device;
  session_id?: string;
  /** IANA time zone of the user (e.g. "Asia/Tokyo"): where time of day, weekday and season are read. */
  timezone?: string;
  /** Region code of the user (e.g. a country), for regional signals. */
  region?: string;
  /**
   * The moment to recommend for (ISO-8601), by default now; an offset in it ("...+09:00") gives the
   * user's local time when `timezone` is absent. The engine clamps a future moment to now.
   */
  timestamp?: string;
  diversity?: number;
  explore?: boolean;
  /** Largest share of head (popular) items in every prefix of the list, 0-1 (fairness-aware re-ranking). */
  max_popular_share?: number;
  /** Largest share of any one language in every prefix of the list, 0-1. */
  max_language_share?: number;
}

export interface RecommendedItem {
  item_id: string;
  title: string;
  content_type: ContentType;
  genres: string[];
  rank: number;
  predicted_score: number;
  confidence_interval: [number, number];
  explanation_reasons: string[];
  algorithm_source: AlgorithmSource;
  experiment_id: string;
  diversity_category: string;
}

export interface RecommendationResponse {
  request_id: string;
  user_id: string;
  model_version: string | null;
  experiment_id: string;
  variant: string;
  degraded: boolean;
  generated_at: string;
  items: RecommendedItem[];
}

export type SimilarityMode = 'collaborative' | 'hybrid' | 'story';

export interface SimilarItem {
  item_id: string;
  title: string;
  content_type: ContentType;
  genres: string[];
  score: number;
}

export interface UserExport {
  user_id: string;
  preferences: UserPreferences | null;
  interactions: UserItemFeature[];
  events: InteractionEvent[];
  /** Weekly story themes and recent drift, replayed from the events; null without a story model. */
  story_evolution?: StoryEvolutionExport | null;
  /** The segment the active version places the user in (cold start); null when it cannot place them. */
  segment?: SegmentExport | null;
  /** What the learning store holds about the user; null when the engine keeps no learning state. */
  learning?: UserLearningExport | null;
}
