import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { meanSilhouette, UserSegments, profileFromPreferences, type SegmentProfile, type SparseRows } from './segments.js';
import { gaussian, mulberry32 } from './seeded-random.js';

const GROUPS = [
  { age: '18-24', country: 'US', genre: 'Action' },
  { age: '35-44', country: 'FR', genre: 'Drama' },
  { age: '55+', country: 'JP', genre: 'Anime' },
];
const DIM = 8;
const ITEMS_PER_GROUP = 10;

/** Three planted groups: vectors around distinct centres, matching profiles, and each group
 *  preferring its own block of items (group g likes items 10g .. 10g + 9, item 10g most). */
function planted(perGroup: number, seed: number) {
  const random = mulberry32(seed);
  const g = gaussian(random);
  const centres = GROUPS.map(() => Float32Array.from({ length: DIM }, () => 3 * g()));
  const vectors: Float32Array[] = [];
  const profiles: SegmentProfile[] = [];
  const group: number[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < perGroup * GROUPS.length; u++) {
    const grp = u % GROUPS.length;
    const spec = GROUPS[grp]!;
    group.push(grp);
    vectors.push(centres[grp]!.map((c) => c + 0.3 * g()));
    profiles.push({ age_bucket: spec.age, country: spec.country, genre_shares: { [spec.genre]: 3, Comedy: 1 } });
    for (let i = 0; i < ITEMS_PER_GROUP; i++) {
      if (random() < 1 - i * 0.08) {
        rows.push(u);
        cols.push(grp * ITEMS_PER_GROUP + i);
        vals.push(1);
      }
    }
    // A little cross-group noise.
    if (random() < 0.1) {
      rows.push(u);
      cols.push(((grp + 1) % GROUPS.length) * ITEMS_PER_GROUP);
      vals.push(1);
    }
  }
  return { vectors, profiles, group, centres, preferences: csr(perGroup * GROUPS.length, 30, rows, cols, vals) };
}

function csr(nRows: number, nCols: number, rows: number[], cols: number[], vals: number[]): SparseRows {
  const indptr = new Int32Array(nRows + 1);
  for (const r of rows) indptr[r + 1]!++;
  for (let r = 0; r < nRows; r++) indptr[r + 1]! += indptr[r]!;
  const fill = indptr.slice(0, nRows);
  const indices = new Int32Array(rows.length);
  const values = new Float32Array(rows.length);
  rows.forEach((r, j) => {
    indices[fill[r]!] = cols[j]!;
    values[fill[r]!++] = vals[j]!;
  });
  return { nRows, nCols, indptr, indices, values };
}

