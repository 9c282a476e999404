import { UserSegments } from '@recsys/insights';
import type { CatalogView, ContextSignal, UserState } from '@recsys/ranking';
import { segmentProfile } from './segment-profile.js';

/** The artifact of a version's segments (UserSegments.toArtifact), beside the collaborative models. */
export const SEGMENTS_ARTIFACT = 'segments.bin';

/** Name of the context signal (its key in SignalWeights.context) and of its reasons. */
export const SEGMENT_SIGNAL = 'segment';

export interface SegmentServingOptions {
  /**
   * Users with at least this many titles they acted on (events, not onboarding choices) have a
   * vector of their own: the segment's tastes are no longer served to them.
   */
  minOwnEvents: number;
  /**
   * Weight of the segment signal when the variant sets none. Chosen on a validation split of
   * MovieLens-100k training users (docs/benchmarks.md, Reliability: cold start): 0.1 to 0.3 scored
   * alike for users who named liked titles; with demographics alone 0.1-0.2 gained ~1 % and 0.3
   * lost 2 %. Below ~0.25 the boost rarely reaches the sixth of the score that gets a title's
   * reason shown, so the list would change without saying why.
   */
  defaultWeight: number;
  /** Place users by their folded-in vector too (liked titles), not only by their profile. */
  placeByVector: boolean;
}

export const DEFAULT_SEGMENT_SERVING: SegmentServingOptions = { minOwnEvents: 5, defaultWeight: 0.25, placeByVector: true };

/** Where a user was placed, and from what. */
export interface SegmentPlacement {
  segment: number;
  /** e.g. "25-34, action/sci-fi". */
  label: string;
  /** What the placement used: demographics, stated or liked genres, the vector folded in from liked titles. */
  basis: ('demographics' | 'genres' | 'vector')[];
  /** True when the user has a vector of their own and the segment's tastes are not served. */
  own_vector: boolean;
}

interface SegmentRows {
  /** Per segment: its taste titles as catalogue rows (best first) and their score in 0-1. */
  rows: Int32Array[];
  scores: Float32Array[];
  /** Per segment, score by catalogue row (absent outside the taste: a few hundred rows, not the catalogue). */
  byRow: Map<number, number>[];
}

/** A version's segments with the item ids behind their tastes: decoded once per version. */
export class SegmentModel {
  private readonly bound = new WeakMap<CatalogView, SegmentRows>();

  constructor(
    readonly segments: UserSegments,
    readonly itemIds: readonly string[],
  ) {
    if (segments.nItems > itemIds.length) throw new RangeError(`segments name ${segments.nItems} items but the version has ${itemIds.length}`);
  }

  static fromArtifact(bytes: Uint8Array, itemIds: readonly string[]): SegmentModel {
    return new SegmentModel(UserSegments.fromArtifact(bytes), itemIds);
  }

  /**
   * Places the user in the nearest segment from what is known: demographics, stated genres, the
   * genres of titles they liked and, with `vector` (the user folded into the collaborative model
   * from those titles), their position among the segment members. Undefined when nothing usable is
   * known: a stranger gets the plain popularity list, not a guess.
   */
  place(user: UserState, catalog: CatalogView, vector?: Float32Array, options: Partial<SegmentServingOptions> = {}): SegmentPlacement | undefined {
    const o = { ...DEFAULT_SEGMENT_SERVING, ...options };
    const own = hasOwnVector(user, o.minOwnEvents);
    const liked: (readonly string[])[] = [];
    for (const interaction of user.interactions) {
      const row = interaction.preference > 0 ? catalog.rowOf(interaction.item_id) : undefined;
      if (row !== undefined) liked.push(catalog.items[row]!.genres);
    }
    const profile = segmentProfile(user.preferences, liked);
    const basis: SegmentPlacement['basis'] = [];
    const s = this.segments;
    if (s.knows({ age_bucket: profile.age_bucket, country: profile.country, gender: profile.gender })) basis.push('demographics');
    if (s.knows({ genre_shares: profile.genre_shares })) basis.push('genres');
    const useVector = o.placeByVector && vector !== undefined && vector.length === s.vectorDim && s.vectorDim > 0;
    if (useVector) basis.push('vector');
    if (basis.length === 0) return undefined;
    const segment = useVector ? s.assign(vector, profile) : s.assignFromProfile(profile);
    return { segment, label: s.label(segment), basis, own_vector: own };
  }

  /** The segment's tastes as a context signal for a user placed in it (see segmentSignal). */
  signal(placement: SegmentPlacement, catalog: CatalogView, defaultWeight = DEFAULT_SEGMENT_SERVING.defaultWeight): ContextSignal {
    const bound = this.bind(catalog);
    const s = placement.segment;
    return segmentSignal(placement.label, bound.rows[s]!, bound.byRow[s]!, defaultWeight);
  }

  private bind(catalog: CatalogView): SegmentRows {
    let bound = this.bound.get(catalog);
    if (bound) return bound;
    const rows: Int32Array[] = [];
    const scores: Float32Array[] = [];
    const byRow: Map<number, number>[] = [];
    for (let segment = 0; segment < this.segments.k; segment++) {
      const taste = this.segments.segmentTopItems(segment, Number.MAX_SAFE_INTEGER);
      const top = taste.scores[0] ?? 0;
      const r: number[] = [];
      const sc: number[] = [];
      const map = new Map<number, number>();
      taste.items.forEach((item, j) => {
        const row = catalog.rowOf(this.itemIds[item]!);
        if (row === undefined || !(top > 0)) return;
        r.push(row);
        sc.push(taste.scores[j]! / top);
        map.set(row, taste.scores[j]! / top);
      });
      rows.push(Int32Array.from(r));
      scores.push(Float32Array.from(sc));
      byRow.push(map);
    }
    bound = { rows, scores, byRow };
    this.bound.set(catalog, bound);
    return bound;
  }
}

/** True when the user acted on enough titles (events, not onboarding choices) for a vector of their own. */
export function hasOwnVector(user: UserState, minOwnEvents = DEFAULT_SEGMENT_SERVING.minOwnEvents): boolean {
  let acted = 0;
  for (const interaction of user.interactions) if (interaction.events > 0 && ++acted >= minOwnEvents) return true;
  return false;
}

/**
 * "Popular with viewers like you": the titles the user's segment liked most, scored by their mean
 * member preference relative to the segment's favourite (0-1), proposed as candidates too.
 */
export function segmentSignal(label: string, rows: Int32Array, byRow: ReadonlyMap<number, number>, defaultWeight: number): ContextSignal {
  return {
    name: SEGMENT_SIGNAL,
    defaultWeight,
    source: 'cold_start',
    score: (candidates) => Float32Array.from(candidates, (row) => byRow.get(row) ?? 0),
    candidates: (limit) => rows.subarray(0, limit),
    reason: () => `popular with viewers like you (segment: ${label})`,
  };
}
