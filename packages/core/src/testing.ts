// Fixtures for tests across the workspace: a catalogue item, an interaction event and a user's
// preferences with every required field filled, so a test states only the fields it is about.
// Imported as '@recsys/core/testing'; nothing on the served code path imports it.
import type { InteractionEvent, Item, UserPreferences } from './types.js';

/** The `updated_at` every fixture carries, fixed so runs are reproducible. */
export const TEST_UPDATED_AT = '2026-01-01T00:00:00Z';

/** An available English movie titled by its id, with no genres, cast, crew or regions unless `extra` says so. */
export function testItem(id: string, extra: Partial<Item> = {}): Item {
  return {
    item_id: id,
    title: id,
    content_type: 'movie',
    genres: [],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: [],
    available: true,
    updated_at: TEST_UPDATED_AT,
    ...extra,
  };
}

/** ISO-8601 time `ms` milliseconds before now. */
export const isoAgo = (ms: number): string => new Date(Date.now() - ms).toISOString();

let eventCounter = 0;
/**
 * A `complete` event one second ago, with an event id unique within the test file (`e1`, `e2`, ...);
 * `extra` overrides any field (type, timestamp, device, region, ...).
 */
export function testEvent(user: string, itemId: string | undefined, extra: Partial<InteractionEvent> = {}): InteractionEvent {
  return { event_id: `e${++eventCounter}`, user_id: user, item_id: itemId, type: 'complete', timestamp: isoAgo(1000), ...extra };
}

/** Preferences with nothing stated except what `extra` sets. */
export function testPreferences(extra: Partial<UserPreferences> = {}): UserPreferences {
  return {
    genres: [],
    languages: [],
    content_types: [],
    liked_item_ids: [],
    disliked_item_ids: [],
    friends: [],
    updated_at: TEST_UPDATED_AT,
    ...extra,
  };
}
