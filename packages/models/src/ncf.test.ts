import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { InteractionMatrix } from './interaction-matrix.js';
import { type NcfOptions, NeuMF } from './ncf.js';
import { plantBlocks, usersRankingTheirBlockFirst } from './planted-blocks.js';
import { mulberry32 } from './random.js';

const planted = plantBlocks();
const { matrix } = planted;
const SMALL: Partial<NcfOptions> = {
  gmfFactors: 8,
  mlpFactors: 4,
  mlpLayers: [8, 4],
  optimizer: 'sgd',
  learningRate: 0.05,
  momentum: 0,
  l2: 0.01,
  mlpL2: 0.01,
  epochs: 30,
  batchSize: 16,
  negatives: 2,
  negativeCandidates: 1,
  denseL2: 0,
  seed: 3,
};
const model = new NeuMF(SMALL).fit(matrix);
const scoresOf = (m: NeuMF) => (u: number) => m.scoreItems(m.userVector(u));

/** Users whose held-out items score above the other blocks on average. */
function usersPreferringTheirBlock(m: NeuMF): number {
  let good = 0;
  for (let u = 0; u < planted.nUsers; u++) {
    const scores = scoresOf(m)(u);
    const own = planted.heldOut[u]!.reduce((s, i) => s + scores[i]!, 0) / planted.heldOut[u]!.length;
    let other = 0;
    let n = 0;
    for (let i = 0; i < planted.nItems; i++) {
      if (planted.blockOf(i) === planted.groupOf(u)) continue;
      other += scores[i]!;
      n++;
    }
    if (own > other / n) good++;
  }
  return good;
}

const blockMean = (scores: Float32Array, block: number) => {
  let s = 0;
  for (let i = block * planted.block; i < (block + 1) * planted.block; i++) s += scores[i]!;
  return s / planted.block;
};

