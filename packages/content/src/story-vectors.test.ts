import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@recsys/models';
import { LsaModel } from './lsa-model.js';
import { StoryVectorBuilder } from './story-vectors.js';
import { loadTextAnalyzer } from './text-analyzer.js';
import { plantedCatalogue, plantedItem } from './testing/planted-catalogue.js';

const { items } = plantedCatalogue(10, 2);
let model: LsaModel;
beforeAll(async () => {
  model = LsaModel.fit(items, await loadTextAnalyzer(), { dimensions: 6 });
});

const row = (v: Float32Array, dim: number, r: number) => Array.from(v.subarray(r * dim, (r + 1) * dim));

describe('StoryVectorBuilder', () => {
  it('gives every catalogue row its plot vector', () => {
    const vectors = new StoryVectorBuilder(model).build(items);
    expect(vectors.size).toBe(items.length);
    expect(vectors.text!.count).toBe(items.length);
    expect(vectors.external).toBeUndefined();
    expect(row(vectors.text!.vectors, 6, 3)).toEqual(Array.from(model.embed(items[3]!)!));
  });

  it('embeds an item upserted after the fit on the next build, keeping unchanged rows', () => {
    const builder = new StoryVectorBuilder(model);
    const first = builder.build(items);
    const cold = plantedItem('cold', 'space', mulberry32(4));
    const second = builder.build([cold, ...items]);
    expect(second.text!.present[0]).toBe(1);
    expect(row(second.text!.vectors, 6, 0)).toEqual(Array.from(model.embed(cold)!));
    expect(row(second.text!.vectors, 6, 1)).toEqual(row(first.text!.vectors, 6, 0));
    // An edited item is re-embedded.
    const edited = { ...items[0]!, plot: 'wedding kiss love bride', updated_at: '2025-01-01T00:00:00Z' };
    const third = builder.build([edited, ...items.slice(1)]);
    expect(row(third.text!.vectors, 6, 0)).toEqual(Array.from(model.embed(edited)!));
  });

  it('puts external embeddings, normalised, in their own space', () => {
    const withEmbedding = items.map((item, i) => (i < 3 ? { ...item, embedding: [3, 4, 0] } : item));
    const vectors = new StoryVectorBuilder(model).build(withEmbedding);
    expect(vectors.external!.dim).toBe(3);
    expect(vectors.external!.count).toBe(3);
    expect(row(vectors.external!.vectors, 3, 1)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0]);
    expect(vectors.external!.present[5]).toBe(0);
    // A deployment dimension that differs leaves the odd vectors out instead of guessing.
    expect(new StoryVectorBuilder(model, { externalDimension: 8 }).build(withEmbedding).external).toBeUndefined();
  });

  it('works without a text model (external embeddings only)', () => {
    const vectors = new StoryVectorBuilder(undefined).build([{ ...items[0]!, embedding: [1, 1] }]);
    expect(vectors.text).toBeUndefined();
    expect(vectors.external!.count).toBe(1);
  });
});
