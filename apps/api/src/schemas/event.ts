import { EVENT_TYPES } from '@recsys/core';
import { Type } from 'typebox';
import { Id, IdList, MAX_BATCH } from './common.js';
import { DeviceSchema, MAX_QUERY_LENGTH, RegionSchema, TimezoneSchema } from './request-context.js';

export const EventInput = Type.Object(
  {
    event_id: Id('Unique id; a retry with the same id is counted once'),
    user_id: Id('User id'),
    item_id: Type.Optional(Id('Item the event is about (required for all types but search)')),
    type: Type.Enum([...EVENT_TYPES]),
    timestamp: Type.Optional(Type.String({ format: 'date-time', description: 'When the user acted; defaults to receipt time' })),
    watch_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    duration_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    completion: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    rating: Type.Optional(Type.Number({ minimum: 1, maximum: 5, multipleOf: 0.5 })),
    dwell_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    query: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH, description: `Search text, at most ${MAX_QUERY_LENGTH} characters` })),
    result_item_ids: Type.Optional(IdList(500, 'Items a search returned')),
    clicked_item_ids: Type.Optional(IdList(500, 'Search results the user clicked')),
    refinement_of: Type.Optional(Id('event_id of the search this one refines')),
    device: Type.Optional(DeviceSchema),
    session_id: Type.Optional(Id('Client session id')),
    region: Type.Optional(RegionSchema),
    timezone: Type.Optional(TimezoneSchema),
    recommendation_id: Type.Optional(Id('request_id of the recommendation list that showed the item')),
  },
  { additionalProperties: false },
);

export const EventBatch = Type.Object(
  { events: Type.Array(EventInput, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

export const EventBatchResult = Type.Object({
  accepted: Type.Integer({ description: 'Events stored by this call' }),
  duplicates: Type.Integer({ description: 'Events whose event_id was already stored (not stored again)' }),
});
