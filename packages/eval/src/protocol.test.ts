import { describe, expect, it } from 'vitest';
import type { Item } from '@recsys/core';
import type { Rating } from './datasets.js';
import { evaluationData, splitPerUser } from './protocol.js';

const ratings: Rating[] = [];
for (let u = 1; u <= 20; u++) for (let i = 1; i <= 4 + u; i++) ratings.push({ user: String(u), item: String(i), rating: 1 + (i % 5), timestamp: 1000 * u + i });
const items: Item[] = Array.from({ length: 30 }, (_, i) => ({
  item_id: String(i + 1), title: `m${i + 1}`, content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [], available: true, updated_at: '',
}));

describe('splitPerUser', () => {
  it('holds out a quarter of each user’s ratings, the same ones for the same seed', () => {
    const split = splitPerUser(ratings, 0.25, 42);
    for (let u = 1; u <= 20; u++) {
      const n = 4 + u;
      expect(split.train.filter((r) => r.user === String(u))).toHaveLength(Math.round(n * 0.75));
      expect(split.test.filter((r) => r.user === String(u))).toHaveLength(n - Math.round(n * 0.75));
    }
    expect(splitPerUser(ratings, 0.25, 42)).toEqual(split);
    expect(splitPerUser(ratings, 0.25, 7).test).not.toEqual(split.test);
  });

  it('carves validation out of the training part only', () => {
    const split = splitPerUser(ratings, 0.25, 42);
    const validation = splitPerUser(split.train, 0.25, 43);
    const testKeys = new Set(split.test.map((r) => `${r.user}/${r.item}`));
    for (const r of [...validation.train, ...validation.test]) expect(testKeys.has(`${r.user}/${r.item}`)).toBe(false);
  });
});

describe('evaluationData', () => {
  it('turns training ratings into consumed interactions and test ratings into relevant items', () => {
    const split = splitPerUser(ratings, 0.25, 42);
    const data = evaluationData(items, split);
    expect(data.train.itemIds).toHaveLength(30);
    expect(data.train.matrix.nnz).toBe(split.train.length);
    const user = data.train.interactions.get('3')!;
    expect(user.every((f) => f.consumed && f.preference >= 1)).toBe(true);
    expect([...data.heldOut.get('3')!].sort()).toEqual(split.test.filter((r) => r.user === '3').map((r) => r.item).sort());
    // Timestamps line up with the matrix entries.
    const row = data.train.userIds.indexOf('3');
    const start = data.train.matrix.indptr[row]!;
    const firstItem = data.train.itemIds[data.train.matrix.indices[start]!]!;
    expect(data.timestamps[start]).toBe(split.train.find((r) => r.user === '3' && r.item === firstItem)!.timestamp);
  });
});
