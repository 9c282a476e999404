import { testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import type { ContextSignal } from './context-signal.js';
import { rank, type RankingContext } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';

const item = (id: string, genres: string[]) => testItem(id, { title: id.toUpperCase(), genres });

// Ten thrillers the model likes a lot, ten comedies it likes a little.
const items = [
  ...Array.from({ length: 10 }, (_, i) => item(`thriller-${i}`, ['Thriller'])),
  ...Array.from({ length: 10 }, (_, i) => item(`comedy-${i}`, ['Comedy'])),
];
const catalog = new CatalogView(items);
const n = catalog.size;
const popularity = popularitySignal(new Float32Array(n).fill(1), new Float32Array(n), new Float32Array(n).fill(5), new Int32Array(n));
const collaborative: CollaborativeSignal = {
  userVector: () => new Float32Array([1]),
  candidates: () => Int32Array.from(items.keys()),
  score: (_v, rows) => Float32Array.from(rows, (row) => (row < 10 ? 0.6 - row / 100 : 0.3 - row / 1000)),
  nearestConsumed: () => undefined,
};
const base: RankingContext = { catalog, popularity, collaborative: { signal: collaborative, source: 'mf_fallback' } };
const weights = { collaborative: 0.85, popularity: 0.1, trending: 0.05 };
const user: UserState = {
  userId: 'u',
  interactions: [{ item_id: 'thriller-0', preference: 2, events: 3, consumed: true, last_at: 0 }],
};

/** A planted "lighter after thrillers" mood: comedies score 1, everything else 0. */
const mood: ContextSignal = {
  name: 'mood',
  defaultWeight: 0.5,
  score: (rows) => Float32Array.from(rows, (row) => (row >= 10 ? 1 : 0)),
  reason: () => 'mood: lighter after thrillers',
};

describe('rank with context signals', () => {
  it('a context signal boosts the rows it scores and names itself in their explanations', () => {
    const without = rank(base, user, { limit: 5, weights });
    expect(without.items.every((r) => r.item.genres[0] === 'Thriller')).toBe(true);
    const withMood = rank({ ...base, contextSignals: [mood] }, user, { limit: 5, weights });
    expect(withMood.items.every((r) => r.item.genres[0] === 'Comedy')).toBe(true);
    expect(withMood.items[0]!.explanation_reasons[0]).toBe('mood: lighter after thrillers');
    // Without a source of its own the signal leaves algorithm_source to the model signals.
    expect(withMood.items[0]!.algorithm_source).toBe('mf_fallback');
  });

  it('reorders by the boost but keeps predicted_score the models\' calibrated estimate', () => {
    const byId = (result: ReturnType<typeof rank>) => new Map(result.items.map((r) => [r.item.item_id, r.predicted_score]));
    const plain = byId(rank(base, user, { limit: 20, weights }));
    const boosted = byId(rank({ ...base, contextSignals: [mood] }, user, { limit: 20, weights }));
    expect(boosted.size).toBe(plain.size);
    for (const [id, score] of boosted) expect(score).toBe(plain.get(id));
  });

  it('the variant weight overrides the default, and weight 0 turns the signal off', () => {
    const off = rank({ ...base, contextSignals: [mood] }, user, { limit: 5, weights: { ...weights, context: { mood: 0 } } });
    expect(off.items.every((r) => r.item.genres[0] === 'Thriller')).toBe(true);
    expect(off.items.flatMap((r) => r.explanation_reasons)).not.toContain('mood: lighter after thrillers');
  });

  it('brings in its own candidates and may unblock a watched row, while other hard filters still hold', () => {
    const continuation: ContextSignal = {
      name: 'continuation',
      defaultWeight: 1,
      source: 'story_similarity',
      score: (rows) => Float32Array.from(rows, (row) => (row === 0 ? 1 : 0)),
      candidates: () => [0],
      unblockedRows: () => [0],
      reason: () => 'continue: THRILLER-0',
    };
    const result = rank({ ...base, contextSignals: [continuation] }, user, { limit: 3, weights });
    expect(result.items[0]!.item.item_id).toBe('thriller-0');
    expect(result.items[0]!.algorithm_source).toBe('story_similarity');
    const excluded = rank({ ...base, contextSignals: [continuation] }, user, {
      limit: 3,
      weights,
      excludeItemIds: ['thriller-0'],
    });
    expect(excluded.items.map((r) => r.item.item_id)).not.toContain('thriller-0');
  });
});
