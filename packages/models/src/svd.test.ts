import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { plantBlocks, usersRankingTheirBlockFirst } from './planted-blocks.js';
import { PureSVD } from './svd.js';

const planted = plantBlocks();
const { matrix } = planted;
const model = new PureSVD({ factors: 3 }).fit(matrix);

describe('PureSVD', () => {
  it('ranks held-out items of the user’s own block above every other block', () => {
    expect(usersRankingTheirBlockFirst(planted, (u) => model.scoreItems(model.userVector(u)))).toBe(planted.nUsers);
  });

  it('keeps the largest singular values, descending, with orthonormal item factors', () => {
    expect(model.factors).toBe(3);
    const s = model.singularValues;
    expect(s[0]!).toBeGreaterThanOrEqual(s[1]!);
    expect(s[1]!).toBeGreaterThanOrEqual(s[2]!);
    const V = model.itemFactors;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let i = 0; i < planted.nItems; i++) dot += V[i * 3 + a]! * V[i * 3 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 4);
      }
    }
  });

  it('folds in a training user’s own history to their trained vector', () => {
    const u = 13;
    const folded = model.foldIn(matrix.rowIndices(u), matrix.rowValues(u));
    const trained = model.userVector(u);
    for (let f = 0; f < 3; f++) expect(folded[f]!).toBeCloseTo(trained[f]!, 4);
  });

  it('folds in a new user who likes block B and ranks block B first', () => {
    const history = [11, 13, 15, 17];
    const scores = model.scoreItems(model.foldIn(history, [3, 2, 4, 1]));
    const unseen = Array.from({ length: planted.nItems }, (_, i) => i).filter((i) => !history.includes(i));
    const top = unseen.sort((a, b) => scores[b]! - scores[a]!).slice(0, 6);
    expect(top.map(planted.blockOf)).toEqual(new Array(6).fill(1));
  });

  it('scores identically after a save and load', () => {
    const loaded = PureSVD.fromArtifact(model.toArtifact());
    expect(loaded.options).toEqual(model.options);
    for (const u of [0, 17, 35]) expect(loaded.scoreItems(loaded.userVector(u))).toEqual(model.scoreItems(model.userVector(u)));
    expect(loaded.foldIn([1, 2], [1, 2])).toEqual(model.foldIn([1, 2], [1, 2]));
  });

  it('refuses an artifact of another kind or format version', () => {
    expect(() => PureSVD.fromArtifact(encodeArtifact({ kind: 'nmf', format: 1, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
    expect(() => PureSVD.fromArtifact(encodeArtifact({ kind: 'svd', format: 2, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
  });
});
