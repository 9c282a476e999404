import { type Item, topK, type VectorIndexFactory } from '@recsys/core';
import { ImplicitALS, InteractionMatrix, mulberry32 } from '@recsys/models';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { MfModel } from './mf-signal.js';

const item = (id: string): Item => ({
  item_id: id, title: id, content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [],
  available: true, updated_at: '2026-01-01T00:00:00Z',
});

describe('MfSignal', () => {
  it('returns its search results with the scores score() gives, whether or not catalogue rows follow model items', () => {
    const random = mulberry32(3);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < 40; u++) for (let j = 0; j < 6; j++) (rows.push(u), cols.push(Math.floor(random() * 60)));
    const als = new ImplicitALS({ factors: 8, iterations: 5, regularization: 0.1 }).fit(
      InteractionMatrix.fromTriples(40, 60, rows, cols, rows.map(() => 1)),
    );
    // Brute force, scores in float32 like faiss returns them.
    const exact: VectorIndexFactory = {
      build: (vectors, dim) => ({
        size: vectors.length / dim,
        dim,
        search(query, k) {
          const all = new Float32Array(vectors.length / dim);
          for (let r = 0; r < all.length; r++) for (let d = 0; d < dim; d++) all[r]! += query[d]! * vectors[r * dim + d]!;
          const rows = topK(all, k);
          return { rows, scores: Float32Array.from(rows, (r) => all[r]!) };
        },
      }),
    };
    const ids = Array.from({ length: 60 }, (_, i) => `i${i}`);
    const model = new MfModel(als, ids, exact);
    const user = { userId: 'x', interactions: [{ item_id: 'i1', preference: 1, events: 1, consumed: true, last_at: 0 }] };
    // Rows in model order plus a title added since training; then the same titles shuffled.
    const inOrder = new CatalogView([...ids, 'new'].map(item));
    const shuffled = new CatalogView(['new', ...ids].reverse().map(item));
    const results = [inOrder, shuffled].map((catalog) => {
      const signal = model.bind(catalog);
      const vector = signal.userVector(user)!;
      const everyRow = Int32Array.from({ length: catalog.size }, (_, r) => r);
      const scores = signal.score(vector, everyRow);
      expect(Number.isNaN(scores[catalog.rowOf('new')!])).toBe(true);
      const found = signal.scoredCandidates(vector, 20);
      expect(found.rows.length).toBe(20);
      expect(Array.from(signal.candidates(vector, 20))).toEqual(Array.from(found.rows));
      found.rows.forEach((row, j) => expect(found.scores[j]).toBeCloseTo(scores[row]!, 6));
      // Best first.
      expect(Array.from(found.scores)).toEqual([...found.scores].sort((a, b) => b - a));
      return {
        top: Array.from(found.rows, (row) => catalog.items[row]!.item_id),
        byId: Object.fromEntries(Array.from(scores, (s, r) => [catalog.items[r]!.item_id, s])),
      };
    });
    expect(results[1]!.top).toEqual(results[0]!.top);
    expect(results[1]!.byId).toEqual(results[0]!.byId);
  });

  it('keeps recent users\' ANN results: a repeat request skips the search, a new event or a full cache does not', async () => {
    const random = mulberry32(5);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < 30; u++) for (let j = 0; j < 5; j++) (rows.push(u), cols.push(Math.floor(random() * 40)));
    const als = new ImplicitALS({ factors: 4, iterations: 3, regularization: 0.1 }).fit(InteractionMatrix.fromTriples(30, 40, rows, cols, rows.map(() => 1)));
    let searches = 0;
    const counting: VectorIndexFactory = {
      build: (vectors, dim) => {
        const search = (query: Float32Array, k: number) => {
          searches++;
          const all = new Float32Array(vectors.length / dim);
          for (let r = 0; r < all.length; r++) for (let d = 0; d < dim; d++) all[r]! += query[d]! * vectors[r * dim + d]!;
          const top = topK(all, k);
          return { rows: top, scores: Float32Array.from(top, (r) => all[r]!) };
        };
        return { size: vectors.length / dim, dim, search, searchAsync: async (query: Float32Array, k: number) => search(query, k) };
      },
    };
    const ids = Array.from({ length: 40 }, (_, i) => `i${i}`);
    const signal = new MfModel(als, ids, counting).bind(new CatalogView(ids.map(item)), { size: 2 });
    const history = (...items: string[]) => ({ userId: 'u', interactions: items.map((id) => ({ item_id: id, preference: 1, events: 1, consumed: true, last_at: 0 })) });
    const served = async (user: ReturnType<typeof history>) => {
      const vector = signal.userVector(user)!;
      await signal.prefetchCandidates(vector, 10);
      return signal.candidates(vector, 10);
    };
    const alice = history('i1', 'i2');
    const first = await served(alice);
    expect(searches).toBe(1);
    expect(Array.from(await served(alice))).toEqual(Array.from(first));
    expect(searches).toBe(1);
    // The user acted: a new history, a new vector, a new search.
    await served(history('i1', 'i2', 'i3'));
    expect(searches).toBe(2);
    // Two entries at most: a third user pushes out the least recent (alice's first history).
    await served(history('i5'));
    await served(alice);
    expect(searches).toBe(4);
  });
});
