import { CONTENT_TYPES, EVENT_TYPES, type ContentType } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from './dataset.js';
import { GENRES } from './vocabulary.js';

const now = new Date('2026-11-26T06:00:00Z');
const data = generateDemoDataset({ now });
const items = new Map(data.items.map((item) => [item.item_id, item]));
const DAY = 86_400_000;

describe('determinism', () => {
  it('gives the same dataset for the same seed, and seed 7 by default', () => {
    expect(generateDemoDataset({ seed: 7, now })).toEqual(data);
  });

  it('gives a different dataset for a different seed', () => {
    const other = generateDemoDataset({ seed: 8, now });
    expect(other.items.map((i) => i.title)).not.toEqual(data.items.map((i) => i.title));
    expect(other.events.map((e) => e.item_id)).not.toEqual(data.events.map((e) => e.item_id));
  });

  it('keeps the catalogue and each user history independent of the number of users', () => {
    const small = generateDemoDataset({ now, users: 30 });
    expect(small.items).toEqual(data.items);
    expect(small.users).toHaveLength(30);
    const first = (d: typeof data) => d.events.filter((e) => e.user_id === 'anime-fan-1');
    expect(first(small)).toEqual(first(data));
  });

  it('generates quickly', () => {
    const times = [0, 1, 2].map(() => {
      const start = performance.now();
      generateDemoDataset({ seed: 11, now });
      return performance.now() - start;
    });
    // The target is well under 200 ms; the bound leaves room for a busy test machine.
    expect(Math.min(...times)).toBeLessThan(500);
  });
});

describe('catalogue', () => {
  it('has 400-600 items of all four content types with ids by type', () => {
    expect(data.items.length).toBeGreaterThanOrEqual(400);
    expect(data.items.length).toBeLessThanOrEqual(600);
    expect(new Set(data.items.map((i) => i.item_id)).size).toBe(data.items.length);
    const prefix: Record<ContentType, string> = { movie: 'm', tv_show: 't', series: 's', anime: 'a' };
    for (const type of CONTENT_TYPES) {
      const ofType = data.items.filter((i) => i.content_type === type);
      expect(ofType.length).toBeGreaterThanOrEqual(50);
      for (const item of ofType) expect(item.item_id).toMatch(new RegExp(`^${prefix[type]}\\d{4}$`));
    }
  });

  it('fills every field with plausible values', () => {
    const titles = new Set<string>();
    for (const item of data.items) {
      titles.add(item.title);
      expect(item.available).toBe(true);
      expect(Number.isNaN(Date.parse(item.updated_at))).toBe(false);
      const sentences = item.plot?.split(/(?<=\.)\s+/) ?? [];
      expect(sentences.length).toBeGreaterThanOrEqual(1);
      expect(sentences.length).toBeLessThanOrEqual(3);
      expect(item.genres.length).toBeGreaterThanOrEqual(1);
      expect(item.genres.length).toBeLessThanOrEqual(3);
      expect(new Set(item.genres).size).toBe(item.genres.length);
      for (const g of item.genres) expect(GENRES).toContain(g);
      expect(item.languages.length).toBeGreaterThan(0);
      expect(item.cast.length).toBeGreaterThanOrEqual(3);
      expect(item.crew.length).toBeGreaterThanOrEqual(2);
      expect(item.regions.length).toBeGreaterThan(0);
      expect(item.year).toBeGreaterThanOrEqual(1975);
      expect(item.year).toBeLessThanOrEqual(2026);
      expect(item.release_date).toMatch(new RegExp(`^${item.year}-\\d{2}-\\d{2}$`));
      expect(item.rating).toBeGreaterThanOrEqual(5.5);
      expect(item.rating).toBeLessThanOrEqual(9.2);
      expect(Number.isInteger(item.rating_count) && item.rating_count! > 0).toBe(true);
      if (item.content_type === 'movie') {
        expect(item.duration_minutes).toBeGreaterThanOrEqual(80);
        expect(item.duration_minutes).toBeLessThanOrEqual(180);
        expect(item.episodes).toBeUndefined();
      } else {
        expect(item.duration_minutes).toBeGreaterThanOrEqual(20);
        expect(item.duration_minutes).toBeLessThanOrEqual(60);
        expect(item.episodes).toBeGreaterThanOrEqual(1);
      }
    }
    expect(titles.size).toBe(data.items.length);
  });

  it('speaks mostly English, with Japanese anime and Korean, Spanish and French titles', () => {
    const original = (type?: ContentType) =>
      data.items.filter((i) => !type || i.content_type === type).map((i) => i.languages[0]);
    const anime = original('anime');
    expect(anime.filter((l) => l === 'ja').length / anime.length).toBeGreaterThan(0.85);
    const live = data.items.filter((i) => i.content_type !== 'anime').map((i) => i.languages[0]);
    expect(live.filter((l) => l === 'en').length / live.length).toBeGreaterThan(0.5);
    for (const language of ['ko', 'es', 'fr']) expect(live.filter((l) => l === language).length).toBeGreaterThan(10);
  });

  it('has a long tail of popularity', () => {
    const counts = data.items.map((i) => i.rating_count!).sort((a, b) => b - a);
    const top = counts.slice(0, counts.length / 10).reduce((s, c) => s + c, 0);
    const all = counts.reduce((s, c) => s + c, 0);
    expect(top / all).toBeGreaterThan(0.4);
  });
});

