import type { Item, Store, UserItemFeature, UserPreferences } from '@recsys/core';
import { type BlockWeights, type SparseRows, UserSegments } from '@recsys/insights';
import { mulberry32 } from '@recsys/models';
import type { TrainingData } from '../training-data.js';
import { segmentProfile } from './segment-profile.js';

export interface SegmentTrainingOptions {
  /** Number of segments, or "auto": the best mean silhouette among the candidates (see UserSegments). */
  k: number | 'auto';
  kCandidates?: readonly number[];
  /** "auto" keeps at least this many users per segment on average: a segment is a group, not a person. */
  minSegmentSize: number;
  /** Users the segments are fitted on (a seeded sample when there are more). */
  maxUsers: number;
  /** Titles kept per segment taste. */
  tasteSize: number;
  weights?: Partial<BlockWeights>;
  /** Cluster user vectors by direction, so light users (short vectors) do not form a segment of their own. */
  normalizeVectors: boolean;
  /**
   * A segment's taste: "members", the mean preference of its members for each title; "model", what
   * the collaborative model predicts for the segment user vector (needs `itemScores`).
   */
  taste: 'members' | 'model';
  seed: number;
}

/**
 * Chosen on a validation split of MovieLens-100k training users (new users given demographics
 * and/or 3 liked titles, docs/benchmarks.md "Cold start"): vectors by direction (raw vectors put
 * a 3-title user in the segment of light users and cost nDCG), tastes from the segment user vector
 * ("model": nDCG@10 with 3 liked titles +7 % over no segment signal, "members": +3 %), and
 * demographic blocks at half weight (segments by taste first: +9 % instead of +7 %).
 */
export const DEFAULT_SEGMENT_TRAINING: SegmentTrainingOptions = {
  k: 'auto',
  minSegmentSize: 10,
  maxUsers: 50_000,
  tasteSize: 300,
  weights: { age: 0.5, gender: 0.5, country: 0.5 },
  normalizeVectors: true,
  taste: 'model',
  seed: 42,
};

export interface SegmentTrainingInput {
  /** Users (rows of `matrix`), their interactions and the catalogue; columns are the version's item ids. */
  data: Pick<TrainingData, 'userIds' | 'interactions' | 'items'> & { matrix: SparseRows };
  /** The trained user vector of matrix row `row` (ALS user factors). */
  userVector: (row: number) => Float32Array;
  /** Stored preferences (demographics, stated genres) of a user. */
  preferences: (userId: string) => Promise<UserPreferences | undefined>;
  /** The model's predicted preference of every column for a vector (for taste "model"). */
  itemScores?: (vector: Float32Array) => Float32Array;
}

export interface TrainedSegments {
  segments: UserSegments;
  /** The version's metrics: segments, their silhouette and the smallest one's size. */
  metrics: Record<string, number>;
}

/**
 * Fits the version's user segments: KMeans over the users' factors, demographics (one-hot) and
 * genre shares, with each segment's taste the mean preference of its members over the training
 * matrix columns (the version's item ids). Nothing per user is kept: centroids, sizes and tastes
 * are aggregates, so the artifact holds no membership to erase. Undefined with too few users for
 * two segments of `minSegmentSize`.
 */
export async function trainSegments(
  input: SegmentTrainingInput,
  options: Partial<SegmentTrainingOptions> = {},
): Promise<TrainedSegments | undefined> {
  const o = { ...DEFAULT_SEGMENT_TRAINING, ...options };
  const { data } = input;
  const n = data.userIds.length;
  if (n < 2) return undefined;
  const rows = n > o.maxUsers ? sampleRows(n, o.maxUsers, o.seed) : Int32Array.from({ length: n }, (_, u) => u);
  const genresOf = new Map<string, readonly string[]>(data.items.map((item: Item) => [item.item_id, item.genres]));
  const vectors: Float32Array[] = [];
  const profiles = [];
  for (const row of rows) {
    const userId = data.userIds[row]!;
    vectors.push(input.userVector(row));
    const liked = (data.interactions.get(userId) ?? []).filter((f) => f.preference > 0);
    const prefs = await input.preferences(userId);
    profiles.push(segmentProfile(prefs, liked.map((f) => genresOf.get(f.item_id) ?? [])));
  }
  const k = o.k === 'auto' ? 'auto' : Math.max(1, Math.min(o.k, rows.length));
  const segments = UserSegments.fit(
    {
      vectors,
      profiles,
      preferences: subMatrix(data.matrix, rows),
      itemScores: o.taste === 'model' ? input.itemScores : undefined,
    },
    {
      k,
      kCandidates: o.kCandidates,
      minSegmentSize: o.minSegmentSize,
      seed: o.seed,
      tasteSize: o.tasteSize,
      weights: o.weights,
      normalizeVectors: o.normalizeVectors,
    },
  );
  // One segment would be everyone: the popularity list already serves that.
  if (segments.k < 2) return undefined;
  const best = segments.report?.tried.find((t) => t.k === segments.k);
  return {
    segments,
    metrics: {
      segments: segments.k,
      segments_min_size: Math.min(...segments.sizes),
      ...(best && { segments_silhouette: Math.round(best.silhouette * 10_000) / 10_000 }),
    },
  };
}

