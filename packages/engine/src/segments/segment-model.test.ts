import type { UserItemFeature, UserPreferences } from '@recsys/core';
import { testItem, testPreferences as prefs } from '@recsys/core/testing';
import { type SegmentProfile, type SparseRows, UserSegments } from '@recsys/insights';
import { CatalogView, rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { buildPopularity, itemFeaturesFrom } from '../popularity.js';
import { segmentContextSignals, segmentExport, placeUser, segmentSignalFactory } from './segment-context.js';
import { SEGMENT_SIGNAL, SegmentModel } from './segment-model.js';
import { segmentProfile } from './segment-profile.js';

// 30 titles: action 0-9 (liked by the young group), drama 10-19 (liked by the older group), and
// comedy 20-29, liked a little by everyone and so the most popular.
const GENRE = (i: number) => (i < 10 ? 'Action' : i < 20 ? 'Drama' : 'Comedy');
const item = (i: number) => testItem(`t${i}`, { title: `Title ${i}`, genres: [GENRE(i)] });
const ITEMS = Array.from({ length: 30 }, (_, i) => item(i));
const ITEM_IDS = ITEMS.map((i) => i.item_id);
const GROUPS = [
  { age: '18-24', block: 0 },
  { age: '55+', block: 10 },
];
const USERS = 40;

/** Each user likes 6 titles of their group's block and 4 comedies (both groups alike); vectors point at their group. */
function planted() {
  const vectors: Float32Array[] = [];
  const profiles: SegmentProfile[] = [];
  const interactions = new Map<string, UserItemFeature[]>();
  const rows: number[][] = [];
  for (let u = 0; u < USERS; u++) {
    const g = u % 2;
    const liked = [...Array.from({ length: 6 }, (_, k) => GROUPS[g]!.block + ((u + k) % 10)), ...[0, 3, 6, 8].map((k) => 20 + (((u >> 1) + k) % 10))];
    rows.push(liked);
    vectors.push(Float32Array.of(g === 0 ? 1 : 0.1, g === 1 ? 1 : 0.1, 0.05 * (u % 3)));
    profiles.push(segmentProfile({ age_bucket: GROUPS[g]!.age, genres: [] }, liked.map((i) => [GENRE(i)])));
    interactions.set(`u${u}`, liked.map((i) => ({ item_id: `t${i}`, preference: 2, events: 1, consumed: true, last_at: 1000 + u })));
  }
  const indptr = new Int32Array(USERS + 1);
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u]! + r.length));
  const matrix: SparseRows = {
    nRows: USERS,
    nCols: 30,
    indptr,
    indices: Int32Array.from(rows.flat()),
    values: new Float32Array(indptr[USERS]!).fill(2),
  };
  return { vectors, profiles, matrix, interactions };
}

const data = planted();
const segments = UserSegments.fit({ vectors: data.vectors, profiles: data.profiles, preferences: data.matrix }, { k: 2, seed: 1 });
const model = new SegmentModel(segments, ITEM_IDS);
const catalog = new CatalogView(ITEMS);
const popularity = buildPopularity(catalog, itemFeaturesFrom(data.interactions.values()), 2000);
const state = { catalog, bundle: { segments: model } };

const newUser = (preferences?: UserPreferences, interactions: UserItemFeature[] = []): UserState => ({ userId: 'new', interactions, preferences });
const WEIGHTS = { collaborative: 0.75, popularity: 0.1, trending: 0.05 };

