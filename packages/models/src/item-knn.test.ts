import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { ItemKNN } from './item-knn.js';
import { plantBlocks, usersRankingTheirBlockFirst } from './planted-blocks.js';

const planted = plantBlocks();
const { matrix } = planted;
const model = new ItemKNN({ neighbours: 20, shrinkage: 1 }).fit(matrix);
const scoresOf = (m: ItemKNN) => (u: number) => m.scoreItems(matrix.rowIndices(u), matrix.rowValues(u));

describe('ItemKNN', () => {
  it('ranks held-out items of the user’s own block above every other block', () => {
    expect(usersRankingTheirBlockFirst(planted, scoresOf(model))).toBe(planted.nUsers);
  });

  it('keeps only neighbours that share users, most similar first, at most `neighbours` of them', () => {
    const small = new ItemKNN({ neighbours: 4, shrinkage: 0 }).fit(matrix);
    for (let i = 0; i < planted.nItems; i++) {
      const { items, similarities } = small.neighboursOf(i);
      expect(items.length).toBeLessThanOrEqual(4);
      for (const j of items) expect(planted.blockOf(j)).toBe(planted.blockOf(i));
      for (let n = 1; n < similarities.length; n++) expect(similarities[n]!).toBeLessThanOrEqual(similarities[n - 1]!);
    }
    expect(small.similarity(0, 25)).toBe(0);
  });

  it('scores a history by the similarities of its liked items; rejections add nothing', () => {
    const liked = model.scoreItems([11, 13], [3, 3]);
    const withRejection = model.scoreItems([11, 13, 25], [3, 3, -4]);
    expect(withRejection).toEqual(liked);
    expect(liked[12]!).toBeCloseTo(model.similarity(11, 12) + model.similarity(13, 12), 5);
  });

  it('scores identically after a save and load', () => {
    const loaded = ItemKNN.fromArtifact(model.toArtifact());
    expect(loaded.options).toEqual(model.options);
    for (const u of [0, 17, 35]) expect(scoresOf(loaded)(u)).toEqual(scoresOf(model)(u));
  });

  it('refuses an artifact of another kind or format version', () => {
    expect(() => ItemKNN.fromArtifact(encodeArtifact({ kind: 'als', format: 1, meta: {}, arrays: {} }))).toThrow(ArtifactFormatError);
    expect(() => ItemKNN.fromArtifact(encodeArtifact({ kind: 'item-knn', format: 2, meta: {}, arrays: {} }))).toThrow(/format version 2/);
  });
});