describe('UserSegments', () => {
  const data = planted(40, 1);
  const segments = UserSegments.fit(data, { k: 3, seed: 7 });
  const segmentOf = GROUPS.map((_, grp) => segments.assign(data.centres[grp]!));

  it('recovers planted groups, one segment each, and counts every user', () => {
    expect(new Set(segmentOf).size).toBe(3);
    data.vectors.forEach((v, u) => expect(segments.assign(v)).toBe(segmentOf[data.group[u]!]));
    expect([...segments.sizes].sort()).toEqual([40, 40, 40]);
  });

  it('places a new user from the profile features that are known', () => {
    expect(segments.assignFromProfile({ age_bucket: '35-44' })).toBe(segmentOf[1]);
    expect(segments.assignFromProfile({ country: 'JP' })).toBe(segmentOf[2]);
    expect(segments.assignFromProfile({ genre_shares: { Action: 1 } })).toBe(segmentOf[0]);
    expect(segments.assignFromProfile(profileFromPreferences({ genres: ['Drama'], country: 'FR' }))).toBe(segmentOf[1]);
    // A vector wins over nothing, and a profile is honoured alongside a vector.
    expect(segments.assign(data.centres[2]!, { country: 'JP' })).toBe(segmentOf[2]);
  });

  it('falls back to the largest segment when nothing usable is known', () => {
    const largest = segments.sizes.indexOf(Math.max(...segments.sizes));
    expect(segments.assignFromProfile({})).toBe(largest);
    expect(segments.assignFromProfile({ country: 'Atlantis', genre_shares: { Opera: 1 } })).toBe(largest);
  });

  it("serves a segment's tastes: its members' mean preferences, best first", () => {
    for (let grp = 0; grp < 3; grp++) {
      const top = segments.segmentTopItems(segmentOf[grp]!, 5);
      expect(top.items[0]).toBe(grp * ITEMS_PER_GROUP); // every member likes the first item
      expect(top.scores[0]).toBeCloseTo(1, 6);
      for (const i of top.items) expect(Math.floor(i / ITEMS_PER_GROUP)).toBe(grp);
      for (let j = 1; j < top.scores.length; j++) expect(top.scores[j]).toBeLessThanOrEqual(top.scores[j - 1]!);
    }
    const seen = new Set([0, 1]);
    const rest = segments.segmentTopItems(segmentOf[0]!, 3, seen);
    expect([...rest.items].some((i) => seen.has(i))).toBe(false);
    expect(rest.items).toHaveLength(3);
    expect(() => segments.segmentTopItems(3, 5)).toThrow(RangeError);
  });

  it('is deterministic for a seed and round-trips through JSON', () => {
    const again = UserSegments.fit(data, { k: 3, seed: 7 });
    expect([...again.centroids]).toEqual([...segments.centroids]);
    const copy = UserSegments.load(JSON.parse(JSON.stringify(segments)));
    expect(copy.dims).toBe(segments.dims);
    data.vectors.slice(0, 12).forEach((v, u) => expect(copy.assign(v, data.profiles[u])).toBe(segments.assign(v, data.profiles[u])));
    expect(copy.assignFromProfile({ age_bucket: '55+' })).toBe(segmentOf[2]);
    expect(copy.segmentTopItems(segmentOf[1]!, 4)).toEqual(segments.segmentTopItems(segmentOf[1]!, 4));
  });

  it('segments on profiles alone, and from a sample when there are many users', () => {
    const byProfile = UserSegments.fit({ profiles: data.profiles, preferences: data.preferences }, { k: 3, seed: 3 });
    expect(byProfile.vectorDim).toBe(0);
    expect(() => byProfile.assign(new Float32Array(DIM))).toThrow();
    const s = byProfile.assignFromProfile({ age_bucket: '18-24' });
    expect(byProfile.segmentTopItems(s, 1).items[0]).toBe(0);

    const sampled = UserSegments.fit(data, { k: 3, seed: 7, maxTrainingUsers: 30 });
    expect(sampled.sizes.reduce((a, b) => a + b, 0)).toBe(120);
    expect(new Set(GROUPS.map((_, grp) => sampled.assign(data.centres[grp]!))).size).toBe(3);
  });

  it('treats users with missing profile fields as neutral on those fields', () => {
    const partial = data.profiles.map((p, u) => (u % 4 === 0 ? undefined : u % 4 === 1 ? { country: p.country } : p));
    const seg = UserSegments.fit({ vectors: data.vectors, profiles: partial }, { k: 3, seed: 7 });
    const ofGroup = GROUPS.map((_, grp) => seg.assign(data.centres[grp]!));
    expect(new Set(ofGroup).size).toBe(3);
    expect(seg.assignFromProfile({ age_bucket: '35-44' })).toBe(ofGroup[1]);
  });

  it('rejects inconsistent input', () => {
    expect(() => UserSegments.fit({})).toThrow(RangeError);
    expect(() => UserSegments.fit(data, { k: 1000 })).toThrow(RangeError);
    expect(() => UserSegments.fit({ vectors: data.vectors, profiles: data.profiles.slice(1) })).toThrow(RangeError);
    expect(() => segments.assign(new Float32Array(3))).toThrow(RangeError);
  });
});

