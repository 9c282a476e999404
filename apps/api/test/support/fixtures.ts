// Small generated catalogue and audience for the API tests: anime fans and crime-drama fans.

export interface TestItem {
  item_id: string;
  title: string;
  content_type: 'movie' | 'tv_show' | 'series' | 'anime';
  genres: string[];
  languages: string[];
  year: number;
  rating_count: number;
  rating: number;
  plot: string;
}

export function testCatalogue(): TestItem[] {
  const items: TestItem[] = [];
  for (let i = 0; i < 30; i++) {
    items.push({
      item_id: `anime-${i}`,
      title: `Anime ${i}`,
      content_type: 'anime',
      genres: ['Animation', i % 2 ? 'Action' : 'Fantasy'],
      languages: ['ja'],
      year: 2000 + (i % 20),
      rating_count: 100 + i,
      rating: 7.5,
      plot: 'A young hero trains with a spirit sword to save the hidden village.',
    });
    items.push({
      item_id: `crime-${i}`,
      title: `Crime ${i}`,
      content_type: i % 2 ? 'series' : 'movie',
      genres: ['Crime', 'Drama'],
      languages: ['en'],
      year: 1990 + (i % 30),
      // Crime titles are the more popular ones, so popularity alone would rank them first.
      rating_count: 5000 + i,
      rating: 8,
      plot: 'A detective hunts a killer through the rainy streets of the city.',
    });
  }
  return items;
}

let eventCounter = 0;
export const nextEventId = () => `evt-${process.pid}-${++eventCounter}`;

/** Each fan completes a dozen titles of their taste; timestamps are in the recent past. */
export function audienceEvents(fans = 12): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const now = Date.now();
  for (let u = 0; u < fans; u++) {
    for (const [kind, prefix] of [
      ['anime-fan', 'anime'],
      ['crime-fan', 'crime'],
    ] as const) {
      for (let k = 0; k < 12; k++) {
        const i = (u * 5 + k * 2) % 30;
        events.push({
          event_id: nextEventId(),
          user_id: `${kind}-${u}`,
          item_id: `${prefix}-${i}`,
          type: 'complete',
          completion: 1,
          timestamp: new Date(now - (u * 12 + k) * 60_000).toISOString(),
        });
      }
    }
  }
  return events;
}
