// User segments by KMeans over user vectors and profile features, so that a new user can be
// placed in the nearest segment from whatever is known and served that segment's tastes.
import type { UserPreferences } from '@recsys/core';
import { kmeans } from 'ml-kmeans';
import { mulberry32 } from './seeded-random.js';

/** What may be known about a user besides their vector; every field is optional. */
export interface SegmentProfile {
  age_bucket?: string;
  country?: string;
  /** Weight per genre (history shares or onboarding choices); normalised to sum 1 when encoded. */
  genre_shares?: Readonly<Record<string, number>>;
}

/** The values one-hot encoded; anything outside them counts as unknown. */
export interface ProfileVocabulary {
  ageBuckets: readonly string[];
  countries: readonly string[];
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
}

export interface BlockWeights {
  vector: number;
  age: number;
  country: number;
  genres: number;
}

export interface UserSegmentsOptions {
  /** Number of segments (default 8); at most the number of users. */
  k?: number;
  /** KMeans++ initialisation and training-sample seed (default 42). */
  seed?: number;
  maxIterations?: number;
  /** KMeans runs on a seeded sample of at most this many users; every user is assigned after. */
  maxTrainingUsers?: number;
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
  weights: BlockWeights;
  vocabulary: ProfileVocabulary;
  /** k × dims, row-major, in the encoded (scaled and weighted) space. */
  centroids: number[];
  sizes: number[];
  nItems: number;
  tastes: { items: number[]; scores: number[] }[];
}

const DEFAULT_WEIGHTS: BlockWeights = { vector: 1, age: 1, country: 1, genres: 1 };

/** The profile known at onboarding: demographics and chosen genres (equal shares). */
export function profileFromPreferences(prefs: Partial<Pick<UserPreferences, 'age_bucket' | 'country' | 'genres'>>): SegmentProfile {
  const profile: SegmentProfile = {};
  if (prefs.age_bucket) profile.age_bucket = prefs.age_bucket;
  if (prefs.country) profile.country = prefs.country;
  if (prefs.genres && prefs.genres.length > 0) profile.genre_shares = Object.fromEntries(prefs.genres.map((g) => [g, 1]));
  return profile;
}

interface Encoded {
  values: Float64Array;
  known: Uint8Array;
}

export class UserSegments {
  readonly k: number;
  readonly vectorDim: number;
  /** Mean norm of the training vectors: vectors are divided by it before weighting. */
  readonly vectorScale: number;
  readonly weights: BlockWeights;
  readonly vocabulary: ProfileVocabulary;
  /** k × dims in the encoded space. */
  readonly centroids: Float64Array;
  /** Users per segment (all users, not just the KMeans sample). */
  readonly sizes: Int32Array;
  readonly nItems: number;
  readonly #tastes: SegmentTaste[];
  readonly #dims: number;
  readonly #ageIndex: Map<string, number>;
  readonly #countryIndex: Map<string, number>;
  readonly #genreIndex: Map<string, number>;

  private constructor(json: Omit<UserSegmentsJSON, 'format' | 'centroids' | 'sizes' | 'tastes'>, centroids: Float64Array, sizes: Int32Array, tastes: SegmentTaste[]) {
    this.k = json.k;
    this.vectorDim = json.vectorDim;
    this.vectorScale = json.vectorScale;
    this.weights = { ...json.weights };
    this.vocabulary = {
      ageBuckets: [...json.vocabulary.ageBuckets],
      countries: [...json.vocabulary.countries],
      genres: [...json.vocabulary.genres],
    };
    this.nItems = json.nItems;
    this.#dims = this.vectorDim + this.vocabulary.ageBuckets.length + this.vocabulary.countries.length + this.vocabulary.genres.length;
    if (centroids.length !== this.k * this.#dims || sizes.length !== this.k || tastes.length !== this.k) {
      throw new RangeError('inconsistent segment arrays');
    }
    this.centroids = centroids;
    this.sizes = sizes;
    this.#tastes = tastes;
    this.#ageIndex = indexOf(this.vocabulary.ageBuckets);
    this.#countryIndex = indexOf(this.vocabulary.countries);
    this.#genreIndex = indexOf(this.vocabulary.genres);
  }

