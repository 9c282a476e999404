import { testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { rank, type RankingContext } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';

const item = (id: string, genres: string[]) => testItem(id, { title: id.toUpperCase(), genres, year: 2010 });

const items = [
  ...Array.from({ length: 10 }, (_, i) => item(`scifi-${i}`, ['Sci-Fi'])),
  ...Array.from({ length: 10 }, (_, i) => item(`drama-${i}`, ['Drama'])),
];
const catalog = new CatalogView(items);
const n = catalog.size;
const popularity = popularitySignal(new Float32Array(n).fill(1), new Float32Array(n), new Float32Array(n).fill(5), new Int32Array(n));
const weights = { collaborative: 0.85, popularity: 0.1, trending: 0.05 };
const user: UserState = {
  userId: 'u',
  interactions: [
    { item_id: 'scifi-0', preference: 3, events: 1, consumed: true, last_at: 0 },
    { item_id: 'drama-0', preference: 3, events: 1, consumed: true, last_at: 0 },
  ],
};
const isScifi = (row: number) => items[row]!.item_id.startsWith('scifi');

/** A stand-in model that likes one genre; `nearest` names the liked row it explains with. */
function model(likes: 'scifi' | 'drama', options: { places?: boolean; unknownRows?: number[] } = {}): CollaborativeSignal {
  const liked = (row: number) => (likes === 'scifi') === isScifi(row);
  return {
    userVector: () => (options.places === false ? undefined : new Float32Array([1])),
    candidates: () => Int32Array.from(items.keys()),
    score: (_v, rows) => Float32Array.from(rows, (row) => (options.unknownRows?.includes(row) ? NaN : liked(row) ? 0.9 - row / 100 : 0.1)),
    nearestConsumed: (_row, consumed) => {
      const row = Array.from(consumed).find(liked);
      return row === undefined ? undefined : { row, similarity: likes === 'scifi' ? 0.7 : 0.6 };
    },
  };
}

describe('rank with a blend of collaborative models', () => {
  it('gives a one-member blend exactly the single-model result', () => {
    const signal = model('scifi');
    const single: RankingContext = { catalog, popularity, collaborative: { signal, source: 'mf_fallback' } };
    const blended: RankingContext = { catalog, popularity, collaborativeBlend: [{ signal, source: 'mf_fallback', weight: 2.5 }] };
    for (const diversity of [0, 0.15]) {
      expect(rank(blended, user, { limit: 8, weights, diversity })).toEqual(rank(single, user, { limit: 8, weights, diversity }));
    }
  });

  it('mixes the members by weight and labels each item with the member that counted most', () => {
    const blend = (scifi: number, drama: number): RankingContext => ({
      catalog,
      popularity,
      collaborativeBlend: [
        { signal: model('scifi'), source: 'mf_fallback', weight: scifi },
        { signal: model('drama'), source: 'ncf_primary', weight: drama },
      ],
    });
    const scifiFirst = rank(blend(3, 1), user, { limit: 3, weights });
    expect(scifiFirst.items.map((r) => r.item.item_id)).toEqual(['scifi-1', 'scifi-2', 'scifi-3']);
    expect(scifiFirst.items[0]!.algorithm_source).toBe('mf_fallback');
    // (3 · 0.89 + 1 · 0.1) / 4
    expect(scifiFirst.items[0]!.explanation_reasons).toEqual(['because_you_watched: SCIFI-0 (0.70)', 'similar_users: 0.69']);

    const dramaFirst = rank(blend(1, 3), user, { limit: 3, weights });
    expect(dramaFirst.items.map((r) => r.item.item_id)).toEqual(['drama-1', 'drama-2', 'drama-3']);
    expect(dramaFirst.items[0]!.algorithm_source).toBe('ncf_primary');
  });

  it('names the watched title of every member that made up a sixth of the score', () => {
    const even: RankingContext = {
      catalog,
      popularity,
      collaborativeBlend: [
        { signal: model('scifi'), source: 'mf_fallback', weight: 1 },
        { signal: model('drama'), source: 'ncf_primary', weight: 1 },
      ],
    };
    // scifi-1: 0.89 from the first member, 0.1 from the second (under a sixth): one title.
    const top = rank(even, user, { limit: 1, weights }).items[0]!;
    expect(top.explanation_reasons.filter((r) => r.startsWith('because_you_watched'))).toHaveLength(1);
    // With a member that scores everything 0.5, both members count.
    const flat: CollaborativeSignal = { ...model('drama'), score: (_v, rows) => new Float32Array(rows.length).fill(0.5) };
    const both: RankingContext = {
      catalog,
      popularity,
      collaborativeBlend: [
        { signal: model('scifi'), source: 'mf_fallback', weight: 1 },
        { signal: flat, source: 'ncf_primary', weight: 1 },
      ],
    };
    const reasons = rank(both, user, { limit: 1, weights }).items[0]!.explanation_reasons;
    expect(reasons).toEqual(['because_you_watched: SCIFI-0 (0.70)', 'because_you_watched: DRAMA-0 (0.60)', 'similar_users: 0.69']);
  });

  it('skips members that cannot place the user or do not know a row', () => {
    const partial: RankingContext = {
      catalog,
      popularity,
      collaborativeBlend: [
        { signal: model('drama', { places: false }), source: 'ncf_primary', weight: 10 },
        { signal: model('scifi', { unknownRows: [1] }), source: 'mf_fallback', weight: 1 },
      ],
    };
    const result = rank(partial, user, { limit: 3, weights });
    expect(result.coldStart).toBe(false);
    // scifi-1 is unknown to the only member that placed the user: it falls below the other sci-fi.
    expect(result.items.map((r) => r.item.item_id)).toEqual(['scifi-2', 'scifi-3', 'scifi-4']);
    expect(result.items[0]!.algorithm_source).toBe('mf_fallback');

    const nobody: RankingContext = {
      catalog,
      popularity,
      collaborativeBlend: [{ signal: model('drama', { places: false }), source: 'ncf_primary', weight: 1 }],
    };
    const cold = rank(nobody, user, { limit: 3, weights });
    expect([cold.coldStart, cold.degraded]).toEqual([true, false]);
  });
});
