import { beforeAll, describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { mulberry32 } from '@recsys/models';
import { LsaModel } from './lsa-model.js';
import { loadTextAnalyzer, type TextAnalyzer } from './text-analyzer.js';
import { plantedCatalogue, plantedItem, TOPICS, type Topic } from './testing/planted-catalogue.js';
import { cosine } from './vector-math.js';

let analyzer: TextAnalyzer;
const { items, topicOf } = plantedCatalogue(20, 3);
let model: LsaModel;

beforeAll(async () => {
  analyzer = await loadTextAnalyzer();
  model = LsaModel.fit(items, analyzer, { dimensions: 8 });
});

function meanSimilarity(vectors: Map<string, Float32Array>, same: boolean): number {
  let sum = 0;
  let n = 0;
  for (const [a, va] of vectors) {
    for (const [b, vb] of vectors) {
      if (a >= b || (topicOf.get(a) === topicOf.get(b)) !== same) continue;
      sum += cosine(va, vb);
      n++;
    }
  }
  return sum / n;
}

describe('LsaModel', () => {
  it('embeds items of one planted topic close together and apart from the others', () => {
    const vectors = new Map(items.map((item) => [item.item_id, model.embed(item)!]));
    expect(model.dimensions).toBe(8);
    for (const v of vectors.values()) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const within = meanSimilarity(vectors, true);
    const across = meanSimilarity(vectors, false);
    expect(within).toBeGreaterThan(0.6);
    expect(across).toBeLessThan(0.25);
    // Every item's nearest neighbour tells the same kind of story.
    for (const [id, v] of vectors) {
      let best = '';
      let bestScore = -2;
      for (const [other, w] of vectors) {
        if (other !== id && cosine(v, w) > bestScore) [best, bestScore] = [other, cosine(v, w)];
      }
      expect(topicOf.get(best)).toBe(topicOf.get(id));
    }
  });

  it('embeds a cold item (never fitted) next to its topic without refitting', () => {
    const random = mulberry32(99);
    for (const topic of TOPICS) {
      const cold = plantedItem(`cold-${topic}`, topic, random);
      cold.genres = [];
      const v = model.embed(cold)!;
      const byTopic = new Map<Topic, number[]>();
      for (const item of items) {
        const t = topicOf.get(item.item_id)!;
        byTopic.set(t, [...(byTopic.get(t) ?? []), cosine(v, model.embed(item)!)]);
      }
      const mean = (t: Topic) => byTopic.get(t)!.reduce((a, b) => a + b, 0) / byTopic.get(t)!.length;
      for (const other of TOPICS) if (other !== topic) expect(mean(topic)).toBeGreaterThan(mean(other) + 0.3);
    }
  });

  it('names the themes of a direction by their readable words, without people', () => {
    const space = items.filter((i) => topicOf.get(i.item_id) === 'space').map((i) => model.embed(i)!);
    const centroid = Float32Array.from(space[0]!, (_, d) => space.reduce((s, v) => s + v[d]!, 0));
    const themes = model.themes(centroid, 6).map((t) => t.label);
    expect(themes.filter((label) => ['astronaut', 'spaceship', 'galaxy', 'planet', 'orbit', 'alien', 'rocket', 'starship', 'asteroid', 'cosmos', 'launch', 'station', 'sci-fi'].includes(label)).length).toBeGreaterThanOrEqual(5);
    // The opposite direction is about anything but space.
    expect(model.themes(centroid, 6, -1).map((t) => t.label)).not.toContain('astronaut');
  });

  it('gives no vector to an item with no known words', () => {
    expect(model.embed({ title: 'zzz', plot: 'qqq xxyy', genres: [], cast: [], crew: [] })).toBeUndefined();
  });

  it('refuses to fit a catalogue with no shared terms', () => {
    expect(() => LsaModel.fit([{ title: 'alpha', genres: [], cast: [], crew: [] }], analyzer)).toThrow(RangeError);
  });

  it('saves and loads to an identical model', () => {
    const bytes = model.toArtifact();
    const loaded = LsaModel.fromArtifact(bytes, analyzer);
    expect(loaded.dimensions).toBe(model.dimensions);
    expect(loaded.vocabulary.terms).toEqual(model.vocabulary.terms);
    const random = mulberry32(5);
    for (const topic of TOPICS) {
      const cold = plantedItem(`x-${topic}`, topic, random);
      expect(Array.from(loaded.embed(cold)!)).toEqual(Array.from(model.embed(cold)!));
    }
    expect(Array.from(loaded.toArtifact())).toEqual(Array.from(bytes));
  });

  it('refuses artifacts of another kind, format or shape', () => {
    const other = encodeArtifact({ kind: 'als', format: 1, meta: {}, arrays: {} });
    expect(() => LsaModel.fromArtifact(other, analyzer)).toThrow(ArtifactFormatError);
    const future = encodeArtifact({ kind: 'story-lsa', format: 99, meta: {}, arrays: {} });
    expect(() => LsaModel.fromArtifact(future, analyzer)).toThrow(/format version 99/);
    const broken = encodeArtifact({
      kind: 'story-lsa',
      format: 1,
      meta: { dimensions: 8, fitDocuments: 1, fields: {}, terms: ['a'], labels: ['a'] },
      arrays: { idf: new Float32Array(1), projection: new Float32Array(3), singularValues: new Float32Array(8) },
    });
    expect(() => LsaModel.fromArtifact(broken, analyzer)).toThrow(ArtifactFormatError);
  });

  it('fits on a seeded sample when the catalogue is larger than maxFitDocuments', () => {
    const sampled = LsaModel.fit(items, analyzer, { dimensions: 4, maxFitDocuments: 30 });
    expect(sampled.fitDocuments).toBe(30);
    // Every item is still embedded through the sample's vocabulary.
    expect(items.filter((item) => sampled.embed(item)).length).toBeGreaterThan(items.length * 0.9);
  });
});
