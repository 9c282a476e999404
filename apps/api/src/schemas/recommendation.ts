import { ALGORITHM_SOURCES } from '@recsys/core';
import { Type } from 'typebox';
import { Id, IdList, MAX_BATCH, Strings } from './common.js';
import { ContentTypeSchema } from './item.js';
import { DeviceSchema, MomentSchema, RegionSchema, TimezoneSchema } from './request-context.js';

export const MAX_LIMIT = 100;

const Limit = Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 10, description: 'Number of items (1-100)' });
const Diversity = Type.Number({ minimum: 0, maximum: 1, description: '0 = pure relevance, 1 = widest spread' });
const Explore = Type.Boolean({ description: 'Reserve a tenth of the slots for exploration' });
const MaxPopularShare = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'Fairness: largest share of popular (head) titles in every prefix of the list; 1 = no bound',
});
const MaxLanguageShare = Type.Number({ minimum: 0, maximum: 1, description: 'Fairness: largest share of one language in every prefix of the list' });
const Device = DeviceSchema;

/** Query string of GET /v1/users/{user_id}/recommendations: lists are comma-separated. */
export const RecommendationQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    content_types: Type.Optional(Type.String({ maxLength: 200, description: 'Comma-separated: movie,tv_show,series,anime' })),
    languages: Type.Optional(Type.String({ maxLength: 500, description: 'Comma-separated language codes' })),
    genres: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated genres' })),
    exclude_item_ids: Type.Optional(Type.String({ maxLength: 20_000, description: 'Comma-separated item ids never to return' })),
    device: Type.Optional(Device),
    session_id: Type.Optional(Id('Client session id')),
    timezone: Type.Optional(TimezoneSchema),
    region: Type.Optional(RegionSchema),
    timestamp: Type.Optional(MomentSchema),
    diversity: Type.Optional(Diversity),
    explore: Type.Optional(Explore),
    max_popular_share: Type.Optional(MaxPopularShare),
    max_language_share: Type.Optional(MaxLanguageShare),
  },
  { additionalProperties: false },
);

export const RecommendationBody = Type.Object(
  {
    user_id: Id('User id'),
    limit: Type.Optional(Limit),
    content_types: Type.Optional(Type.Array(ContentTypeSchema, { maxItems: 4 })),
    languages: Type.Optional(Strings(50, 'Language codes')),
    genres: Type.Optional(Strings(50, 'Genres')),
    exclude_item_ids: Type.Optional(IdList(MAX_BATCH, 'Item ids never to return')),
    diversity: Type.Optional(Diversity),
    explore: Type.Optional(Explore),
    max_popular_share: Type.Optional(MaxPopularShare),
    max_language_share: Type.Optional(MaxLanguageShare),
    context: Type.Optional(
      Type.Object(
        {
          device: Type.Optional(Device),
          session_id: Type.Optional(Id('Client session id')),
          region: Type.Optional(RegionSchema),
          timezone: Type.Optional(TimezoneSchema),
          timestamp: Type.Optional(MomentSchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RecommendedItem = Type.Object({
  item_id: Type.String(),
  title: Type.String(),
  content_type: Type.String(),
  genres: Type.Array(Type.String()),
  rank: Type.Integer(),
  predicted_score: Type.Number({ minimum: 0, maximum: 1 }),
  confidence_interval: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
  explanation_reasons: Type.Array(Type.String()),
  algorithm_source: Type.Enum([...ALGORITHM_SOURCES]),
  experiment_id: Type.String(),
  diversity_category: Type.String({ description: 'genre|decade|popularity tier' }),
});

export const RecommendationResponse = Type.Object({
  request_id: Type.String(),
  user_id: Type.String(),
  model_version: Type.Union([Type.String(), Type.Null()]),
  experiment_id: Type.String(),
  variant: Type.String(),
  degraded: Type.Boolean({ description: 'True when served from the popularity fallback' }),
  generated_at: Type.String({ format: 'date-time' }),
  items: Type.Array(RecommendedItem),
});

export const SimilarQuery = Type.Object(
  {
    mode: Type.Optional(Type.Enum(['collaborative', 'hybrid', 'story'], { default: 'hybrid' })),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);

export const SimilarResponse = Type.Object({
  item_id: Type.String(),
  mode: Type.String(),
  items: Type.Array(
    Type.Object({
      item_id: Type.String(),
      title: Type.String(),
      content_type: Type.String(),
      genres: Type.Array(Type.String()),
      score: Type.Number(),
    }),
  ),
});
