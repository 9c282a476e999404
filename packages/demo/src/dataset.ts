// The whole demo dataset: catalogue, users spread over the personas, and their event histories.

import type { InteractionEvent, Item, UserPreferences } from '@recsys/core';
import { generateCatalogue } from './catalogue.js';
import { generateUserHistory, type HistoryOptions } from './interactions.js';
import { DEMO_PERSONAS, type DemoPersona } from './personas.js';
import { Rng, hashSeed } from './random.js';
import { GENRES } from './vocabulary.js';

export interface DemoOptions {
  /** Default 7. */
  seed?: number;
  /** Number of synthetic users, spread evenly over the personas. Default 200. */
  users?: number;
  /** End of the 90-day event window. Default: the current time rounded down to the hour. */
  now?: Date;
}

export interface DemoUser {
  user_id: string;
  persona: string;
  preferences: UserPreferences;
}

export interface DemoDataset {
  items: Item[];
  users: DemoUser[];
  /** Sorted by timestamp. */
  events: InteractionEvent[];
}

export const DEMO_DEFAULT_SEED = 7;
export const DEMO_DEFAULT_USERS = 200;
export const DEMO_WINDOW_DAYS = 90;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Sampling weight grows sublinearly with rating_count: popular items are met more, not exclusively. */
const POPULARITY_EXPONENT = 0.6;

/**
 * Deterministic for a given seed and `now`. Each part draws from its own seeded stream, so the
 * catalogue does not depend on the number of users, and a user's history does not depend on others.
 */
export function generateDemoDataset(options: DemoOptions = {}): DemoDataset {
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const userCount = options.users ?? DEMO_DEFAULT_USERS;
  const nowMs = (options.now ?? new Date(Math.floor(Date.now() / HOUR) * HOUR)).getTime();
  const windowMs = DEMO_WINDOW_DAYS * DAY;
  const windowStart = new Date(nowMs - windowMs).toISOString();

  const items = generateCatalogue(new Rng(hashSeed('catalogue', seed)), { updatedAt: windowStart });

  // Only items released before the window's end can be watched; upcoming ones stay cold.
  const releaseMs = (item: Item) => Date.parse(`${item.release_date}T00:00:00Z`);
  const watchable = items.filter((item) => releaseMs(item) <= nowMs - 2 * DAY);
  const releasedAt = Float64Array.from(watchable, releaseMs);
  const popularity = Float64Array.from(watchable, (item) => (item.rating_count ?? 1) ** POPULARITY_EXPONENT);

  const historyOptions: HistoryOptions = {
    seed,
    nowMs,
    windowMs,
    onTasteShare: 0.85,
    minInteractions: 15,
    maxInteractions: 40,
  };
  const users: DemoUser[] = [];
  const events: InteractionEvent[] = [];
  const times: number[] = [];
  for (let k = 0; k < userCount; k++) {
    const personaIndex = k % DEMO_PERSONAS.length;
    const persona = DEMO_PERSONAS[personaIndex] as DemoPersona;
    const number = Math.floor(k / DEMO_PERSONAS.length) + 1;
    const user_id = `${persona.id}-${number}`;
    const rng = new Rng(hashSeed(user_id, seed));
    const peers = Math.floor((userCount - 1 - personaIndex) / DEMO_PERSONAS.length) + 1;
    const preferences = initialPreferences(rng, persona, number, peers, windowStart);
    const country = preferences.country ?? 'US';
    const history = generateUserHistory(
      rng, user_id, preferences, country, watchable, popularity, releasedAt, historyOptions,
    );
    // What the user told onboarding agrees with what they later did.
    preferences.liked_item_ids = history.loved.slice(0, 3);
    preferences.disliked_item_ids = history.rejected.slice(0, 2);
    users.push({ user_id, persona: persona.id, preferences });
    for (let e = 0; e < history.events.length; e++) {
      events.push(history.events[e] as InteractionEvent);
      times.push(history.times[e] as number);
    }
  }
  const order = Array.from(events.keys()).sort(
    (a, b) => (times[a] as number) - (times[b] as number) || compare(events[a]!.event_id, events[b]!.event_id),
  );
  return { items, users, events: order.map((i) => events[i] as InteractionEvent) };
}

function initialPreferences(
  rng: Rng,
  persona: DemoPersona,
  number: number,
  peers: number,
  updatedAt: string,
): UserPreferences {
  const genres = persona.random_genres ? rng.sample(GENRES, persona.random_genres) : [...persona.genres];
  const others = Array.from({ length: peers }, (_, i) => i + 1).filter((n) => n !== number);
  return {
    genres,
    languages: [...persona.languages],
    content_types: [...persona.content_types],
    liked_item_ids: [],
    disliked_item_ids: [],
    age_bucket: rng.pick(persona.age_buckets),
    country: rng.pick(persona.countries),
    // Friends share the persona, as people who recommend things to each other tend to.
    friends: rng.sample(others, rng.int(0, 3)).map((n) => `${persona.id}-${n}`),
    updated_at: updatedAt,
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
