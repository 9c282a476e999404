import { testItem } from '@recsys/core/testing';
import { CatalogView, popularitySignal } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { exposureMetrics } from './exposure-report.js';

const items = Array.from({ length: 10 }, (_, i) => testItem(`m${i}`, { title: `M${i}`, languages: [] }));
const catalog = new CatalogView(items);
// m0 and m1 hold 90 % of the likes: the head.
const likes = Float32Array.from(items, (_it, row) => (row < 2 ? 45 : 10 / 8));
const popularity = popularitySignal(likes, new Float32Array(10), likes, new Int32Array(10));

describe('exposure metrics of the evaluation', () => {
  it('counts never-shown items and splits head from tail', () => {
    const headOnly = exposureMetrics([['m0', 'm1'], ['m0', 'm1']], catalog, popularity);
    expect(headOnly.long_tail_share).toBe(0);
    expect(headOnly.exposure_gini).toBeCloseTo(0.8, 12); // 2 of 10 items hold everything
    const spread = exposureMetrics([['m0', 'm2'], ['m1', 'm3'], ['m4', 'm5'], ['m6', 'm7'], ['m8', 'm9']], catalog, popularity);
    expect(spread.long_tail_share).toBeCloseTo(0.8, 12);
    expect(spread.exposure_gini).toBe(0);
  });
});
