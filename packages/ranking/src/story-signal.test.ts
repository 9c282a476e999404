import { beforeAll, describe, expect, it } from 'vitest';
import { type Item, topK, type UserItemFeature, type VectorIndexFactory } from '@recsys/core';
import { LsaModel, loadTextAnalyzer, StoryVectorBuilder } from '@recsys/content';
import { mulberry32 } from '@recsys/models';
import { CatalogView } from './catalog-view.js';
import { StorySignal } from './story-signal.js';

const bruteForce: VectorIndexFactory = {
  build: (vectors, dim) => ({
    dim,
    size: vectors.length / dim,
    search(query, k) {
      const scores = Float32Array.from({ length: vectors.length / dim }, (_, r) => {
        let s = 0;
        for (let d = 0; d < dim; d++) s += query[d]! * vectors[r * dim + d]!;
        return s;
      });
      const rows = topK(scores, k);
      return { rows, scores: Float32Array.from(rows, (r) => scores[r]!) };
    },
  }),
};

const WORDS = {
  space: ['astronaut', 'spaceship', 'galaxy', 'planet', 'orbit', 'alien', 'rocket', 'asteroid'],
  romance: ['love', 'wedding', 'kiss', 'heart', 'bride', 'lovers', 'passion', 'marriage'],
};
const COMMON = ['family', 'journey', 'secret', 'friend', 'city', 'young', 'life', 'world'];
type Topic = keyof typeof WORDS;

function story(id: string, topic: Topic, random: () => number, extra: Partial<Item> = {}): Item {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)]!;
  const plot = Array.from({ length: 10 }, () => (random() < 0.6 ? pick(WORDS[topic]) : pick(COMMON))).join(' ');
  return {
    item_id: id,
    title: `${topic} ${id}`,
    content_type: 'movie',
    plot,
    genres: [],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: [],
    available: true,
    updated_at: '2024-01-01T00:00:00Z',
    ...extra,
  };
}

const random = mulberry32(3);
const trained = [
  ...Array.from({ length: 15 }, (_, i) => story(`s${i}`, 'space', random)),
  ...Array.from({ length: 15 }, (_, i) => story(`r${i}`, 'romance', random)),
];
const NOW = Date.parse('2024-06-01T00:00:00Z');
const watched = (item_id: string, preference = 3, consumed = true): UserItemFeature => ({
  item_id,
  preference,
  consumed,
  events: 1,
  last_at: NOW - 86_400_000,
});

let model: LsaModel;
beforeAll(async () => {
  model = LsaModel.fit(trained, await loadTextAnalyzer(), { dimensions: 6 });
});

function signalFor(items: Item[]) {
  const catalog = new CatalogView(items);
  return { catalog, signal: new StorySignal(catalog, new StoryVectorBuilder(model).build(items), bruteForce) };
}

