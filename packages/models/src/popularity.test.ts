import { describe, expect, it } from 'vitest';
import { ArtifactFormatError } from '@recsys/core';
import { ImplicitALS } from './als.js';
import { decayFactor, PopularityModel, type ItemCounters } from './popularity.js';

const DAY = 24 * 60 * 60 * 1000;
const HALF_LIFE = 7 * DAY;
const NOW = Date.UTC(2026, 0, 15);

const counters = (positive_users: number, trending = 0, trending_at = NOW): ItemCounters => ({
  positive_users,
  trending,
  trending_at,
});

describe('decayFactor', () => {
  it('halves once per half-life', () => {
    expect(decayFactor(0, HALF_LIFE)).toBe(1);
    expect(decayFactor(HALF_LIFE, HALF_LIFE)).toBeCloseTo(0.5, 12);
    expect(decayFactor(3 * HALF_LIFE, HALF_LIFE)).toBeCloseTo(0.125, 12);
  });
});

describe('PopularityModel', () => {
  it('ranks by positive users, with the catalogue prior lifting items that have no events', () => {
    const model = new PopularityModel(
      [counters(50), undefined, counters(3), undefined, undefined],
      // 10-point scale: item 1 is a well-known, well-rated title; item 3 as many votes but rated lower.
      [undefined, { rating: 9, rating_count: 1000 }, undefined, { rating: 4.5, rating_count: 1000 }, undefined],
    );
    expect([...model.rank(NOW)]).toEqual([0, 1, 3, 2, 4]);
    expect(model.popularity(1)).toBeCloseTo(Math.log1p(10), 12);
    expect(model.popularity(4)).toBe(0);
  });

  it('decays trending with the half-life and lets a fresh burst outrank older popularity', () => {
    const model = new PopularityModel([counters(10), counters(5, 50, NOW)], [], { halfLifeMs: HALF_LIFE });
    expect(model.trending(1, NOW + HALF_LIFE)).toBeCloseTo(25, 9);
    expect(model.trending(0, NOW)).toBe(0);
    expect([...model.rank(NOW)]).toEqual([1, 0]);
    expect([...model.rank(NOW + 10 * HALF_LIFE)]).toEqual([0, 1]);
    expect([...new PopularityModel([counters(10), counters(5, 50, NOW)], [], { trendingWeight: 0 }).rank(NOW)]).toEqual([0, 1]);
  });

  it('gives 1-based trending ranks that account for when each counter was last updated', () => {
    const model = new PopularityModel([
      counters(0, 40, NOW - 2 * HALF_LIFE), // 10 now
      counters(0, 12, NOW), // 12 now
      counters(100), // popular, never trending
      counters(0, 8, NOW - HALF_LIFE), // 4 now
      counters(0, 1, NOW - 3 * HALF_LIFE), // 0.125 now: below minTrending
    ]);
    expect([0, 1, 2, 3, 4].map((i) => model.trendingRank(i, NOW))).toEqual([2, 1, undefined, 3, undefined]);
    // Three half-lives later item 3 has decayed below one unit; the order of the others holds.
    expect([0, 1, 3].map((i) => model.trendingRank(i, NOW + 3 * HALF_LIFE))).toEqual([2, 1, undefined]);
  });

  it('round-trips through its artifact and refuses another kind', () => {
    const model = new PopularityModel(
      [counters(3, 5, NOW - DAY), counters(7), undefined, counters(1, 9, NOW)],
      [undefined, undefined, { rating: 4, rating_count: 300 }, undefined],
      { halfLifeMs: 3 * DAY, trendingWeight: 0.5 },
    );
    const loaded = PopularityModel.fromArtifact(model.toArtifact());
    expect(loaded.options).toEqual(model.options);
    expect([...loaded.rank(NOW)]).toEqual([...model.rank(NOW)]);
    for (let i = 0; i < 4; i++) {
      expect(loaded.popularity(i)).toBe(model.popularity(i));
      expect(loaded.trendingRank(i, NOW)).toBe(model.trendingRank(i, NOW));
    }
    const als = new ImplicitALS({ factors: 2, iterations: 0 });
    expect(() => PopularityModel.fromArtifact(als.toArtifact())).toThrow(ArtifactFormatError);
  });
});
