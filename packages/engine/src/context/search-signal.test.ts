import { exactIndexFactory } from '@recsys/ann';
import type { InteractionEvent, Item } from '@recsys/core';
import { mulberry32 } from '@recsys/models';
import { CatalogView, popularitySignal, rank, type UserState } from '@recsys/ranking';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitStoryModel, StoryServing } from '../story.js';
import { searchIntents, searchSignal } from './search-signal.js';

const WORDS = {
  space: ['astronaut', 'spaceship', 'galaxy', 'planet', 'orbit', 'alien', 'rocket', 'asteroid'],
  romance: ['love', 'wedding', 'kiss', 'heart', 'bride', 'lovers', 'passion', 'marriage'],
  heist: ['robbery', 'vault', 'thief', 'bank', 'diamond', 'crew', 'safe', 'getaway'],
};
const COMMON = ['family', 'journey', 'secret', 'friend', 'city', 'young', 'life', 'world'];
const random = mulberry32(11);
const story = (id: string, topic: keyof typeof WORDS): Item => ({
  item_id: id,
  title: `Title ${id}`,
  content_type: 'movie',
  plot: Array.from({ length: 14 }, () => {
    const list = random() < 0.6 ? WORDS[topic] : COMMON;
    return list[Math.floor(random() * list.length)]!;
  }).join(' '),
  genres: [],
  languages: ['en'],
  cast: [],
  crew: [],
  regions: [],
  available: true,
  updated_at: '2026-01-01T00:00:00Z',
});
const items = (['romance', 'space', 'heist'] as const).flatMap((topic) => Array.from({ length: 12 }, (_, i) => story(`${topic}-${i}`, topic)));
const catalog = new CatalogView(items);
const n = catalog.size;
// Romance is the most popular, then space, then heists.
const popularity = popularitySignal(Float32Array.from({ length: n }, (_, r) => 1 - r / 1000), new Float32Array(n), new Float32Array(n).fill(5), new Int32Array(n));
const user: UserState = { userId: 'me', interactions: [] };
const weights = { collaborative: 0, popularity: 1, trending: 0 };
const NOW = Date.parse('2026-03-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
let next = 0;
const search = (query: string, extra: Partial<InteractionEvent> = {}): InteractionEvent => ({
  event_id: `s${next++}`,
  user_id: 'me',
  type: 'search',
  query,
  timestamp: minutesAgo(10),
  result_item_ids: ['romance-0', 'romance-1'],
  ...extra,
});

let model: Awaited<ReturnType<typeof fitStoryModel>>;
let story_: ReturnType<StoryServing['signal']>;
beforeAll(async () => {
  model = await fitStoryModel(items, { dimensions: 8 });
  story_ = new StoryServing(exactIndexFactory).signal(catalog, model);
});

describe('search intents', () => {
  it('weighs abandoned and refined searches as unmet intent, clicked ones less, and forgets old ones', () => {
    const abandoned = search('astronaut on a planet');
    const refinedFrom = search('bank', { timestamp: minutesAgo(12) });
    const refinement = search('bank vault robbery', { refinement_of: refinedFrom.event_id, clicked_item_ids: ['heist-1'] });
    const clicked = search('wedding', { clicked_item_ids: ['romance-3'] });
    // Clicked through a later watch event of one of its results, not through clicked_item_ids.
    const followed = search('kiss', { result_item_ids: ['romance-4'], timestamp: minutesAgo(30) });
    const watched: InteractionEvent = { event_id: 'w1', user_id: 'me', item_id: 'romance-4', type: 'watch', timestamp: minutesAgo(25) };
    const old = search('galaxy', { timestamp: new Date(NOW - 9 * 86_400_000).toISOString() });
    const intents = searchIntents([abandoned, refinedFrom, refinement, clicked, followed, watched, old], NOW);
    const byQuery = new Map(intents.map((i) => [i.query, i]));
    expect(byQuery.get('astronaut on a planet')!.outcome).toBe('abandoned');
    expect(byQuery.get('bank')!.outcome).toBe('refined');
    expect(byQuery.get('bank vault robbery')!.outcome).toBe('clicked');
    expect(byQuery.get('wedding')!.outcome).toBe('clicked');
    expect(byQuery.get('kiss')!.outcome).toBe('clicked');
    expect(byQuery.has('galaxy')).toBe(false);
    expect(byQuery.get('astronaut on a planet')!.weight).toBeGreaterThan(byQuery.get('bank')!.weight);
    expect(byQuery.get('bank')!.weight).toBeGreaterThan(byQuery.get('wedding')!.weight);
  });

  it('decays with time', () => {
    const [fresh] = searchIntents([search('rocket', { timestamp: minutesAgo(5) })], NOW);
    const [dayOld] = searchIntents([search('rocket', { timestamp: minutesAgo(24 * 60) })], NOW);
    expect(dayOld!.weight).toBeCloseTo(fresh!.weight / 2, 1);
  });

  it('survives absurd queries: whitespace only is none, thousands of characters are cut', () => {
    expect(searchIntents([search('   \n\t ')], NOW)).toEqual([]);
    const [long] = searchIntents([search(`astronaut ${'x'.repeat(50_000)}`)], NOW);
    expect(long!.query.length).toBeLessThanOrEqual(200);
  });
});

describe('search signal', () => {
  it('after an abandoned search, boosts the titles that match it, naming the query', () => {
    const intents = searchIntents([search('astronaut rocket to another planet')], NOW);
    const signal = searchSignal(catalog, story_, model, intents)!;
    expect(signal).toBeDefined();
    const without = rank({ catalog, popularity }, user, { limit: 5, weights });
    expect(without.items.every((r) => r.item.item_id.startsWith('romance'))).toBe(true);
    const result = rank({ catalog, popularity, contextSignals: [signal] }, user, { limit: 5, weights });
    expect(result.items.every((r) => r.item.item_id.startsWith('space'))).toBe(true);
    expect(result.items[0]!.explanation_reasons).toContain('matches your search: astronaut rocket to another planet');
  });

  it('is off without searches, without a text model, or when no query word is known', () => {
    expect(searchSignal(catalog, story_, model, [])).toBeUndefined();
    const intents = searchIntents([search('astronaut')], NOW);
    expect(searchSignal(catalog, undefined, undefined, intents)).toBeUndefined();
    expect(searchSignal(catalog, story_, model, searchIntents([search('zzqx blorft')], NOW))).toBeUndefined();
  });

  it('a satisfied search boosts less than an abandoned one, and shown-but-skipped results less than the rest', () => {
    const rows = Int32Array.from({ length: 12 }, (_, i) => 24 + i); // the heists
    const score = (events: InteractionEvent[]) => {
      const values = searchSignal(catalog, story_, model, searchIntents(events, NOW))!.score(rows);
      return Array.from(values);
    };
    const abandoned = score([search('bank vault robbery thief', { result_item_ids: ['heist-0'] })]);
    const clicked = score([search('bank vault robbery thief', { result_item_ids: ['heist-0'], clicked_item_ids: ['heist-0'] })]);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(abandoned)).toBeGreaterThan(2 * sum(clicked));
    const others = abandoned.slice(1).filter((x) => x > 0);
    expect(abandoned[0]!).toBeLessThan(Math.max(...others));
  });

  it('brings matching titles in as candidates', () => {
    const signal = searchSignal(catalog, story_, model, searchIntents([search('diamond robbery getaway')], NOW))!;
    const candidates = Array.from(signal.candidates(6), (row) => items[row]!.item_id);
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.filter((id) => id.startsWith('heist')).length).toBeGreaterThanOrEqual(5);
  });
});
