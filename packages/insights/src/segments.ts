// User segments by KMeans over user vectors and profile features, so that a new user can be
// placed in the nearest segment from whatever is known and served that segment's tastes.
import { decodeArtifact, encodeArtifact, type UserPreferences } from '@recsys/core';
import { kmeans } from 'ml-kmeans';
import { mulberry32 } from './seeded-random.js';

/** What may be known about a user besides their vector; every field is optional. */
export interface SegmentProfile {
  age_bucket?: string;
  country?: string;
  gender?: string;
  /** Weight per genre (history shares or onboarding choices); normalised to sum 1 when encoded. */
  genre_shares?: Readonly<Record<string, number>>;
}

/** The values one-hot encoded; anything outside them counts as unknown. */
export interface ProfileVocabulary {
  ageBuckets: readonly string[];
  countries: readonly string[];
  /** Absent in segments written before gender was encoded: no gender block. */
  genders?: readonly string[];
  genres: readonly string[];
}

/** A users × items sparse matrix in CSR layout; InteractionMatrix from the models package fits. */
export interface SparseRows {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export interface SegmentTrainingData {
  /** One vector per user (e.g. MF user factors). Give vectors, profiles or both. */
  vectors?: readonly Float32Array[];
  /** One profile per user, aligned with `vectors`; undefined where nothing is known. */
  profiles?: readonly (SegmentProfile | undefined)[];
  /** Users × items preferences, rows aligned with the users: averaged into each segment's taste. */
  preferences?: SparseRows;
  /**
   * A model's predicted preference of every item (the preference matrix's columns) for a vector,
   * e.g. MF item factors · vector. When given, a segment's taste is what the model predicts for
   * the segment user vector (smoother than its members' raw ratings) instead of their mean.
   */
  itemScores?: (vector: Float32Array) => Float32Array;
}

export interface BlockWeights {
  vector: number;
  age: number;
  country: number;
  gender: number;
  genres: number;
}

export interface UserSegmentsOptions {
  /**
   * Number of segments (default 8; at most the number of users), or "auto": the candidate with
   * the best mean silhouette (see kCandidates, minSegmentSize).
   */
  k?: number | 'auto';
  /** Values of k tried by "auto" (default 2, 3, 4, 5, 6, 8, 10, 12, 16). */
  kCandidates?: readonly number[];
  /** "auto" tries only k with at least this many users per segment on average (default 25). */
  minSegmentSize?: number;
  /** KMeans++ initialisation and training-sample seed (default 42). */
  seed?: number;
  maxIterations?: number;
  /** KMeans runs on a seeded sample of at most this many users; every user is assigned after. */
  maxTrainingUsers?: number;
  /**
   * Compare vectors by direction (each scaled to unit length) rather than by position (scaled by
   * the mean norm): users who rated little have short vectors, and should not form a segment of
   * their own for that (default false).
   */
  normalizeVectors?: boolean;
  /**
   * Weight of each feature block in the distance. Vectors are first scaled to unit mean norm, so
   * with weight 1 they count about as much as one one-hot block.
   */
  weights?: Partial<BlockWeights>;
  /** Vocabulary for the one-hot blocks; by default the sorted values seen in the profiles. */
  vocabulary?: ProfileVocabulary;
  /** Items kept per segment taste, best first (default 500). */
  tasteSize?: number;
}

export interface SegmentTaste {
  /** Item indices (columns of the preference matrix), best first. */
  items: Int32Array;
  /** Mean preference of the segment's members for each item. */
  scores: Float32Array;
}

export interface UserSegmentsJSON {
  format: 1;
  k: number;
  vectorDim: number;
  vectorScale: number;
  /** True when vectors were compared by direction (absent in older files: false). */
  normalizeVectors?: boolean;
  weights: BlockWeights;
  vocabulary: ProfileVocabulary;
  /** k × dims, row-major, in the encoded (scaled and weighted) space. */
  centroids: number[];
  sizes: number[];
  nItems: number;
  tastes: { items: number[]; scores: number[] }[];
}

const DEFAULT_WEIGHTS: BlockWeights = { vector: 1, age: 1, country: 1, gender: 1, genres: 1 };

/** The profile known at onboarding: demographics and chosen genres (equal shares). */
export function profileFromPreferences(
  prefs: Partial<Pick<UserPreferences, 'age_bucket' | 'country' | 'gender' | 'genres'>>,
): SegmentProfile {
  const profile: SegmentProfile = {};
  if (prefs.age_bucket) profile.age_bucket = prefs.age_bucket;
  if (prefs.country) profile.country = prefs.country;
  if (prefs.gender) profile.gender = prefs.gender;
  if (prefs.genres && prefs.genres.length > 0) profile.genre_shares = Object.fromEntries(prefs.genres.map((g) => [g, 1]));
  return profile;
}

interface Encoded {
  values: Float64Array;
  known: Uint8Array;
}

/** What the fit measured: the k tried and their silhouette (when k was chosen), and the one kept. */
export interface SegmentFitReport {
  k: number;
  /** Mean silhouette of each k tried, in the order tried (empty when k was given). */
  tried: { k: number; silhouette: number }[];
}

/** A segment in words, read off its centroid: dominant demographics and over-represented genres. */
export interface SegmentDescription {
  age_bucket?: string;
  country?: string;
  gender?: string;
  /** Up to two genres, the most characteristic first. */
  genres: string[];
}

const ARTIFACT_KIND = 'user-segments';
const ARTIFACT_FORMAT = 1;

interface SegmentsMeta {
  k: number;
  vectorDim: number;
  vectorScale: number;
  normalizeVectors?: boolean;
  weights: BlockWeights;
  vocabulary: ProfileVocabulary;
  nItems: number;
}

export class UserSegments {
  readonly k: number;
  readonly vectorDim: number;
  /** Mean norm of the training vectors: vectors are divided by it before weighting. */
  readonly vectorScale: number;
  /** Vectors are compared by direction: each is scaled to unit length before weighting. */
  readonly normalizeVectors: boolean;
  readonly weights: BlockWeights;
  readonly vocabulary: Required<ProfileVocabulary>;
  /** k × dims in the encoded space. */
  readonly centroids: Float64Array;
  /** Users per segment (all users, not just the KMeans sample). */
  readonly sizes: Int32Array;
  readonly nItems: number;
  /** How k was chosen; undefined for segments loaded from a file. */
  readonly report: SegmentFitReport | undefined;
  readonly #tastes: SegmentTaste[];
  readonly #dims: number;
  readonly #ageIndex: Map<string, number>;
  readonly #countryIndex: Map<string, number>;
  readonly #genderIndex: Map<string, number>;
  readonly #genreIndex: Map<string, number>;

