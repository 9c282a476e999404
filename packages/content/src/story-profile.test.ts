import { beforeAll, describe, expect, it } from 'vitest';
import type { UserItemFeature } from '@recsys/core';
import { LsaModel } from './lsa-model.js';
import { storyEvidence, storyProfile } from './story-profile.js';
import { loadTextAnalyzer } from './text-analyzer.js';
import { plantedCatalogue, type Topic } from './testing/planted-catalogue.js';
import { cosine } from './vector-math.js';

const { items, topicOf } = plantedCatalogue(12, 5);
let vectorOf: (id: string) => Float32Array | undefined;
const centroid: Partial<Record<Topic, Float32Array>> = {};
const DAY = 86_400_000;
const NOW = Date.parse('2024-06-01T00:00:00Z');

beforeAll(async () => {
  const model = LsaModel.fit(items, await loadTextAnalyzer(), { dimensions: 6 });
  const vectors = new Map(items.map((i) => [i.item_id, model.embed(i)!]));
  vectorOf = (id) => vectors.get(id);
  for (const topic of ['space', 'romance', 'crime'] as Topic[]) {
    const of = items.filter((i) => topicOf.get(i.item_id) === topic).map((i) => vectors.get(i.item_id)!);
    centroid[topic] = Float32Array.from(of[0]!, (_, d) => of.reduce((s, v) => s + v[d]!, 0) / of.length);
  }
});

const idsOf = (topic: Topic) => items.filter((i) => topicOf.get(i.item_id) === topic).map((i) => i.item_id);
const watched = (item_id: string, daysAgo: number, preference = 3, consumed = true): UserItemFeature => ({
  item_id,
  preference,
  consumed,
  events: 1,
  last_at: NOW - daysAgo * DAY,
});

describe('story profile', () => {
  it('points at the stories the user finished', () => {
    const profile = storyProfile(idsOf('space').slice(0, 4).map((id) => watched(id, 10)), vectorOf, NOW)!;
    expect(profile.items).toBe(4);
    expect(cosine(profile.vector, centroid.space!)).toBeGreaterThan(0.8);
    expect(cosine(profile.vector, centroid.romance!)).toBeLessThan(0.3);
    expect(profile.coherence).toBeGreaterThan(0.7);
  });

  it('moves when tastes change: recent titles outweigh old ones', () => {
    const old = idsOf('space').slice(0, 5).map((id) => watched(id, 400));
    const recent = idsOf('romance').slice(0, 3).map((id) => watched(id, 5));
    const before = storyProfile(old, vectorOf, NOW)!;
    const after = storyProfile([...old, ...recent], vectorOf, NOW)!;
    expect(cosine(before.vector, centroid.space!)).toBeGreaterThan(cosine(before.vector, centroid.romance!));
    expect(cosine(after.vector, centroid.romance!)).toBeGreaterThan(cosine(after.vector, centroid.space!));
    // Without decay the five space titles would still win.
    const flat = storyProfile([...old, ...recent], vectorOf, NOW, { halfLifeDays: 1e9 })!;
    expect(cosine(flat.vector, centroid.space!)).toBeGreaterThan(cosine(flat.vector, centroid.romance!));
  });

  it('counts skips and abandons against', () => {
    const liked = idsOf('space').slice(0, 2).map((id) => watched(id, 3));
    const mixed = [...liked, ...idsOf('crime').slice(0, 2).map((id) => watched(id, 3, -2, false))];
    const base = storyProfile(liked, vectorOf, NOW)!;
    const withSkips = storyProfile(mixed, vectorOf, NOW)!;
    expect(cosine(withSkips.vector, centroid.crime!)).toBeLessThan(cosine(base.vector, centroid.crime!));
    expect(cosine(withSkips.vector, centroid.crime!)).toBeLessThan(0);
  });

  it('ignores interest in unwatched titles and titles without a vector', () => {
    expect(storyEvidence({ preference: 2, consumed: false })).toBe(0);
    expect(storyEvidence({ preference: -2, consumed: false })).toBe(-2);
    expect(storyEvidence({ preference: -1, consumed: true })).toBe(-1);
    expect(storyProfile([watched(idsOf('space')[0]!, 1, 2, false), watched('unknown', 1)], vectorOf, NOW)).toBeUndefined();
    expect(storyProfile([], vectorOf, NOW)).toBeUndefined();
  });
});
