import { testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { fairRerank, headRows } from './fairness.js';
import { rank, type RankingContext } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';

const item = (id: string, language: string) => testItem(id, { genres: ['Drama'], languages: [language], year: 2000 });

// 10 blockbusters (most positive users, English) and 30 tail titles (few users, half in Korean).
// The model likes the blockbusters most, as models trained on popular data do.
const items = [
  ...Array.from({ length: 10 }, (_, i) => item(`hit-${i}`, 'en')),
  ...Array.from({ length: 30 }, (_, i) => item(`tail-${i}`, i % 2 ? 'ko' : 'en')),
];
const catalog = new CatalogView(items);
const support = Float32Array.from(items, (it) => (it.item_id.startsWith('hit') ? 100 : 2));
const popularity = popularitySignal(support, new Float32Array(items.length), support, new Int32Array(items.length));
const model: CollaborativeSignal = {
  userVector: () => new Float32Array([1]),
  candidates: () => Int32Array.from(items.keys()),
  score: (_v, rows) => Float32Array.from(rows, (row) => (row < 10 ? 0.9 - row / 100 : 0.5 - row / 1000)),
  nearestConsumed: () => undefined,
};
const context: RankingContext = { catalog, popularity, collaborative: { signal: model, source: 'mf_fallback' } };
const user: UserState = { userId: 'u', interactions: [] };
const weights = { collaborative: 1, popularity: 0, trending: 0 };
const isHit = (id: string) => id.startsWith('hit');

describe('fairness-aware re-ranking', () => {
  it('takes the head from the popularity curve', () => {
    // 1060 positive users, 100 per hit: nine hits already hold 80 % of them, all ten hold 94 %.
    expect([...headRows(catalog, popularity)].reduce((a, b) => a + b, 0)).toBe(9);
    const head = headRows(catalog, popularity, 0.9);
    expect([...head.subarray(0, 10)].every((h) => h === 1)).toBe(true);
    expect([...head.subarray(10)].every((h) => h === 0)).toBe(true);
  });

  it('without a bound serves the relevance order: all hits first', () => {
    const ids = rank(context, user, { limit: 10, weights }).items.map((r) => r.item.item_id);
    expect(ids.every(isHit)).toBe(true);
    expect(rank(context, user, { limit: 10, weights, fairness: { maxPopularShare: 1 } }).items.map((r) => r.item.item_id)).toEqual(ids);
  });

  it('bounds the head share of every prefix, keeping the best hit first and the order within groups', () => {
    for (const share of [0.5, 0.3, 0]) {
      const ids = rank(context, user, { limit: 10, weights, fairness: { maxPopularShare: share, headShare: 0.9 } }).items.map((r) => r.item.item_id);
      expect(ids).toHaveLength(10);
      let hits = 0;
      ids.forEach((id, p) => {
        if (isHit(id)) hits++;
        expect(hits, `share ${share}, prefix ${p + 1}`).toBeLessThanOrEqual(Math.ceil(share * (p + 1) - 1e-9));
      });
      const hitOrder = ids.filter(isHit);
      expect(hitOrder).toEqual([...hitOrder].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))));
    }
    const half = rank(context, user, { limit: 10, weights, fairness: { maxPopularShare: 0.5, headShare: 0.9 } }).items;
    expect(half[0]!.item.item_id).toBe('hit-0');
    expect(half.filter((r) => isHit(r.item.item_id))).toHaveLength(5);
  });

  it('caps the share of one language', () => {
    const ids = rank(context, user, { limit: 10, weights, fairness: { maxLanguageShare: 0.5 } }).items.map((r) => r.item.item_id);
    const korean = ids.filter((id) => catalog.languageKeys[catalog.rowOf(id)!]![0] === 'ko');
    expect(korean.length).toBeGreaterThanOrEqual(5);
    let english = 0;
    ids.forEach((id, p) => {
      if (catalog.languageKeys[catalog.rowOf(id)!]![0] === 'en') english++;
      expect(english).toBeLessThanOrEqual(Math.ceil(0.5 * (p + 1)));
    });
  });

  it('fills the list from the head when the tail runs out', () => {
    const rows = Int32Array.of(0, 1, 2, 10);
    expect(fairRerank(catalog, popularity, rows, [0, 1, 2, 3], 4, { maxPopularShare: 0.25, headShare: 0.9 })).toEqual([0, 3, 1, 2]);
  });
});