  private constructor(meta: SegmentsMeta, centroids: Float64Array, sizes: Int32Array, tastes: SegmentTaste[], report?: SegmentFitReport) {
    this.k = meta.k;
    this.vectorDim = meta.vectorDim;
    this.vectorScale = meta.vectorScale;
    this.normalizeVectors = meta.normalizeVectors ?? false;
    this.weights = { ...DEFAULT_WEIGHTS, ...meta.weights };
    this.vocabulary = {
      ageBuckets: [...meta.vocabulary.ageBuckets],
      countries: [...meta.vocabulary.countries],
      genders: [...(meta.vocabulary.genders ?? [])],
      genres: [...meta.vocabulary.genres],
    };
    this.nItems = meta.nItems;
    this.#dims = this.vectorDim + vocabularySize(this.vocabulary);
    if (centroids.length !== this.k * this.#dims || sizes.length !== this.k || tastes.length !== this.k) {
      throw new RangeError('inconsistent segment arrays');
    }
    this.centroids = centroids;
    this.sizes = sizes;
    this.report = report;
    this.#tastes = tastes;
    this.#ageIndex = indexOf(this.vocabulary.ageBuckets);
    this.#countryIndex = indexOf(this.vocabulary.countries);
    this.#genderIndex = indexOf(this.vocabulary.genders);
    this.#genreIndex = indexOf(this.vocabulary.genres);
  }

  /** Dimensions of the encoded space: vector, then age, country, gender and genre blocks. */
  get dims(): number {
    return this.#dims;
  }

