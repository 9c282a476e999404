import { topK } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import {
  boundedShareRerank,
  exposureByGroup,
  exposureDiscountedScores,
  exposureGini,
  gini,
  headItems,
  headTailGroups,
  itemExposure,
  longTailShare,
} from './exposure.js';

const LOG = [
  ['a', 'b'],
  ['a', 'c'],
  ['a', 'b'],
];

describe('gini', () => {
  it('matches hand-computed values', () => {
    expect(gini([1, 1, 1, 1])).toBe(0);
    expect(gini([0, 0, 0, 1])).toBeCloseTo(0.75, 12); // one item holds all: (n - 1) / n
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12); // Σ|xi − xj| = 20 over 2·n²·mean = 80
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });
});

describe('exposure of a served log', () => {
  it('counts slots, or discounts them by position', () => {
    expect(itemExposure(LOG)).toEqual(new Map([['a', 3], ['b', 2], ['c', 1]]));
    const log = itemExposure(LOG, { positionWeight: 'log' });
    expect(log.get('a')).toBeCloseTo(3, 12);
    expect(log.get('b')).toBeCloseTo(2 / Math.log2(3), 12);
  });

  it('counts never-served catalogue items as zero exposure in the Gini', () => {
    const exposure = itemExposure(LOG);
    // served only: [1, 2, 3] → 2·(1 + 4 + 9) / (3·6) − 4/3 = 2/9
    expect(exposureGini(exposure)).toBeCloseTo(2 / 9, 12);
    // with d unseen: [0, 1, 2, 3] → 2·20 / (4·6) − 5/4 = 5/12
    expect(exposureGini(exposure, ['a', 'b', 'c', 'd'])).toBeCloseTo(5 / 12, 12);
  });

  it('splits head and long tail at the cumulative popularity share', () => {
    const popularity = new Map([['a', 50], ['b', 30], ['c', 10], ['d', 6], ['e', 4]]);
    expect(headItems(popularity)).toEqual(new Set(['a', 'b'])); // 50 + 30 reach 80 % of 100
    expect(headItems(popularity, { headShare: 0.81 })).toEqual(new Set(['a', 'b', 'c']));
    expect(headItems(popularity, { headShare: 0 }).size).toBe(0);
    const head = new Set(['a', 'b']);
    expect(longTailShare(LOG, head)).toBeCloseTo(1 / 6, 12);
    const c = 1 / Math.log2(3);
    expect(longTailShare(LOG, head, { positionWeight: 'log' })).toBeCloseTo(c / (3 + 3 * c), 12);
  });

  it('shares exposure per group, splitting multi-group items', () => {
    const languages: Record<string, string[]> = { a: ['en'], b: ['en', 'fr'] };
    const shares = exposureByGroup(LOG, (id) => languages[id]);
    expect(shares.get('en')).toBeCloseTo(4 / 6, 12); // a 3 + half of b's 2
    expect(shares.get('fr')).toBeCloseTo(1 / 6, 12);
    expect(shares.get('unknown')).toBeCloseTo(1 / 6, 12); // c has no language
  });
});

describe('boundedShareRerank', () => {
  it('bounds the head share of every prefix while keeping the best allowed item first', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const groups = [1, 1, 1, 0, 0, 0];
    expect([...boundedShareRerank(scores, groups, 4, [1, 0.5])]).toEqual([0, 3, 1, 4]);
    expect([...boundedShareRerank(scores, groups, 6, 1)]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fills with the best remaining item when the bounded group cannot be avoided', () => {
    expect([...boundedShareRerank([0.9, 0.8, 0.7, 0.1], [1, 1, 1, 0], 4, [1, 0.5])]).toEqual([0, 3, 1, 2]);
  });

  it('skips excluded candidates and equals top-k when the bound does not bind', () => {
    const scores = [0.3, Number.NaN, 0.9, -Infinity, 0.5];
    expect([...boundedShareRerank(scores, [0, 0, 0, 0, 0], 10, 1)]).toEqual([2, 4, 0]);
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const many = Array.from({ length: 200 }, rand);
    const ids = many.map((_, i) => `i${i}`);
    const head = new Set(ids.filter((_, i) => i % 3 === 0));
    const g = headTailGroups(ids, head);
    expect([...boundedShareRerank(many, g, 20, [1, 1])]).toEqual([...topK(many, 20)]);
    const bounded = boundedShareRerank(many, g, 20, [1, 0.25]);
    let heads = 0;
    bounded.forEach((i, p) => {
      heads += g[i]!;
      expect(heads).toBeLessThanOrEqual(Math.ceil(0.25 * (p + 1)));
    });
    // Within each group the order is still by score: only the interleaving changed.
    for (const grp of [0, 1]) {
      const s = [...bounded].filter((i) => g[i] === grp).map((i) => many[i]!);
      expect(s).toEqual([...s].sort((a, b) => b - a));
    }
  });
});

describe('exposureDiscountedScores', () => {
  it('lowers over-exposed items more than rarely shown ones', () => {
    const out = exposureDiscountedScores([1, 1, -Infinity], [9, 0, 3], 0.5);
    expect(out[0]).toBeCloseTo(1 - 0.5 * Math.log1p(9 / 4), 6);
    expect(out[1]).toBe(1);
    expect(out[2]).toBe(-Infinity);
  });
});
