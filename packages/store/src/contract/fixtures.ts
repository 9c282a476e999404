import type { Item, UserPreferences } from '@recsys/core';

export function item(item_id: string, title = item_id): Item {
  return {
    item_id,
    title,
    content_type: 'movie',
    genres: ['Drama'],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: ['US'],
    available: true,
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

export function prefs(genres: string[]): UserPreferences {
  return {
    genres,
    languages: ['en'],
    content_types: ['anime'],
    liked_item_ids: [],
    disliked_item_ids: [],
    friends: [],
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

export function byItemId<T extends { item_id: string }>(features: readonly T[]): T[] {
  return [...features].sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0));
}

/**
 * Features sorted by item with their sums rounded to 9 significant digits: events folded in a
 * different order (concurrent replicas) add the same floats in another order, which may change the
 * last bit.
 */
export function comparableItems<T extends { item_id: string; positive_weight: number; trending: number }>(features: readonly T[]): T[] {
  const round = (x: number) => Number(x.toPrecision(9));
  return byItemId(features).map((f) => ({ ...f, positive_weight: round(f.positive_weight), trending: round(f.trending) }));
}