describe('events', () => {
  const users = new Set(data.users.map((u) => u.user_id));
  /** Events that fail `ok`, so a failure names them instead of stopping at the first. */
  const failing = (ok: (e: (typeof data.events)[number], i: number) => boolean) =>
    data.events.filter((e, i) => !ok(e, i)).slice(0, 5);

  it('have unique demo ids and point at known users and items', () => {
    expect(new Set(data.events.map((e) => e.event_id)).size).toBe(data.events.length);
    expect(
      failing((e) => e.event_id.startsWith('demo-') && users.has(e.user_id) && items.has(e.item_id!)),
    ).toEqual([]);
    expect(failing((e) => (EVENT_TYPES as readonly string[]).includes(e.type))).toEqual([]);
  });

  it('lie in the 90 days before now, in order, and never before the item was released', () => {
    const end = now.getTime();
    expect(failing((e) => Date.parse(e.timestamp) <= end && Date.parse(e.timestamp) >= end - 90 * DAY)).toEqual([]);
    expect(failing((e, i) => i === 0 || e.timestamp >= data.events[i - 1]!.timestamp)).toEqual([]);
    const released = (id: string) => Date.parse(`${items.get(id)!.release_date}T00:00:00Z`);
    expect(failing((e) => Date.parse(e.timestamp) > released(e.item_id!))).toEqual([]);
    // Spread over the window, not bunched at one end.
    const first = Date.parse(data.events[0]!.timestamp);
    const last = Date.parse(data.events.at(-1)!.timestamp);
    expect(last - first).toBeGreaterThan(80 * DAY);
  });

  it('carry valid completions, ratings and dwell times', () => {
    expect(
      failing(
        (e) =>
          e.completion === undefined ||
          (e.completion >= 0 && e.completion <= 1 && e.watch_seconds! <= e.duration_seconds!),
      ),
    ).toEqual([]);
    expect(failing((e) => e.type !== 'watch' || e.completion !== undefined)).toEqual([]);
    expect(
      failing((e) => e.type !== 'rate' || (e.rating! >= 1 && e.rating! <= 5 && Number.isInteger(e.rating! * 2))),
    ).toEqual([]);
    expect(failing((e) => e.type !== 'dwell' || e.dwell_seconds! > 0)).toEqual([]);
  });

  it('use the realistic mix of event types', () => {
    const count = (type: string) => data.events.filter((e) => e.type === type).length;
    for (const type of ['impression', 'click', 'dwell', 'watch', 'complete', 'rate', 'save', 'skip', 'rewatch']) {
      expect(count(type), type).toBeGreaterThan(0);
    }
    expect(count('rewatch')).toBeLessThan(count('complete') / 5);
    const early = data.events.filter((e) => e.type === 'watch' && e.completion! < 0.1).length;
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(count('watch') / 3);
  });
});