describe('UserSegments: choosing k, describing and storing segments', () => {
  const data = planted(40, 1);
  const segments = UserSegments.fit(data, { k: 'auto', seed: 7, minSegmentSize: 10 });
  const segmentOf = GROUPS.map((_, grp) => segments.assign(data.centres[grp]!));

  it('chooses the planted number of groups by silhouette', () => {
    expect(segments.k).toBe(3);
    expect(segments.report?.k).toBe(3);
    const best = Math.max(...segments.report!.tried.map((t) => t.silhouette));
    expect(segments.report!.tried.find((t) => t.k === 3)!.silhouette).toBe(best);
    expect(new Set(segmentOf).size).toBe(3);
  });

  it('does not split users into segments smaller than the minimum', () => {
    const few = UserSegments.fit({ vectors: data.vectors.slice(0, 30), profiles: data.profiles.slice(0, 30) }, { k: 'auto', minSegmentSize: 20 });
    expect(few.k).toBe(1);
    const some = UserSegments.fit(data, { k: 'auto', minSegmentSize: 50 });
    expect(some.k).toBe(2); // 120 users, at least 50 each on average
  });

  it('gives each segment a user vector near its group centre and a name from its members', () => {
    GROUPS.forEach((spec, grp) => {
      const v = segments.segmentVector(segmentOf[grp]!)!;
      const centre = data.centres[grp]!;
      const distance = Math.hypot(...v.map((x, j) => x - centre[j]!));
      expect(distance).toBeLessThan(0.2 * Math.hypot(...centre));
      const d = segments.describe(segmentOf[grp]!);
      expect(d).toMatchObject({ age_bucket: spec.age, country: spec.country });
      // Comedy is shared by every group: the characteristic genre comes first.
      expect(d.genres[0]).toBe(spec.genre);
      expect(segments.label(segmentOf[grp]!)).toBe(`${spec.age}, ${spec.country}, ${spec.genre.toLowerCase()}`);
    });
  });

  it('places by gender when that is what is known', () => {
    const profiles = data.profiles.map((p, u) => ({ ...p, gender: data.group[u] === 1 ? 'F' : 'M' }));
    const seg = UserSegments.fit({ vectors: data.vectors, profiles }, { k: 3, seed: 7 });
    const drama = seg.assign(data.centres[1]!);
    expect(seg.assignFromProfile({ gender: 'F' })).toBe(drama);
    expect(seg.describe(drama).gender).toBe('F');
    expect(seg.knows({ gender: 'F' })).toBe(true);
    expect(seg.knows({ gender: 'X', country: 'Atlantis' })).toBe(false);
  });

  it('round-trips through its binary artifact', () => {
    const bytes = segments.toArtifact();
    const copy = UserSegments.fromArtifact(bytes);
    expect(copy.k).toBe(segments.k);
    expect([...copy.centroids]).toEqual([...segments.centroids]);
    expect([...copy.sizes]).toEqual([...segments.sizes]);
    expect(copy.nItems).toBe(30);
    for (let s = 0; s < segments.k; s++) {
      expect(copy.segmentTopItems(s, 10)).toEqual(segments.segmentTopItems(s, 10));
      expect(copy.label(s)).toBe(segments.label(s));
    }
    data.vectors.slice(0, 12).forEach((v, u) => expect(copy.assign(v, data.profiles[u])).toBe(segments.assign(v, data.profiles[u])));
    const other = encodeArtifact({ kind: 'als', format: 1, meta: {}, arrays: {} });
    expect(() => UserSegments.fromArtifact(other)).toThrow(ArtifactFormatError);
  });

  it('scores clear clusters near 1 and a single blob near 0 by silhouette', () => {
    const two = [[0, 0], [0, 0.1], [10, 10], [10, 10.1]];
    expect(meanSilhouette(two, [[0, 0.05], [10, 10.05]])).toBeGreaterThan(0.95);
    const line = Array.from({ length: 20 }, (_, i) => [i, 0]);
    expect(meanSilhouette(line, [[4.5, 0], [14.5, 0]])).toBeLessThan(0.8);
    expect(meanSilhouette(line, [[9.5, 0]])).toBe(0);
  });
});

describe('profileFromPreferences', () => {
  it('keeps demographics and gives chosen genres equal shares', () => {
    expect(profileFromPreferences({ age_bucket: '25-34', genres: ['Drama', 'Anime'] })).toEqual({
      age_bucket: '25-34',
      genre_shares: { Drama: 1, Anime: 1 },
    });
    expect(profileFromPreferences({ genres: [] })).toEqual({});
    expect(profileFromPreferences({ gender: 'F', country: 'DE' })).toEqual({ gender: 'F', country: 'DE' });
  });
});
