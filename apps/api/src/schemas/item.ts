import { CONTENT_TYPES } from '@recsys/core';
import { Type } from 'typebox';
import { Id, Strings } from './common.js';

export const ContentTypeSchema = Type.Enum([...CONTENT_TYPES], { description: 'movie, tv_show, series or anime' });

export const ItemInput = Type.Object(
  {
    item_id: Id('Catalogue id of the title'),
    title: Type.String({ minLength: 1, maxLength: 500 }),
    content_type: ContentTypeSchema,
    plot: Type.Optional(Type.String({ maxLength: 100_000 })),
    genres: Type.Optional(Strings(50, 'Genres, e.g. ["Sci-Fi", "Drama"]')),
    languages: Type.Optional(Strings(50, 'ISO 639-1 codes, e.g. ["en", "ja"]')),
    cast: Type.Optional(Strings(500, 'Cast names')),
    crew: Type.Optional(Strings(500, 'Crew names (directors, writers, studios)')),
    keywords: Type.Optional(Strings(200, 'Free keywords or themes')),
    release_date: Type.Optional(Type.String({ pattern: '^\\d{4}(-\\d{2}(-\\d{2})?)?$', description: 'YYYY, YYYY-MM or YYYY-MM-DD' })),
    year: Type.Optional(Type.Integer({ minimum: 1870, maximum: 2100 })),
    rating: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Audience rating on a 0-5 or 0-10 scale' })),
    rating_count: Type.Optional(Type.Integer({ minimum: 0 })),
    regions: Type.Optional(Strings(300, 'Regions where the title is available (ISO 3166-1 alpha-2)')),
    duration_minutes: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
    episodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    embedding: Type.Optional(
      Type.Array(Type.Number(), { minItems: 1, maxItems: 4096, description: 'Externally computed plot embedding' }),
    ),
    available: Type.Optional(Type.Boolean({ description: 'False to keep the item but stop serving it' })),
  },
  { additionalProperties: false },
);

export const Item = Type.Object(
  {
    ...ItemInput.properties,
    genres: Type.Array(Type.String()),
    languages: Type.Array(Type.String()),
    cast: Type.Array(Type.String()),
    crew: Type.Array(Type.String()),
    regions: Type.Array(Type.String()),
    available: Type.Boolean(),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Item' },
);

export const ItemParams = Type.Object({ item_id: Id('Catalogue id of the title') });
