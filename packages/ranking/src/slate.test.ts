import type { Item } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { rank } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';
import { composeSlate, type SlateArm, type SlatePolicy } from './slate.js';
import { topIndices } from './top-indices.js';

const always = (...arms: SlateArm[]): SlatePolicy => ({ armsForSlot: () => arms });
const cycle = (...perSlot: SlateArm[][]): SlatePolicy => ({ armsForSlot: (slot) => perSlot[slot % perSlot.length]! });

describe('composeSlate', () => {
  const rows = Int32Array.from([10, 11, 12, 13, 14]);
  const scores = {
    ncf: Float32Array.from([0.9, 0.8, 0.1, 0.2, NaN]),
    trending: Float32Array.from([0.1, 0.2, 0.3, 0.9, 0.8]),
  };

  it('gives each slot to the arm the policy prefers, which adds its best candidate not yet taken', () => {
    const picks = composeSlate({ rows, limit: 4, scores, random: () => 0 }, cycle(['ncf'], ['trending'], ['ncf'], ['trending']));
    expect(picks).toEqual([
      { index: 0, arm: 'ncf' },
      { index: 3, arm: 'trending' },
      { index: 1, arm: 'ncf' },
      { index: 4, arm: 'trending' },
    ]);
  });

  it('passes a slot on when the arm has no signal or no candidate left, and never repeats a row', () => {
    // story has no scores; ncf cannot score index 4, so after four picks it has nothing left.
    const picks = composeSlate({ rows, limit: 5, scores, random: () => 0 }, always('story', 'ncf', 'random'));
    expect(picks.map((p) => p.arm)).toEqual(['ncf', 'ncf', 'ncf', 'ncf', 'random']);
    expect(new Set(picks.map((p) => p.index)).size).toBe(5);
    expect(picks[4]!.index).toBe(4);
  });

  it('stops when the candidates run out', () => {
    expect(composeSlate({ rows, limit: 10, scores, random: Math.random }, always('random'))).toHaveLength(5);
    expect(composeSlate({ rows: new Int32Array(0), limit: 10, scores: {}, random: Math.random }, always('ncf'))).toEqual([]);
  });

  it('orders ties by the lower row and skips non-finite scores', () => {
    expect(topIndices([0.5, NaN, 0.5, 0.7], [9, 8, 3, 1], 3)).toEqual([3, 2, 0]);
  });
});

describe('rank with a slate policy', () => {
  const item = (id: string, languages: string[]): Item => ({
    item_id: id,
    title: id,
    content_type: 'movie',
    genres: ['Drama'],
    languages,
    cast: [],
    crew: [],
    regions: [],
    available: true,
    updated_at: '2026-01-01T00:00:00Z',
  });
  const items = Array.from({ length: 12 }, (_, i) => item(`m${i}`, i % 3 === 0 ? ['fr'] : ['en']));
  const catalog = new CatalogView(items);
  const n = items.length;
  // Trending favours the high rows, the collaborative model the low rows.
  const popularity = popularitySignal(new Float32Array(n).fill(1), Float32Array.from(items, (_, i) => i), new Float32Array(n).fill(3), new Int32Array(n));
  const model: CollaborativeSignal = {
    userVector: () => new Float32Array([1]),
    candidates: () => Int32Array.from(items.keys()),
    score: (_v, r) => Float32Array.from(r, (row) => 1 - row / 20),
    nearestConsumed: () => undefined,
  };
  const user: UserState = { userId: 'u', interactions: [{ item_id: 'm1', preference: 3, events: 1, consumed: true, last_at: 0 }] };
  const context = { catalog, popularity, collaborativeBlend: [{ signal: model, source: 'ncf_primary' as const, weight: 1 }] };
  const weights = { collaborative: 1, popularity: 0, trending: 0 };

  it('labels each slot with its arm and keeps the hard filters', () => {
    const result = rank(context, user, {
      limit: 4,
      weights,
      languages: ['en'],
      excludeItemIds: ['m11'],
      slate: cycle(['ncf'], ['trending']),
    });
    expect(result.items.map((r) => [r.item.item_id, r.algorithm_source])).toEqual([
      ['m2', 'ncf_primary'], // m0 is French, m1 watched
      ['m10', 'trending_boost'], // m11 excluded
      ['m4', 'ncf_primary'],
      ['m8', 'trending_boost'],
    ]);
    expect(result.items.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
  });

  it('explains random slots as exploration', () => {
    const result = rank(context, user, { limit: 3, weights, slate: always('random'), random: () => 0.5 });
    expect(result.items.every((r) => r.algorithm_source === 'random_explore')).toBe(true);
    expect(result.items[0]!.explanation_reasons).toEqual(['explore: outside your usual picks']);
    expect(new Set(result.items.map((r) => r.item.item_id)).size).toBe(3);
  });
});
