import type { Item } from '@recsys/core';
import { InteractionMatrix, ItemKNN, mulberry32, NeuMF, NMF, PureSVD } from '@recsys/models';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { FactorSignal } from './factor-signal.js';
import { KnnSignal } from './knn-signal.js';
import { NcfModel } from './ncf-signal.js';
import type { CollaborativeSignal, UserState } from './signals.js';

// Three groups of 12 users; group g likes block g of ten items (each user trains on 7 of them).
function plantBlocks() {
  const random = mulberry32(7);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < 36; u++) {
    const g = Math.floor(u / 12);
    const items = Array.from({ length: 10 }, (_, j) => g * 10 + j).sort(() => random() - 0.5);
    for (const i of items.slice(0, 7)) {
      rows.push(u);
      cols.push(i);
      values.push(1 + 3 * random());
    }
  }
  return {
    nUsers: 36,
    nItems: 30,
    matrix: InteractionMatrix.fromTriples(36, 30, rows, cols, values),
    groupOf: (u: number) => Math.floor(u / 12),
    blockOf: (i: number) => Math.floor(i / 10),
  };
}

// Model items i0..i29; the catalogue lacks i29 and has a title no model knows.
const planted = plantBlocks();
const itemIds = Array.from({ length: planted.nItems }, (_, i) => `i${i}`);
const userIds = Array.from({ length: planted.nUsers }, (_, u) => `u${u}`);
const item = (id: string): Item => ({
  item_id: id, title: id.toUpperCase(), content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [],
  available: true, updated_at: '2026-01-01T00:00:00Z',
});
const catalog = new CatalogView([...itemIds.slice(0, 29), 'unknown'].map(item).reverse());
const row = (id: string) => catalog.rowOf(id)!;
const blockOfRow = (r: number) => planted.blockOf(Number(catalog.items[r]!.item_id.slice(1)));
const history = (u: number): UserState => ({
  userId: `u${u}`,
  interactions: Array.from(planted.matrix.rowIndices(u), (i, j) => ({
    item_id: `i${i}`, preference: planted.matrix.rowValues(u)[j]!, events: 1, consumed: true, last_at: 0,
  })),
});
const newcomer: UserState = {
  userId: 'someone-new',
  interactions: ['i11', 'i13', 'i15', 'i17', 'not-in-catalogue'].map((item_id) => ({ item_id, preference: 3, events: 1, consumed: true, last_at: 0 })),
};

const ncf = new NeuMF({ gmfFactors: 8, mlpFactors: 4, mlpLayers: [8, 4], optimizer: 'sgd', learningRate: 0.05, momentum: 0, l2: 0.01, mlpL2: 0.01, epochs: 30, batchSize: 16, negatives: 2, negativeCandidates: 1, denseL2: 0, seed: 3 }).fit(planted.matrix);
const signals: [string, CollaborativeSignal][] = [
  ['NcfSignal', new NcfModel(ncf, itemIds, userIds).bind(catalog)],
  ['FactorSignal (PureSVD)', new FactorSignal(new PureSVD({ factors: 3 }).fit(planted.matrix), itemIds, catalog)],
  ['FactorSignal (NMF)', new FactorSignal(new NMF({ factors: 3, iterations: 200, regularization: 0.01 }).fit(planted.matrix), itemIds, catalog)],
  ['KnnSignal', new KnnSignal(new ItemKNN({ neighbours: 20, shrinkage: 1 }).fit(planted.matrix), itemIds, catalog)],
];

describe.each(signals)('%s', (_name, signal) => {
  it('proposes the user’s own block first, only rows of the catalogue', () => {
    for (const u of [2, 20, 30]) {
      const vector = signal.userVector(history(u))!;
      const rows = signal.candidates(vector, 10);
      expect(rows.length).toBeGreaterThan(0);
      expect(Array.from(rows.subarray(0, 3), blockOfRow)).toEqual([planted.groupOf(u), planted.groupOf(u), planted.groupOf(u)]);
      for (const r of rows) expect(r).toBeLessThan(catalog.size);
    }
  });

  it('places a newcomer from their history and scores 0-1, NaN for rows it does not know', () => {
    const vector = signal.userVector(newcomer)!;
    expect(vector).toBeDefined();
    const rows = [row('i12'), row('i2'), row('i25'), row('unknown')];
    const scores = signal.score(vector, rows);
    expect(scores[0]!).toBeGreaterThan(Math.max(scores[1]!, scores[2]!));
    for (const s of scores.subarray(0, 3)) expect(s >= 0 && s <= 1).toBe(true);
    expect(scores[3]).toBeNaN();
    expect(signal.userVector({ userId: 'nobody', interactions: [] })).toBeUndefined();
  });

  it('explains a row with the consumed row most similar to it', () => {
    const consumed = [row('i3'), row('i13'), row('i23')];
    expect(signal.nearestConsumed(row('i15'), consumed)?.row).toBe(row('i13'));
    expect(signal.nearestConsumed(row('unknown'), consumed)).toBeUndefined();
  });
});

describe('NcfSignal', () => {
  it('scores a user the model trained on with their trained embeddings', () => {
    const model = new NcfModel(ncf, itemIds, userIds);
    const vector = model.bind(catalog).userVector(history(7))!;
    expect(vector).toEqual(ncf.userVector(7));
  });
});