  /** Dimensions of the encoded space: vector, then age, country and genre blocks. */
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
    const k = options.k ?? 8;
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be an integer in [1, ${n}]`);
    const seed = options.seed ?? 42;
    const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    const vocabulary = options.vocabulary ?? vocabularyOf(profiles ?? []);

    let normSum = 0;
    if (vectors) for (const v of vectors) normSum += Math.hypot(...v);
    const vectorScale = vectors && normSum > 0 ? normSum / n : 1;

    // A shell with no centroids yet, only to reuse the encoder.
    const dims = vectorDim + vocabulary.ageBuckets.length + vocabulary.countries.length + vocabulary.genres.length;
    const shell = new UserSegments(
      { k, vectorDim, vectorScale, weights, vocabulary, nItems: 0 },
      new Float64Array(k * dims),
      new Int32Array(k),
      Array.from({ length: k }, () => emptyTaste()),
    );
    const encoded = Array.from({ length: n }, (_, u) => shell.#encode(vectors?.[u], profiles?.[u]));
    // Unknown features take the mean of the users who have them, so they pull towards no segment.
    const sum = new Float64Array(dims);
    const count = new Float64Array(dims);
    for (const e of encoded) for (let j = 0; j < dims; j++) if (e.known[j]) (sum[j]! += e.values[j]!), count[j]!++;
    const rows = encoded.map((e) => Array.from(e.values, (x, j) => (e.known[j] ? x : count[j]! > 0 ? sum[j]! / count[j]! : 0)));

    const maxTraining = options.maxTrainingUsers ?? 20_000;
    const sample = n > maxTraining ? seededSample(n, maxTraining, seed).map((i) => rows[i]!) : rows;
    const result = kmeans(sample, k, { seed, initialization: 'kmeans++', maxIterations: options.maxIterations ?? 100 });
    const centroids = Float64Array.from(result.centroids.flat());

    const fitted = new UserSegments({ k, vectorDim, vectorScale, weights, vocabulary, nItems: 0 }, centroids, new Int32Array(k), shell.#tastes);
    const membership = Int32Array.from(rows, (r) => fitted.#nearest(Float64Array.from(r), undefined, false));
    const sizes = new Int32Array(k);
    for (const s of membership) sizes[s]!++;
    const tastes = preferences
      ? segmentTastes(preferences, membership, sizes, options.tasteSize ?? 500)
      : Array.from({ length: k }, () => emptyTaste());
    return new UserSegments({ k, vectorDim, vectorScale, weights, vocabulary, nItems: preferences?.nCols ?? 0 }, centroids, sizes, tastes);
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

  toJSON(): UserSegmentsJSON {
    return {
      format: 1,
      k: this.k,
      vectorDim: this.vectorDim,
      vectorScale: this.vectorScale,
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

  #taste(segment: number): SegmentTaste {
    if (!Number.isInteger(segment) || segment < 0 || segment >= this.k) throw new RangeError(`segment must be in [0, ${this.k})`);
    return this.#tastes[segment]!;
  }

  #encode(vector: Float32Array | undefined, profile: SegmentProfile | undefined): Encoded {
    const values = new Float64Array(this.#dims);
    const known = new Uint8Array(this.#dims);
    const w = this.weights;
    if (vector) {
      for (let j = 0; j < this.vectorDim; j++) values[j] = (vector[j]! / this.vectorScale) * w.vector;
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

function vocabularyOf(profiles: readonly (SegmentProfile | undefined)[]): ProfileVocabulary {
  const ages = new Set<string>();
  const countries = new Set<string>();
  const genres = new Set<string>();
  for (const p of profiles) {
    if (!p) continue;
    if (p.age_bucket) ages.add(p.age_bucket);
    if (p.country) countries.add(p.country);
    for (const [g, s] of Object.entries(p.genre_shares ?? {})) if (s > 0) genres.add(g);
  }
  return { ageBuckets: [...ages].sort(), countries: [...countries].sort(), genres: [...genres].sort() };
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
