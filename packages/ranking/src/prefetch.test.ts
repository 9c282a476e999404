import { type Item, type SearchResult, topK, type VectorIndexFactory } from '@recsys/core';
import { ImplicitALS, InteractionMatrix, mulberry32 } from '@recsys/models';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { MfModel } from './mf-signal.js';
import { rank, type RankingContext } from './pipeline.js';
import { popularitySignal } from './popularity-signal.js';
import { prefetchCandidates } from './prefetch.js';
import { StorySignal } from './story-signal.js';
import type { UserState } from './signals.js';

const N_ITEMS = 1_500;
const item = (id: string): Item => ({
  item_id: id, title: id, content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [],
  available: true, updated_at: '2026-01-01T00:00:00Z',
});

/** Brute-force index that counts how it was asked: in place or ahead of time. */
function countingIndexFactory() {
  const calls = { sync: 0, async: 0 };
  const factory: VectorIndexFactory = {
    build: (vectors, dim) => {
      const search = (query: Float32Array, k: number): SearchResult => {
        const all = new Float32Array(vectors.length / dim);
        for (let r = 0; r < all.length; r++) for (let d = 0; d < dim; d++) all[r]! += query[d]! * vectors[r * dim + d]!;
        const rows = topK(all, k);
        return { rows, scores: Float32Array.from(rows, (r) => all[r]!) };
      };
      return {
        size: vectors.length / dim,
        dim,
        search: (query, k) => (calls.sync++, search(query, k)),
        searchAsync: async (query, k) => (calls.async++, search(query, k)),
      };
    },
  };
  return { factory, calls };
}

describe('prefetchCandidates', () => {
  const random = mulberry32(5);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 200; u++) for (let j = 0; j < 8; j++) (rows.push(u), cols.push(Math.floor(random() * N_ITEMS)));
  const als = new ImplicitALS({ factors: 8, iterations: 4, regularization: 0.1 }).fit(
    InteractionMatrix.fromTriples(200, N_ITEMS, rows, cols, rows.map(() => 1)),
  );
  const ids = Array.from({ length: N_ITEMS }, (_, i) => `i${i}`);
  const catalog = new CatalogView(ids.map(item));
  const popularity = popularitySignal(new Float32Array(N_ITEMS).fill(1), new Float32Array(N_ITEMS), new Float32Array(N_ITEMS), new Int32Array(N_ITEMS));
  const user: UserState = {
    userId: 'u',
    interactions: [3, 40, 77].map((i) => ({ item_id: `i${i}`, preference: 1, events: 1, consumed: true, last_at: 0 })),
  };
  const options = { limit: 10, weights: { collaborative: 1, popularity: 0, trending: 0 } };

  it('searches ahead off the event loop, and rank() then uses that search and answers the same list', async () => {
    const { factory, calls } = countingIndexFactory();
    const context: RankingContext = { catalog, popularity, collaborative: { signal: new MfModel(als, ids, factory).bind(catalog), source: 'mf_fallback' } };
    const inPlace = rank(context, user, options);
    expect(calls).toEqual({ sync: 1, async: 0 });

    const fresh = { ...user, interactions: [...user.interactions] };
    await prefetchCandidates(context, fresh);
    const ahead = rank(context, fresh, options);
    expect(calls).toEqual({ sync: 1, async: 1 });
    expect(ahead.items.map((r) => r.item.item_id)).toEqual(inPlace.items.map((r) => r.item.item_id));
    expect(ahead.items.map((r) => r.predicted_score)).toEqual(inPlace.items.map((r) => r.predicted_score));
  });

  it('does nothing for a catalogue rank() scores whole, or for a user the model cannot place', async () => {
    const { factory, calls } = countingIndexFactory();
    const small = new CatalogView(ids.slice(0, 500).map(item));
    const signal = new MfModel(als, ids, factory).bind(catalog);
    await prefetchCandidates({ catalog: small, popularity, collaborative: { signal, source: 'mf_fallback' } }, user);
    await prefetchCandidates({ catalog, popularity, collaborative: { signal, source: 'mf_fallback' } }, { userId: 'new', interactions: [] });
    expect(calls).toEqual({ sync: 0, async: 0 });
  });

  it('searches the story neighbours ahead too, and a user asking again searches nothing', async () => {
    const { factory, calls } = countingIndexFactory();
    const dim = 8;
    const vectors = new Float32Array(N_ITEMS * dim);
    for (let r = 0; r < N_ITEMS; r++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += (vectors[r * dim + d] = random() - 0.5) ** 2;
      for (let d = 0; d < dim; d++) vectors[r * dim + d]! /= Math.sqrt(norm);
    }
    const story = new StorySignal(catalog, { size: N_ITEMS, text: { dim, vectors, present: new Uint8Array(N_ITEMS).fill(1), count: N_ITEMS } }, factory);
    const context: RankingContext = {
      catalog,
      popularity,
      collaborative: { signal: new MfModel(als, ids, factory).bind(catalog), source: 'mf_fallback' },
      story,
    };
    const reader: UserState = {
      userId: 'reader',
      interactions: [3, 40, 77].map((i) => ({ item_id: `i${i}`, preference: 2, events: 1, consumed: true, last_at: Date.now() })),
    };
    const withStory = { ...options, weights: { ...options.weights, story: 0.5 } };
    await prefetchCandidates(context, reader);
    expect(calls).toEqual({ sync: 0, async: 2 });
    const first = rank(context, reader, withStory);
    expect(calls).toEqual({ sync: 0, async: 2 });
    // The same user again (nothing new from them): both searches come from the signals' caches.
    await prefetchCandidates(context, reader);
    expect(rank(context, reader, withStory).items.map((r) => r.item.item_id)).toEqual(first.items.map((r) => r.item.item_id));
    expect(calls).toEqual({ sync: 0, async: 2 });
  });
});
