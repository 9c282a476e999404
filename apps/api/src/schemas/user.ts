import { Type } from 'typebox';
import { Id, IdList, Strings } from './common.js';
import { ContentTypeSchema } from './item.js';

export const UserParams = Type.Object({ user_id: Id('User id') });

export const PreferencesInput = Type.Object(
  {
    genres: Type.Optional(Strings(50, 'Favourite genres')),
    languages: Type.Optional(Strings(50, 'Languages the user watches in')),
    content_types: Type.Optional(Type.Array(ContentTypeSchema, { maxItems: 4 })),
    liked_item_ids: Type.Optional(IdList(200, 'Titles the user says they liked')),
    disliked_item_ids: Type.Optional(IdList(200, 'Titles the user says they disliked')),
    age_bucket: Type.Optional(Type.String({ maxLength: 20, description: 'e.g. 18-24' })),
    country: Type.Optional(Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2' })),
    gender: Type.Optional(Type.String({ maxLength: 20 })),
    friends: Type.Optional(IdList(1000, 'User ids of friends')),
  },
  { additionalProperties: false },
);

export const Preferences = Type.Object({
  ...PreferencesInput.properties,
  genres: Type.Array(Type.String()),
  languages: Type.Array(Type.String()),
  content_types: Type.Array(Type.String()),
  liked_item_ids: Type.Array(Type.String()),
  disliked_item_ids: Type.Array(Type.String()),
  friends: Type.Array(Type.String()),
  updated_at: Type.String({ format: 'date-time' }),
});

export const UserExport = Type.Object({
  user_id: Type.String(),
  preferences: Type.Union([Preferences, Type.Null()]),
  interactions: Type.Array(Type.Object({}, { additionalProperties: true })),
  events: Type.Array(Type.Object({}, { additionalProperties: true })),
  story_evolution: Type.Optional(
    Type.Union([
      Type.Object(
        {
          half_life_days: Type.Number(),
          weekly: Type.Array(Type.Object({ week_start: Type.String(), weight: Type.Number(), themes: Type.Array(Type.String()) })),
          current_themes: Type.Array(Type.String()),
          drift: Type.Union([
            Type.Object({
              weeks: Type.Number(),
              since: Type.String(),
              cosine_distance: Type.Number(),
              rising: Type.Array(Type.String()),
              falling: Type.Array(Type.String()),
            }),
            Type.Null(),
          ]),
        },
        { description: 'How the user\'s taste in story themes moved: weekly snapshots and the drift over the last 4 weeks' },
      ),
      Type.Null(),
    ]),
  ),
  segment: Type.Optional(
    Type.Union([
      Type.Object(
        {
          segment: Type.Integer(),
          label: Type.String(),
          basis: Type.Array(Type.String()),
          served: Type.Boolean(),
        },
        { description: "The user segment the active model version places the user in; served while the user has no vector of their own" },
      ),
      Type.Null(),
    ]),
  ),
  learning: Type.Optional(
    Type.Union([
      Type.Object(
        {
          impressions: Type.Array(Type.Object({}, { additionalProperties: true }), {
            description: 'Items shown to the user, still held for attributing later events (the attribution window)',
          }),
          attributions: Type.Array(Type.Object({}, { additionalProperties: true }), {
            description: 'The user\'s events tied to the list, position, arm and variant that showed the item',
          }),
          assignments: Type.Record(Type.String(), Type.String(), { description: 'experiment_id -> variant the user was assigned to' }),
        },
        { description: 'What the continuous-learning state holds about the user' },
      ),
      Type.Null(),
    ]),
  ),
});

export const ErasureReport = Type.Object({
  user_id: Type.String(),
  events: Type.Integer({ description: 'Events removed from the event log' }),
  preferences: Type.Boolean({ description: 'Whether stored preferences were removed' }),
  features: Type.Integer({ description: 'Derived user-item features removed' }),
  learning: Type.Optional(
    Type.Object(
      {
        impressions: Type.Integer({ description: 'Recommendation impressions of the user removed' }),
        attributions: Type.Integer({ description: 'Attributions of the user\'s events removed' }),
        assignments: Type.Integer({ description: 'Experiment assignments removed' }),
      },
      { description: 'Learning state removed (aggregate experiment counters and bandit posteriors hold no user id and stay)' },
    ),
  ),
});
