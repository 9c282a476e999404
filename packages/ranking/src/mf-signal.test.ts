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
  it('scores the candidates of its last search exactly as it scores any other row', () => {
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
    const signal = new MfModel(als, ids, exact).bind(new CatalogView(ids.map(item)));
    const vector = signal.userVector({ userId: 'x', interactions: [{ item_id: 'i1', preference: 1, events: 1, consumed: true, last_at: 0 }] })!;
    const everyRow = Int32Array.from(ids.keys());
    const fresh = signal.score(vector, everyRow);
    const candidates = signal.candidates(vector, 20);
    expect(candidates.length).toBe(20);
    const reused = signal.score(vector, everyRow);
    for (let r = 0; r < ids.length; r++) expect(reused[r]).toBeCloseTo(fresh[r]!, 6);
    // A copy of the vector is not the searched one: it is scored from the factors.
    expect(Array.from(signal.score(Float32Array.from(vector), everyRow))).toEqual(Array.from(fresh));
    // Candidates come best first.
    const top = Array.from(candidates, (row) => fresh[row]!);
    expect(top).toEqual([...top].sort((a, b) => b - a));
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
