import type { StoryEvolutionExport } from '@recsys/content';
import type { AlgorithmSource, ContentType, InteractionEvent, UserItemFeature, UserPreferences } from '@recsys/core';

export interface RecommendationRequest {
  user_id: string;
  limit?: number;
  content_types?: ContentType[];
  languages?: string[];
  genres?: string[];
  exclude_item_ids?: string[];
  device?: string;
  session_id?: string;
  diversity?: number;
  explore?: boolean;
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
}