  static fit(data: SegmentTrainingData, options: UserSegmentsOptions = {}): UserSegments {
    const { vectors, profiles, preferences } = data;
    const n = vectors?.length ?? profiles?.length ?? 0;
    if (n === 0) throw new RangeError('segments need users: give vectors or profiles');
    if (vectors && profiles && profiles.length !== n) throw new RangeError('vectors and profiles differ in length');
    if (preferences && preferences.nRows !== n) throw new RangeError('preferences must have one row per user');
    const vectorDim = vectors?.[0]?.length ?? 0;
    if (vectors) for (const v of vectors) if (v.length !== vectorDim) throw new RangeError('vectors differ in length');
    const requested = options.k ?? 8;
    if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 1 || requested > n)) {
      throw new RangeError(`k must be an integer in [1, ${n}] or "auto"`);
    }
    const seed = options.seed ?? 42;
    const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    const vocabulary = { genders: [], ...(options.vocabulary ?? vocabularyOf(profiles ?? [])) };

    let normSum = 0;
    if (vectors) for (const v of vectors) normSum += Math.hypot(...v);
    const vectorScale = vectors && normSum > 0 ? normSum / n : 1;

    // A shell with no centroids yet, only to reuse the encoder.
    const dims = vectorDim + vocabularySize(vocabulary);
    const normalizeVectors = options.normalizeVectors ?? false;
    const meta = (k: number, nItems = 0): SegmentsMeta => ({ k, vectorDim, vectorScale, normalizeVectors, weights, vocabulary, nItems });
    const shell = new UserSegments(meta(1), new Float64Array(dims), new Int32Array(1), [emptyTaste()]);
    const encoded = Array.from({ length: n }, (_, u) => shell.#encode(vectors?.[u], profiles?.[u]));
    // Unknown features take the mean of the users who have them, so they pull towards no segment.
    const sum = new Float64Array(dims);
    const count = new Float64Array(dims);
    for (const e of encoded) for (let j = 0; j < dims; j++) if (e.known[j]) (sum[j]! += e.values[j]!), count[j]!++;
    const rows = encoded.map((e) => Array.from(e.values, (x, j) => (e.known[j] ? x : count[j]! > 0 ? sum[j]! / count[j]! : 0)));

    const maxTraining = options.maxTrainingUsers ?? 20_000;
    const sample = n > maxTraining ? seededSample(n, maxTraining, seed).map((i) => rows[i]!) : rows;
    const maxIterations = options.maxIterations ?? 100;
    const cluster = (points: number[][], k: number) =>
      kmeans(points, k, { seed, initialization: 'kmeans++', maxIterations }).centroids;
    let k: number;
    let report: SegmentFitReport;
    let centroidRows: number[][];
    if (requested === 'auto') {
      const chosen = chooseK(sample, options, seed, cluster);
      ({ k, report } = chosen);
      centroidRows = chosen.centroids;
    } else {
      k = requested;
      report = { k, tried: [] };
      centroidRows = cluster(sample, k);
    }
    const centroids = Float64Array.from(centroidRows.flat());

    const fitted = new UserSegments(meta(k), centroids, new Int32Array(k), Array.from({ length: k }, () => emptyTaste()));
    const membership = Int32Array.from(rows, (r) => fitted.#nearest(Float64Array.from(r), undefined, false));
    const sizes = new Int32Array(k);
    for (const s of membership) sizes[s]!++;
    const tasteSize = options.tasteSize ?? 500;
    let tastes: SegmentTaste[];
    let nItems = preferences?.nCols ?? 0;
    if (data.itemScores && vectorDim > 0) {
      tastes = Array.from({ length: k }, (_, s) => topTaste(data.itemScores!(fitted.segmentVector(s)!), tasteSize));
      nItems = tastes.length ? data.itemScores(new Float32Array(vectorDim)).length : 0;
    } else {
      tastes = preferences ? segmentTastes(preferences, membership, sizes, tasteSize) : Array.from({ length: k }, () => emptyTaste());
    }
    return new UserSegments(meta(k, nItems), centroids, sizes, tastes, report);
  }

  /** Nearest segment for a user with a vector; profile features are used when given. */
  assign(vector: Float32Array, profile?: SegmentProfile): number {
    if (this.vectorDim === 0) throw new Error('these segments were fitted without vectors: use assignFromProfile');
    if (vector.length !== this.vectorDim) throw new RangeError(`expected ${this.vectorDim} dimensions, got ${vector.length}`);
    const e = this.#encode(vector, profile);
    return this.#nearest(e.values, e.known, true);
  }

  /**
   * Nearest segment for a user without a vector, by the distance over the known profile
   * dimensions only. With nothing known (or nothing in the vocabulary) the largest segment: the
   * best guess without evidence.
   */
  assignFromProfile(profile: SegmentProfile): number {
    const e = this.#encode(undefined, profile);
    return this.#nearest(e.values, e.known, true);
  }

  /** True when `profile` has at least one value these segments encode (else placement is a guess). */
  knows(profile: SegmentProfile): boolean {
    return this.#encode(undefined, profile).known.includes(1);
  }

  /** The segment's best `k` items by mean member preference, skipping `exclude` (e.g. already seen). */
  segmentTopItems(segment: number, k: number, exclude?: ReadonlySet<number>): SegmentTaste {
    const taste = this.#taste(segment);
    const items: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < taste.items.length && items.length < k; i++) {
      if (exclude?.has(taste.items[i]!)) continue;
      items.push(taste.items[i]!);
      scores.push(taste.scores[i]!);
    }
    return { items: Int32Array.from(items), scores: Float32Array.from(scores) };
  }