describe('placing a new user in a segment', () => {
  const olderSegment = model.place(newUser(prefs({ age_bucket: '55+' })), catalog)!.segment;

  it('places by demographics, by stated genres or by the genres of liked titles', () => {
    expect(model.place(newUser(prefs({ age_bucket: '18-24' })), catalog)).toMatchObject({ basis: ['demographics'], own_vector: false });
    expect(model.place(newUser(prefs({ age_bucket: '18-24' })), catalog)!.segment).not.toBe(olderSegment);
    expect(model.place(newUser(prefs({ genres: ['Drama'] })), catalog)).toMatchObject({ segment: olderSegment, basis: ['genres'] });
    const likedDrama = [{ item_id: 't12', preference: 2, events: 0, consumed: true, last_at: 0 }];
    expect(model.place(newUser(prefs({}), likedDrama), catalog)!.segment).toBe(olderSegment);
    // A vector (the user folded in from liked titles) places too.
    expect(model.place(newUser(), catalog, Float32Array.of(0.1, 1, 0))).toMatchObject({ segment: olderSegment, basis: ['vector'] });
  });

  it('does not guess for a stranger', () => {
    expect(model.place(newUser(), catalog)).toBeUndefined();
    expect(model.place(newUser(prefs({ age_bucket: '100+', country: 'AQ' })), catalog)).toBeUndefined();
    expect(segmentContextSignals(state, newUser())).toEqual([]);
    expect(segmentExport(placeUser(state, newUser()))).toBeNull();
  });

  it('names the segment from its members', () => {
    expect(segments.label(olderSegment)).toBe('55+, drama');
  });
});

describe('the segment signal in the served ranking', () => {
  const older = newUser(prefs({ age_bucket: '55+' }));

  it("raises the segment's titles for a cold user and says why", () => {
    const plain = rank({ catalog, popularity }, older, { limit: 5, weights: WEIGHTS });
    expect(plain.items.every((i) => GENRE(i.row) === 'Comedy')).toBe(true);
    const signals = segmentContextSignals(state, older);
    expect(signals.map((s) => [s.name, s.source])).toEqual([[SEGMENT_SIGNAL, 'cold_start']]);
    // At the default weight the segment's titles move up the whole list...
    const dramaRanks = (items: { row: number; rank: number }[]) => items.filter((i) => GENRE(i.row) === 'Drama').map((i) => i.rank);
    const all = { limit: 30, weights: WEIGHTS };
    const before = dramaRanks(rank({ catalog, popularity }, older, all).items);
    const after = dramaRanks(rank({ catalog, popularity, contextSignals: signals }, older, all).items);
    expect(after.reduce((a, b) => a + b) / after.length).toBeLessThan(before.reduce((a, b) => a + b) / before.length - 5);
    // ... and a variant that trusts segments more puts them first, named as the reason.
    const trusting = { ...WEIGHTS, context: { [SEGMENT_SIGNAL]: 1 } };
    const served = rank({ catalog, popularity, contextSignals: signals }, older, { limit: 5, weights: trusting });
    expect(served.items.every((i) => GENRE(i.row) === 'Drama')).toBe(true);
    const top = served.items[0]!;
    expect(top.algorithm_source).toBe('cold_start');
    expect(top.explanation_reasons[0]).toBe('popular with viewers like you (segment: 55+, drama)');
  });

  it('is not applied once the user has a vector of their own', () => {
    const watched = [0, 1, 2, 3, 4].map((i) => ({ item_id: `t${i}`, preference: 3, events: 1, consumed: true, last_at: 0 }));
    const regular = newUser(prefs({ age_bucket: '55+' }), watched);
    expect(placeUser(state, regular)).toMatchObject({ own_vector: true });
    expect(segmentExport(placeUser(state, regular))).toMatchObject({ served: false });
    expect(segmentContextSignals(state, regular)).toEqual([]);
    // Titles named at onboarding are not events: the user is still new.
    const onboarded = newUser(prefs({ age_bucket: '55+' }), watched.map((w) => ({ ...w, events: 0 })));
    expect(segmentContextSignals(state, onboarded)).toHaveLength(1);
  });

  it('is built by the context registry factory, with the configured default weight', () => {
    const options = { weights: { [SEGMENT_SIGNAL]: 0.7 } };
    expect(segmentSignalFactory({ segments: state, user: older, options } as never)?.defaultWeight).toBe(0.7);
    expect(segmentSignalFactory({ segments: undefined, user: older, options } as never)).toBeUndefined();
  });
});
