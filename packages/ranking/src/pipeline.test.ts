import type { Item } from '@recsys/core';
import { testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { rank, type RankingContext } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';

const item = (id: string, genres: string[], extra: Partial<Item> = {}) => testItem(id, { title: id.toUpperCase(), genres, year: 2010, ...extra });

// Ten sci-fi titles the user will like, ten popular dramas they will not.
const items = [
  ...Array.from({ length: 10 }, (_, i) => item(`scifi-${i}`, ['Sci-Fi'], { year: 1980 + i * 4 })),
  ...Array.from({ length: 10 }, (_, i) => item(`drama-${i}`, ['Drama'], { content_type: 'series', languages: ['fr'] })),
];
const catalog = new CatalogView(items);
const n = catalog.size;
const popularity = popularitySignal(
  Float32Array.from(items, (it) => (it.item_id.startsWith('drama') ? 10 : 1)),
  new Float32Array(n),
  new Float32Array(n).fill(5),
  new Int32Array(n),
);

/** A stand-in model: scores sci-fi rows 0.9 - row/100, dramas 0.05, for any user with history. */
const collaborative: CollaborativeSignal = {
  userVector: (user) => (user.interactions.length ? new Float32Array([1]) : undefined),
  candidates: () => Int32Array.from(items.keys()),
  score: (_v, rows) => Float32Array.from(rows, (row) => (items[row]!.item_id.startsWith('scifi') ? 0.9 - row / 100 : 0.05)),
  nearestConsumed: (_row, liked) => (liked.length ? { row: liked[0]!, similarity: 0.8 } : undefined),
};
const context: RankingContext = { catalog, popularity, collaborative: { signal: collaborative, source: 'mf_fallback' } };
const weights = { collaborative: 0.85, popularity: 0.1, trending: 0.05 };
const fan: UserState = {
  userId: 'fan',
  interactions: [{ item_id: 'scifi-0', preference: 3, events: 1, consumed: true, last_at: 0 }],
};

describe('rank', () => {
  it('orders by the strongest signal, drops watched items and explains with the signal that counted', () => {
    const result = rank(context, fan, { limit: 5, weights });
    expect(result.degraded).toBe(false);
    expect(result.items.map((r) => r.item.item_id)).toEqual(['scifi-1', 'scifi-2', 'scifi-3', 'scifi-4', 'scifi-5']);
    const top = result.items[0]!;
    expect(top.algorithm_source).toBe('mf_fallback');
    expect(top.explanation_reasons).toEqual(['because_you_watched: SCIFI-0 (0.80)', 'similar_users: 0.89']);
    expect(top.predicted_score).toBeGreaterThan(0);
    expect(top.confidence_interval[0]).toBeLessThanOrEqual(top.predicted_score);
    expect(top.diversity_category).toMatch(/^sci-fi\|19[89]0s\|/);
  });

  it('never lets a filtered item through, even when fewer than limit remain', () => {
    const series = rank(context, fan, { limit: 15, weights, contentTypes: ['series'] });
    expect(series.items).toHaveLength(10);
    expect(series.items.every((r) => r.item.content_type === 'series')).toBe(true);
    const none = rank(context, fan, { limit: 5, weights, languages: ['ja'] });
    expect(none.items).toEqual([]);
    const excluded = rank(context, fan, { limit: 19, weights, excludeItemIds: ['scifi-1', 'drama-3'] });
    const ids = excluded.items.map((r) => r.item.item_id);
    expect(ids).not.toContain('scifi-1');
    expect(ids).not.toContain('drama-3');
    expect(ids).not.toContain('scifi-0');
  });

  it('falls back to popularity, degraded, without a collaborative model', () => {
    const result = rank({ catalog, popularity }, fan, { limit: 3, weights });
    expect(result.degraded).toBe(true);
    expect(result.items.every((r) => r.item.item_id.startsWith('drama'))).toBe(true);
    expect(result.items[0]!.algorithm_source).toBe('popularity_fallback');
  });

  it('spreads genres and types as diversity grows', () => {
    const focused = rank(context, fan, { limit: 6, weights, diversity: 0 });
    const diverse = rank(context, fan, { limit: 6, weights, diversity: 0.8 });
    const dramas = (r: typeof focused) => r.items.filter((x) => x.item.genres.includes('Drama')).length;
    expect(dramas(focused)).toBe(0);
    expect(dramas(diverse)).toBeGreaterThan(0);
  });

  it('fills exploration slots with scored, labelled picks that pass the filters', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const result = rank(context, fan, { limit: 5, weights, explore: true, random, languages: ['en'] });
    const explored = result.items.filter((r) => r.algorithm_source === 'random_explore');
    expect(explored).toHaveLength(1);
    expect(Number.isFinite(explored[0]!.predicted_score)).toBe(true);
    expect(explored[0]!.explanation_reasons).toEqual(['explore: outside your usual picks']);
    expect(result.items).toHaveLength(5);
    expect(result.items.every((r) => r.item.languages.includes('en'))).toBe(true);
    expect(new Set(result.items.map((r) => r.item.item_id)).size).toBe(result.items.length);
  });

  it('reports predicted_score through the version\'s calibration, with the interval around it', () => {
    const calibration = { kind: 'platt' as const, a: 4, b: -3 };
    const raw = rank(context, fan, { limit: 3, weights }).items;
    const calibrated = rank({ ...context, calibration }, fan, { limit: 3, weights }).items;
    expect(calibrated.map((r) => r.item.item_id)).toEqual(raw.map((r) => r.item.item_id));
    calibrated.forEach((r, i) => {
      // Platt's convention: P = 1 / (1 + exp(a·score + b)).
      expect(r.predicted_score).toBeCloseTo(1 / (1 + Math.exp(4 * raw[i]!.predicted_score - 3)), 3);
      expect(r.confidence_interval[0]).toBeLessThanOrEqual(r.predicted_score);
      expect(r.confidence_interval[1]).toBeGreaterThanOrEqual(r.predicted_score);
    });
  });
});