  /** The segment's centroid in the encoded space (a copy). */
  centroid(segment: number): Float64Array {
    this.#taste(segment);
    return this.centroids.slice(segment * this.#dims, (segment + 1) * this.#dims);
  }

  /**
   * The segment's centroid in the space of the training vectors (e.g. MF user factors): a
   * "segment user vector"; undefined for segments fitted without vectors.
   */
  segmentVector(segment: number): Float32Array | undefined {
    this.#taste(segment);
    if (this.vectorDim === 0 || !(this.weights.vector > 0)) return undefined;
    const base = segment * this.#dims;
    const scale = this.vectorScale / this.weights.vector;
    return Float32Array.from({ length: this.vectorDim }, (_, j) => this.centroids[base + j]! * scale);
  }

  /**
   * The segment in words: each demographic held by at least 40 % of its members, and up to two
   * over-represented genres by share × lift over all users (so not every segment reads "drama").
   */
  describe(segment: number): SegmentDescription {
    const c = this.centroid(segment);
    const out: SegmentDescription = { genres: [] };
    let offset = this.vectorDim;
    const dominant = (values: readonly string[], weight: number): string | undefined => {
      let best = -1;
      for (let j = 0; j < values.length; j++) if (best < 0 || c[offset + j]! > c[offset + best]!) best = j;
      const found = best >= 0 && weight > 0 && c[offset + best]! / weight >= 0.4 ? values[best] : undefined;
      offset += values.length;
      return found;
    };
    const { ageBuckets, countries, genders, genres } = this.vocabulary;
    const age = dominant(ageBuckets, this.weights.age);
    const country = dominant(countries, this.weights.country);
    const gender = dominant(genders, this.weights.gender);
    if (age) out.age_bucket = age;
    if (country) out.country = country;
    if (gender) out.gender = gender;
    const total = this.sizes.reduce((a, b) => a + b, 0) || 1;
    const ranked = genres
      .map((genre, j) => {
        let overall = 0;
        for (let s = 0; s < this.k; s++) overall += (this.sizes[s]! / total) * this.centroids[s * this.#dims + offset + j]!;
        const share = c[offset + j]!;
        // Only over-represented genres (lift above 1.1) characterise a segment.
        return { genre, score: overall > 0 && share > 1.1 * overall ? (share * share) / overall : 0 };
      })
      .filter((g) => g.score > 0)
      .sort((a, b) => b.score - a.score || (a.genre < b.genre ? -1 : 1));
    out.genres = ranked.slice(0, 2).map((g) => g.genre);
    return out;
  }

  /** A short name for the segment, e.g. "25-34, action/sci-fi" (the segment number when nothing stands out). */
  label(segment: number): string {
    const d = this.describe(segment);
    const parts = [d.age_bucket, d.gender, d.country, d.genres.map((g) => g.toLowerCase()).join('/')].filter(
      (p): p is string => !!p,
    );
    return parts.length ? parts.join(', ') : `#${segment + 1}`;
  }

  toJSON(): UserSegmentsJSON {
    return {
      format: 1,
      k: this.k,
      vectorDim: this.vectorDim,
      vectorScale: this.vectorScale,
      normalizeVectors: this.normalizeVectors,
      weights: { ...this.weights },
      vocabulary: this.vocabulary,
      centroids: [...this.centroids],
      sizes: [...this.sizes],
      nItems: this.nItems,
      tastes: this.#tastes.map((t) => ({ items: [...t.items], scores: [...t.scores] })),
    };
  }

  static load(json: UserSegmentsJSON): UserSegments {
    if (json.format !== 1) throw new Error(`unsupported segments format ${String(json.format)}`);
    return new UserSegments(
      json,
      Float64Array.from(json.centroids),
      Int32Array.from(json.sizes),
      json.tastes.map((t) => ({ items: Int32Array.from(t.items), scores: Float32Array.from(t.scores) })),
    );
  }

  /**
   * The binary model artifact (kind "user-segments", format 1): meta {k, vectorDim, vectorScale,
   * weights, vocabulary, nItems}; arrays centroids (f64, k × dims), sizes (i32), and the tastes
   * concatenated: taste_offsets (i32, k + 1), taste_items (i32), taste_scores (f32).
   */
  toArtifact(): Uint8Array {
    const offsets = new Int32Array(this.k + 1);
    this.#tastes.forEach((t, s) => (offsets[s + 1] = offsets[s]! + t.items.length));
    const items = new Int32Array(offsets[this.k]!);
    const scores = new Float32Array(offsets[this.k]!);
    this.#tastes.forEach((t, s) => {
      items.set(t.items, offsets[s]!);
      scores.set(t.scores, offsets[s]!);
    });
    const meta: SegmentsMeta = {
      k: this.k,
      vectorDim: this.vectorDim,
      vectorScale: this.vectorScale,
      normalizeVectors: this.normalizeVectors,
      weights: this.weights,
      vocabulary: this.vocabulary,
      nItems: this.nItems,
    };
    return encodeArtifact<SegmentsMeta>({
      kind: ARTIFACT_KIND,
      format: ARTIFACT_FORMAT,
      meta,
      arrays: { centroids: this.centroids, sizes: this.sizes, taste_offsets: offsets, taste_items: items, taste_scores: scores },
    });
  }

