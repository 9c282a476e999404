import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { NMF } from './nmf.js';
import { plantBlocks, usersRankingTheirBlockFirst } from './planted-blocks.js';

const planted = plantBlocks();
const { matrix } = planted;
const model = new NMF({ factors: 3, iterations: 200, regularization: 0.01 }).fit(matrix);

describe('NMF', () => {
  it('ranks held-out items of the user’s own block above every other block', () => {
    expect(usersRankingTheirBlockFirst(planted, (u) => model.scoreItems(model.userVector(u)))).toBe(planted.nUsers);
  });

  it('keeps every factor non-negative', () => {
    expect(Math.min(...model.userFactors, ...model.itemFactors)).toBeGreaterThanOrEqual(0);
  });

  it('folds in a new user who likes block B and ranks block B first', () => {
    const history = [11, 13, 15, 17];
    const scores = model.scoreItems(model.foldIn(history, [3, 2, 4, 1]));
    const unseen = Array.from({ length: planted.nItems }, (_, i) => i).filter((i) => !history.includes(i));
    const top = unseen.sort((a, b) => scores[b]! - scores[a]!).slice(0, 6);
    expect(top.map(planted.blockOf)).toEqual(new Array(6).fill(1));
  });

  it('folds in a training user’s history close to their trained vector', () => {
    const folded = model.scoreItems(model.foldIn(matrix.rowIndices(5), matrix.rowValues(5)));
    expect(usersRankingTheirBlockFirst(planted, (u) => (u === 5 ? folded : model.scoreItems(model.userVector(u))))).toBe(planted.nUsers);
  });

  it('folds in a 50-item history at 32 factors in under a millisecond', () => {
    const big = new NMF({ factors: 32, iterations: 1 }).fit(plantBlocks(10, 5, 200, 50).matrix);
    const items = Array.from({ length: 50 }, (_, j) => j * 37);
    const prefs = items.map(() => 3);
    big.foldIn(items, prefs);
    const runs = 200;
    const start = performance.now();
    for (let r = 0; r < runs; r++) big.foldIn(items, prefs);
    expect((performance.now() - start) / runs).toBeLessThan(1);
  });

  it('scores identically after a save and load', () => {
    const loaded = NMF.fromArtifact(model.toArtifact());
    expect(loaded.options).toEqual(model.options);
    for (const u of [0, 17, 35]) expect(loaded.scoreItems(loaded.userVector(u))).toEqual(model.scoreItems(model.userVector(u)));
    expect(loaded.foldIn([1, 2], [1, 2])).toEqual(model.foldIn([1, 2], [1, 2]));
  });

  it('refuses an artifact of another kind or format version', () => {
    expect(() => NMF.fromArtifact(encodeArtifact({ kind: 'svd', format: 1, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
    expect(() => NMF.fromArtifact(encodeArtifact({ kind: 'nmf', format: 2, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
  });
});