describe('StorySignal', () => {
  it('makes a cold item, upserted after the fit, a candidate and a strong match for a fan of its story', () => {
    const cold = story('cold-space', 'space', mulberry32(77), { title: 'Brand New Space Story' });
    const { catalog, signal } = signalFor([...trained, cold]);
    const user = { userId: 'u', interactions: ['s0', 's1', 's2'].map((id) => watched(id)) };
    const profile = signal.profile(user, NOW)!;
    expect(profile.text!.items).toBe(3);
    const coldRow = catalog.rowOf('cold-space')!;
    expect(Array.from(signal.candidates(profile, 10))).toContain(coldRow);
    const [coldScore, romanceScore] = signal.score(profile, [coldRow, catalog.rowOf('r0')!]);
    expect(coldScore!).toBeGreaterThan(0.6);
    expect(coldScore!).toBeGreaterThan(romanceScore! + 0.25);
    expect(Array.from(signal.vectorOf('cold-space')!)).toEqual(Array.from(model.embed(cold)!));
    expect(signal.vectorOf('cold-space', 'external')).toBeUndefined();
    expect(signal.vectorOf('nope')).toBeUndefined();
    const match = signal.nearestConsumed(coldRow, [catalog.rowOf('r1')!, catalog.rowOf('s0')!, catalog.rowOf('s1')!])!;
    expect(catalog.items[match.row]!.item_id).toMatch(/^s[01]$/);
    expect(match.similarity).toBeGreaterThan(0.5);
  });

  it('finds story neighbours of an item within its topic', () => {
    const { catalog, signal } = signalFor(trained);
    const neighbours = signal.similar(catalog.rowOf('r3')!, 5);
    expect(neighbours).toHaveLength(5);
    expect(neighbours.every((n) => catalog.items[n.row]!.item_id.startsWith('r'))).toBe(true);
    expect(neighbours.map((n) => n.row)).not.toContain(catalog.rowOf('r3'));
    expect(neighbours[0]!.similarity).toBeGreaterThanOrEqual(neighbours[4]!.similarity);
  });

  it('gives no profile to a user whose titles carry no story evidence', () => {
    const { signal } = signalFor(trained);
    expect(signal.profile({ userId: 'u', interactions: [watched('s0', 2, false)] }, NOW)).toBeUndefined();
    expect(signal.profile({ userId: 'u', interactions: [] }, NOW)).toBeUndefined();
  });

  it('compares titles with external embeddings in their own space', () => {
    const items = trained.map((item, i) => (i < 2 ? { ...item, embedding: i === 0 ? [1, 0, 0] : [0, 1, 0] } : item));
    const { catalog, signal } = signalFor(items);
    // Both space titles have embeddings, orthogonal ones: the external space decides.
    expect(signal.similarity(0, 1)).toBeCloseTo(0, 6);
    // A title without an embedding is compared through text.
    expect(signal.similarity(0, catalog.rowOf('s5')!)).toBeGreaterThan(0.3);
    expect(signal.similar(0, 3).map((n) => n.row)).toEqual([1]);
    const profile = signal.profile({ userId: 'u', interactions: [watched(items[0]!.item_id)] }, NOW)!;
    expect(profile.external!.items).toBe(1);
    const [self, other] = signal.score(profile, [0, 1]);
    expect(self).toBeCloseTo(1, 5);
    expect(other).toBeCloseTo(0, 5);
  });

  it('reports the drift of a changing taste and explains the titles that follow it', async () => {
    const { catalog, signal: plain } = signalFor(trained);
    const signal = new StorySignal(catalog, new StoryVectorBuilder(model).build(trained), bruteForce, { themes: model });
    const week = 7 * 86_400_000;
    const interactions: UserItemFeature[] = [
      ...Array.from({ length: 8 }, (_, i) => ({ ...watched(`r${i}`), last_at: NOW - (12 - i) * week })),
      ...Array.from({ length: 4 }, (_, i) => ({ ...watched(`s${i}`), last_at: NOW - (3 - i) * week })),
    ];
    const profile = signal.profile({ userId: 'u', interactions }, NOW)!;
    expect(profile.drift!.cosineDistance).toBeGreaterThan(0.2);
    expect(signal.followsDrift(profile, catalog.rowOf('s9')!)).toBe(true);
    expect(signal.followsDrift(profile, catalog.rowOf('r9')!)).toBe(false);
    const shift = signal.driftExplanation(profile, catalog.rowOf('s9')!)!;
    expect(shift).toMatch(/^taste_shift: toward (\S+), (\S+); away from .* \(\d\.\d\d in [\d.]+ weeks\)$/);
    const toward = /toward (\S+), (\S+);/.exec(shift)!.slice(1);
    expect(toward.some((label) => WORDS.space.includes(label))).toBe(true);
    expect(signal.driftExplanation(profile, catalog.rowOf('r9')!)).toBeUndefined();
    // Without a theme source the drift is still measured, just not explained.
    const plainProfile = plain.profile({ userId: 'u', interactions }, NOW)!;
    expect(plainProfile.drift!.cosineDistance).toBeCloseTo(profile.drift!.cosineDistance, 6);
    expect(plain.driftExplanation(plainProfile, catalog.rowOf('s9')!)).toBeUndefined();
  });

  it('refuses vectors that do not match the catalogue', () => {
    const catalog = new CatalogView(trained.slice(0, 3));
    expect(() => new StorySignal(catalog, new StoryVectorBuilder(model).build(trained), bruteForce)).toThrow(RangeError);
  });
});