  /** Loads segments written by `toArtifact`; throws ArtifactFormatError on another kind or format. */
  static fromArtifact(bytes: Uint8Array): UserSegments {
    const { meta, arrays } = decodeArtifact<SegmentsMeta>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const { centroids, sizes, taste_offsets: offsets, taste_items: items, taste_scores: scores } = arrays;
    if (
      !(centroids instanceof Float64Array) ||
      !(sizes instanceof Int32Array) ||
      !(offsets instanceof Int32Array) ||
      !(items instanceof Int32Array) ||
      !(scores instanceof Float32Array) ||
      offsets.length !== meta.k + 1 ||
      offsets[meta.k] !== items.length ||
      items.length !== scores.length
    ) {
      throw new RangeError('user-segments artifact: bad arrays');
    }
    const tastes = Array.from({ length: meta.k }, (_, s) => ({
      items: items.slice(offsets[s]!, offsets[s + 1]!),
      scores: scores.slice(offsets[s]!, offsets[s + 1]!),
    }));
    return new UserSegments(meta, centroids, sizes, tastes);
  }

  #taste(segment: number): SegmentTaste {
    if (!Number.isInteger(segment) || segment < 0 || segment >= this.k) throw new RangeError(`segment must be in [0, ${this.k})`);
    return this.#tastes[segment]!;
  }

  #encode(vector: Float32Array | undefined, profile: SegmentProfile | undefined): Encoded {
    const values = new Float64Array(this.#dims);
    const known = new Uint8Array(this.#dims);
    const w = this.weights;
    if (vector) {
      // By direction: a user folded in from three titles has a short vector, yet the same tastes.
      const scale = this.normalizeVectors ? Math.hypot(...vector) || 1 : this.vectorScale;
      for (let j = 0; j < this.vectorDim; j++) values[j] = (vector[j]! / scale) * w.vector;
      known.fill(1, 0, this.vectorDim);
    }
    let offset = this.vectorDim;
    const oneHot = (value: string | undefined, index: Map<string, number>, weight: number): void => {
      const at = value === undefined ? undefined : index.get(value);
      if (at !== undefined) {
        values[offset + at] = weight;
        known.fill(1, offset, offset + index.size);
      }
      offset += index.size;
    };
    oneHot(profile?.age_bucket, this.#ageIndex, w.age);
    oneHot(profile?.country, this.#countryIndex, w.country);
    oneHot(profile?.gender, this.#genderIndex, w.gender);
    const shares = profile?.genre_shares;
    if (shares) {
      let total = 0;
      for (const [g, s] of Object.entries(shares)) if (this.#genreIndex.has(g) && s > 0) total += s;
      if (total > 0) {
        for (const [g, s] of Object.entries(shares)) {
          const at = this.#genreIndex.get(g);
          if (at !== undefined && s > 0) values[offset + at] = (s / total) * w.genres;
        }
        known.fill(1, offset, offset + this.#genreIndex.size);
      }
    }
    return { values, known };
  }

  /** Nearest centroid over the known dimensions (all when `known` is undefined). */
  #nearest(values: Float64Array, known: Uint8Array | undefined, preferLargestIfUnknown: boolean): number {
    if (preferLargestIfUnknown && known && !known.includes(1)) return largest(this.sizes);
    let best = 0;
    let bestDistance = Infinity;
    for (let s = 0; s < this.k; s++) {
      let d = 0;
      const base = s * this.#dims;
      for (let j = 0; j < this.#dims; j++) {
        if (known && !known[j]) continue;
        const diff = values[j]! - this.centroids[base + j]!;
        d += diff * diff;
      }
      // Ties (e.g. one-hot features shared by two segments) go to the larger segment.
      if (d < bestDistance - 1e-12 || (Math.abs(d - bestDistance) <= 1e-12 && this.sizes[s]! > this.sizes[best]!)) {
        best = s;
        bestDistance = d;
      }
    }
    return best;
  }
}

/**
 * The number of segments by the mean silhouette (Rousseeuw 1987) on a seeded sample of users: each
 * candidate k is clustered and the k whose users sit most clearly inside their own segment rather
 * than the next one wins (ties to the smaller k). Candidates leaving fewer than `minSegmentSize`
 * users per segment on average are not tried: a segment must stand for a group, not a person.
 */
function chooseK(
  rows: number[][],
  options: UserSegmentsOptions,
  seed: number,
  cluster: (points: number[][], k: number) => number[][],
): { k: number; report: SegmentFitReport; centroids: number[][] } {
  const minSize = options.minSegmentSize ?? 25;
  const candidates = (options.kCandidates ?? [2, 3, 4, 5, 6, 8, 10, 12, 16]).filter(
    (k) => Number.isInteger(k) && k >= 2 && k * minSize <= rows.length,
  );
  if (candidates.length === 0) return { k: 1, report: { k: 1, tried: [] }, centroids: cluster(rows, 1) };
  const probe = rows.length > 1000 ? seededSample(rows.length, 1000, seed + 1).map((i) => rows[i]!) : rows;
  const tried: SegmentFitReport['tried'] = [];
  let best: { k: number; silhouette: number; centroids: number[][] } | undefined;
  for (const k of candidates) {
    const centroids = cluster(rows, k);
    const silhouette = meanSilhouette(probe, centroids);
    tried.push({ k, silhouette });
    if (!best || silhouette > best.silhouette + 1e-9) best = { k, silhouette, centroids };
  }
  return { k: best!.k, report: { k: best!.k, tried }, centroids: best!.centroids };
}

/** Mean silhouette of `points` under nearest-centroid membership (0 for a point alone in its segment). */
export function meanSilhouette(points: readonly (readonly number[])[], centroids: readonly (readonly number[])[]): number {
  const n = points.length;
  const k = centroids.length;
  if (n < 2 || k < 2) return 0;
  const dist = (a: readonly number[], b: readonly number[]) => {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
    return Math.sqrt(s);
  };
  const member = points.map((p) => {
    let best = 0;
    let bestD = Infinity;
    centroids.forEach((c, s) => {
      const d = dist(p, c);
      if (d < bestD) (best = s), (bestD = d);
    });
    return best;
  });
  const counts = new Int32Array(k);
  for (const m of member) counts[m]!++;
  let total = 0;
  const sums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if (counts[member[i]!]! < 2) continue;
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[member[j]!]! += dist(points[i]!, points[j]!);
    const a = sums[member[i]!]! / (counts[member[i]!]! - 1);
    let b = Infinity;
    for (let s = 0; s < k; s++) if (s !== member[i] && counts[s]! > 0) b = Math.min(b, sums[s]! / counts[s]!);
    const m = Math.max(a, b);
    total += m > 0 && Number.isFinite(b) ? (b - a) / m : 0;
  }
  return total / n;
}

function segmentTastes(prefs: SparseRows, membership: Int32Array, sizes: Int32Array, tasteSize: number): SegmentTaste[] {
  const k = sizes.length;
  const sums = Array.from({ length: k }, () => new Float64Array(prefs.nCols));
  for (let u = 0; u < prefs.nRows; u++) {
    const row = sums[membership[u]!]!;
    for (let p = prefs.indptr[u]!; p < prefs.indptr[u + 1]!; p++) row[prefs.indices[p]!]! += prefs.values[p]!;
  }
  return sums.map((row, s) => {
    const items: number[] = [];
    for (let i = 0; i < row.length; i++) if (row[i]! > 0) items.push(i);
    // Mean over all members, so an item liked by few members of a big segment ranks low.
    items.sort((a, b) => row[b]! - row[a]! || a - b);
    items.length = Math.min(items.length, tasteSize);
    return { items: Int32Array.from(items), scores: Float32Array.from(items, (i) => row[i]! / Math.max(1, sizes[s]!)) };
  });
}

/** The `size` best positive scores, best first (ties to the lower item). */
function topTaste(scores: Float32Array, size: number): SegmentTaste {
  const items: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) items.push(i);
  items.sort((a, b) => scores[b]! - scores[a]! || a - b);
  items.length = Math.min(items.length, size);
  return { items: Int32Array.from(items), scores: Float32Array.from(items, (i) => scores[i]!) };
}

function vocabularyOf(profiles: readonly (SegmentProfile | undefined)[]): ProfileVocabulary {
  const ages = new Set<string>();
  const countries = new Set<string>();
  const genders = new Set<string>();
  const genres = new Set<string>();
  for (const p of profiles) {
    if (!p) continue;
    if (p.age_bucket) ages.add(p.age_bucket);
    if (p.country) countries.add(p.country);
    if (p.gender) genders.add(p.gender);
    for (const [g, s] of Object.entries(p.genre_shares ?? {})) if (s > 0) genres.add(g);
  }
  return { ageBuckets: [...ages].sort(), countries: [...countries].sort(), genders: [...genders].sort(), genres: [...genres].sort() };
}

function vocabularySize(v: ProfileVocabulary): number {
  return v.ageBuckets.length + v.countries.length + (v.genders?.length ?? 0) + v.genres.length;
}

function indexOf(values: readonly string[]): Map<string, number> {
  return new Map(values.map((v, i) => [v, i]));
}

function largest(sizes: Int32Array): number {
  let best = 0;
  for (let s = 1; s < sizes.length; s++) if (sizes[s]! > sizes[best]!) best = s;
  return best;
}

function emptyTaste(): SegmentTaste {
  return { items: new Int32Array(0), scores: new Float32Array(0) };
}

/** `m` distinct indices of [0, n) by a seeded partial Fisher–Yates shuffle. */
function seededSample(n: number, m: number, seed: number): number[] {
  const random = mulberry32(seed);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, m));
}