/** The rows `rows` of a CSR matrix, in that order. */
function subMatrix(matrix: SparseRows, rows: Int32Array): SparseRows {
  if (rows.length === matrix.nRows) return matrix;
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (indptr[i + 1] = indptr[i]! + matrix.indptr[r + 1]! - matrix.indptr[r]!));
  const indices = new Int32Array(indptr[rows.length]!);
  const values = new Float32Array(indptr[rows.length]!);
  rows.forEach((r, i) => {
    indices.set(matrix.indices.subarray(matrix.indptr[r]!, matrix.indptr[r + 1]!), indptr[i]!);
    values.set(matrix.values.subarray(matrix.indptr[r]!, matrix.indptr[r + 1]!), indptr[i]!);
  });
  return { nRows: rows.length, nCols: matrix.nCols, indptr, indices, values };
}

/** `m` distinct rows of [0, n), sorted, by a seeded partial shuffle. */
function sampleRows(n: number, m: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, m).sort();
}

/**
 * The segment training input of an incremental version, read from the store as it is now (erased
 * users are gone from it): every user the updated model has a vector for, over the version's item
 * ids, so the refitted segments hold nobody the store no longer has.
 */
export async function segmentInputFromStore(
  store: Store,
  itemIds: readonly string[],
  vectorOf: (userId: string) => Float32Array | undefined,
): Promise<SegmentTrainingInput> {
  const items = await store.catalog.all();
  const column = new Map(itemIds.map((id, c) => [id, c]));
  const userIds: string[] = [];
  const vectors: Float32Array[] = [];
  const interactions = new Map<string, UserItemFeature[]>();
  const indptr: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for await (const [userId, features] of store.features.allUsers()) {
    const vector = vectorOf(userId);
    const usable = features.filter((f) => f.preference !== 0 && column.has(f.item_id));
    if (!vector || usable.length === 0) continue;
    userIds.push(userId);
    vectors.push(vector);
    interactions.set(userId, usable);
    for (const f of usable) {
      indices.push(column.get(f.item_id)!);
      values.push(f.preference);
    }
    indptr.push(indices.length);
  }
  return {
    data: {
      userIds,
      interactions,
      items,
      matrix: {
        nRows: userIds.length,
        nCols: itemIds.length,
        indptr: Int32Array.from(indptr),
        indices: Int32Array.from(indices),
        values: Float32Array.from(values),
      },
    },
    userVector: (row) => vectors[row]!,
    preferences: (userId) => store.users.getPreferences(userId),
  };
}

/**
 * The segments of an incremental version: refitted (same k and weights as the base version's) on
 * the users the store holds now with their updated vectors, so that a user erased since the base
 * version is in no centroid or taste of the next one. Undefined when the base had no segments.
 */
export async function refitSegments(
  store: Store,
  baseArtifact: Uint8Array | undefined,
  itemIds: readonly string[],
  vectorOf: (userId: string) => Float32Array | undefined,
  itemScores?: (vector: Float32Array) => Float32Array,
  options: Partial<SegmentTrainingOptions> = {},
): Promise<Uint8Array | undefined> {
  if (!baseArtifact) return undefined;
  const base = UserSegments.fromArtifact(baseArtifact);
  const input = { ...(await segmentInputFromStore(store, itemIds, vectorOf)), itemScores };
  const trained = await trainSegments(input, { ...options, k: base.k, weights: base.weights, normalizeVectors: base.normalizeVectors });
  return trained?.segments.toArtifact();
}