describe('NeuMF', () => {
  it('ranks held-out items of the user’s own block above every other block (BPR, SGD)', () => {
    expect(usersRankingTheirBlockFirst(planted, scoresOf(model))).toBe(planted.nUsers);
  });

  it.each([
    ['bpr', 'adam'],
    ['bce', 'adam'],
    ['bce', 'sgd'],
  ] as const)('learns the planted blocks with %s loss and %s', (loss, optimizer) => {
    const options: Partial<NcfOptions> = optimizer === 'adam' ? { learningRate: 0.01, epochs: 60 } : { momentum: 0.5, epochs: 60 };
    const m = new NeuMF({ ...SMALL, ...options, loss, optimizer, negatives: 4 }).fit(matrix);
    expect(usersPreferringTheirBlock(m)).toBe(planted.nUsers);
  });

  it('is deterministic for a seed in one thread and reports progress per epoch', () => {
    const calls: number[] = [];
    const again = new NeuMF(SMALL).fit(matrix, { onProgress: (epoch, epochs, loss) => {
      expect(epochs).toBe(30);
      expect(loss).toBeGreaterThan(0);
      calls.push(epoch);
    } });
    expect(again.parameters).toEqual(model.parameters);
    expect(calls).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('trains on two worker threads sharing the parameters and learns the same structure', async () => {
    const epochs: number[] = [];
    const parallel = await new NeuMF({ ...SMALL, threads: 2, epochs: 40 }).fitAsync(matrix, { onProgress: (e) => epochs.push(e) });
    expect(epochs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(usersPreferringTheirBlock(parallel)).toBe(planted.nUsers);
    expect(usersRankingTheirBlockFirst(planted, scoresOf(parallel))).toBeGreaterThanOrEqual(planted.nUsers - 3);
  });

  it('folds in a new user who likes block B and ranks block B first', () => {
    const history = [11, 13, 15, 17];
    const scores = model.scoreItems(model.foldIn(history, [3, 2, 4, 1]));
    const unseen = Array.from({ length: planted.nItems }, (_, i) => i).filter((i) => !history.includes(i));
    const top = unseen.sort((a, b) => scores[b]! - scores[a]!).slice(0, 6);
    expect(top.map(planted.blockOf)).toEqual(new Array(6).fill(1));
  });

  it('folds in a 50-item history with the default architecture in under a millisecond', () => {
    const big = new NeuMF({ epochs: 1 }).fit(plantBlocks(10, 5, 200, 50).matrix);
    const items = Array.from({ length: 50 }, (_, j) => j * 37);
    const prefs = items.map((_, j) => (j % 5 === 0 ? -2 : 3));
    big.foldIn(items, prefs); // warm-up (builds the item-side cache once)
    // The best of several batches: other processes share the two cores.
    let best = Infinity;
    for (let batch = 0; batch < 10; batch++) {
      const start = performance.now();
      for (let r = 0; r < 20; r++) big.foldIn(items, prefs);
      best = Math.min(best, (performance.now() - start) / 20);
    }
    expect(best).toBeLessThan(1);
  });

  it('updates users and items from fresh events without a retrain (partialFit)', () => {
    const m = NeuMF.fromArtifact(model.toArtifact());
    const u = 0; // group 0
    const before = scoresOf(m)(u);
    m.partialFit([20, 21, 22, 23, 24].map((item) => ({ user: u, item, preference: 4 })), { epochs: 5, learningRate: 0.05 });
    const after = scoresOf(m)(u);
    expect(blockMean(after, 2) - blockMean(before, 2)).toBeGreaterThan(blockMean(after, 1) - blockMean(before, 1));
    expect(blockMean(after, 2)).toBeGreaterThan(blockMean(before, 2));

    // A new item watched by group 0 only, and a new user who watched block 1.
    const newItem = planted.nItems;
    const newUser = planted.nUsers;
    m.partialFit(
      [
        ...Array.from({ length: 12 }, (_, user) => ({ user, item: newItem, preference: 4 })),
        ...[10, 12, 14, 16].map((item) => ({ user: newUser, item, preference: 4 })),
      ],
      { epochs: 10, learningRate: 0.05 },
    );
    expect([m.nUsers, m.nItems]).toEqual([planted.nUsers + 1, planted.nItems + 1]);
    expect(scoresOf(m)(3)[newItem]!).toBeGreaterThan(scoresOf(m)(30)[newItem]!);
    const fresh = scoresOf(m)(newUser);
    expect(blockMean(fresh, 1)).toBeGreaterThan(Math.max(blockMean(fresh, 0), blockMean(fresh, 2)));
  });

  it('learns context: the same user prefers one block in one context and another block in the other', () => {
    // Group g likes block g in context 1 and block g + 1 in context 2.
    const random = mulberry32(3);
    const rows: number[] = [];
    const cols: number[] = [];
    const ctx: number[] = [];
    for (let u = 0; u < planted.nUsers; u++) {
      const g = planted.groupOf(u);
      for (const [block, context] of [[g, 1], [(g + 1) % planted.groups, 2]] as const) {
        for (let j = 0; j < planted.block; j++) {
          if (random() < 0.7) {
            rows.push(u);
            cols.push(block * planted.block + j);
            ctx.push(context);
          }
        }
      }
    }
    const m = InteractionMatrix.fromTriples(planted.nUsers, planted.nItems, rows, cols, rows.map(() => 3));
    const order = Array.from(rows.keys()).sort((a, b) => rows[a]! - rows[b]! || cols[a]! - cols[b]!);
    const withContext = new NeuMF({
      gmfFactors: 8, mlpFactors: 8, mlpLayers: [16, 8], contextFactors: 4, contextSizes: [3],
      loss: 'bpr', optimizer: 'adam', learningRate: 0.01, l2: 0.001, mlpL2: 0.001, denseL2: 0, epochs: 60, batchSize: 16,
      negatives: 2, negativeCandidates: 1, seed: 42,
    }).fit(m, { contexts: Int32Array.from(order, (j) => ctx[j]!) });
    let followed = 0;
    let margin = 0;
    for (let u = 0; u < planted.nUsers; u++) {
      const g = planted.groupOf(u);
      const next = (g + 1) % planted.groups;
      const morning = withContext.scoreItems(withContext.userVector(u), undefined, [1]);
      const night = withContext.scoreItems(withContext.userVector(u), undefined, [2]);
      const shift = blockMean(morning, g) - blockMean(morning, next) - (blockMean(night, g) - blockMean(night, next));
      margin += shift;
      if (shift > 0) followed++;
    }
    expect(followed).toBeGreaterThanOrEqual(planted.nUsers - 3);
    expect(margin).toBeGreaterThan(0);
    expect(() => withContext.scoreItems(withContext.userVector(0), undefined, [3])).toThrow(RangeError);
  });

  it('scores identically after a save and load', () => {
    const loaded = NeuMF.fromArtifact(model.toArtifact());
    expect([loaded.nUsers, loaded.nItems]).toEqual([planted.nUsers, planted.nItems]);
    expect(loaded.options).toEqual(model.options);
    for (const u of [0, 17, 35]) expect(scoresOf(loaded)(u)).toEqual(scoresOf(model)(u));
    expect(loaded.foldIn([1, 2], [1, 2])).toEqual(model.foldIn([1, 2], [1, 2]));
  });

  it('refuses an artifact of another kind or format version', () => {
    expect(() => NeuMF.fromArtifact(encodeArtifact({ kind: 'als', format: 1, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
    expect(() => NeuMF.fromArtifact(encodeArtifact({ kind: 'ncf', format: 2, meta: {}, arrays: {} }))).toThrow(/format version 2.*retrain/);
  });
});
