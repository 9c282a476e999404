import { decodeArtifact, encodeArtifact, type Item, type ItemFeature } from '@recsys/core';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Share of a quantity left after `elapsedMs` of exponential decay with the given half-life: 2^(−elapsed/halfLife). */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  return Math.pow(2, -elapsedMs / halfLifeMs);
}

/** The per-item event counters the model reads (a subset of the feature store's ItemFeature). */
export type ItemCounters = Pick<ItemFeature, 'positive_users' | 'trending' | 'trending_at'>;

/** Catalogue figures used as a prior for items with few or no events yet (any rating scale). */
export type CataloguePrior = Pick<Item, 'rating' | 'rating_count'>;

export interface PopularityOptions {
  /** Half-life of the trending counter; must match the one the feature store decays with. Default 7 days. */
  halfLifeMs: number;
  /** Weight of log(1 + trending) against log(1 + positive users) in `rank`. Default 1. */
  trendingWeight: number;
  /**
   * How many users one catalogue vote counts as: the prior adds priorWeight · rating_count ·
   * rating / (best rating in the catalogue) pseudo-users. Default 0.01 (1,000 top-rated votes ≈ 10
   * of our users), so real events soon outweigh it.
   */
  priorWeight: number;
  /** Decayed positive weight at which an item counts as trending (one plain watch). Default 1. */
  minTrending: number;
}

export const DEFAULT_POPULARITY_OPTIONS: Readonly<PopularityOptions> = {
  halfLifeMs: 7 * DAY_MS,
  trendingWeight: 1,
  priorWeight: 0.01,
  minTrending: 1,
};

interface PopularityMeta {
  nItems: number;
  options: PopularityOptions;
}

const ARTIFACT_KIND = 'popularity';
const ARTIFACT_FORMAT = 1;

/**
 * Non-personalised ranking for fallbacks and cold start, and trending ranks for explanations.
 *
 * Popularity counts distinct users with a positive preference (breadth, so one enthusiastic user
 * cannot make an item popular) plus catalogue pseudo-users; trending is the feature store's
 * exponentially decayed positive weight, brought forward to the query time.
 */
export class PopularityModel {
  readonly options: Readonly<PopularityOptions>;
  private positiveUsers: Float64Array;
  private trendingWeight: Float64Array;
  private trendingAt: Float64Array;
  /** Catalogue pseudo-users per item (already scaled by priorWeight). */
  private priorUsers: Float64Array;
  /** 1-based position of each item in the (time-invariant) trending order; 0 when never trending. */
  private trendingPosition: Int32Array = new Int32Array(0);

  /**
   * @param counters event counters indexed by item position (the same positions the other models
   *   use); `undefined` for items without events. Its length is the number of items.
   * @param priors optional catalogue figures at the same positions; entries may be missing.
   */
  constructor(
    counters: ReadonlyArray<ItemCounters | undefined>,
    priors: ReadonlyArray<CataloguePrior | undefined> = [],
    options: Partial<PopularityOptions> = {},
  ) {
    this.options = checkOptions({ ...DEFAULT_POPULARITY_OPTIONS, ...options });
    const n = counters.length;
    this.positiveUsers = new Float64Array(n);
    this.trendingWeight = new Float64Array(n);
    this.trendingAt = new Float64Array(n);
    this.priorUsers = new Float64Array(n);
    counters.forEach((c, i) => {
      if (!c) return;
      this.positiveUsers[i] = c.positive_users;
      this.trendingWeight[i] = c.trending;
      this.trendingAt[i] = c.trending_at;
    });
    // Ratings are normalised by the best one so the prior works on any scale (5 stars, 10 points).
    let best = 0;
    for (let i = 0; i < n; i++) best = Math.max(best, priors[i]?.rating ?? 0);
    for (let i = 0; i < n; i++) {
      const prior = priors[i];
      if (!prior?.rating_count) continue;
      // An unknown rating leaves the vote count as it is.
      const share = prior.rating !== undefined && best > 0 ? prior.rating / best : 1;
      this.priorUsers[i] = this.options.priorWeight * prior.rating_count * share;
    }
    this.indexTrending();
  }

  get nItems(): number {
    return this.positiveUsers.length;
  }

  /** Time-independent popularity: log(1 + positive users + catalogue pseudo-users). */
  popularity(itemIndex: number): number {
    return Math.log1p((this.positiveUsers[itemIndex] ?? 0) + (this.priorUsers[itemIndex] ?? 0));
  }

  /** The item's decayed positive weight as of `nowMs`. */
  trending(itemIndex: number, nowMs: number): number {
    const weight = this.trendingWeight[itemIndex] ?? 0;
    if (weight === 0) return 0;
    return weight * decayFactor(nowMs - this.trendingAt[itemIndex]!, this.options.halfLifeMs);
  }

  /** Every item index, best first by popularity + trendingWeight · log(1 + trending); ties by index. */
  rank(nowMs: number): Int32Array {
    const n = this.nItems;
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      score[i] = this.popularity(i) + this.options.trendingWeight * Math.log1p(this.trending(i, nowMs));
    }
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => score[b]! - score[a]! || a - b);
  }

  /**
   * 1-based rank of the item among the items trending at `nowMs` (for explanations like
   * "trending: #3"), or undefined when the item is not trending (below minTrending).
   */
  trendingRank(itemIndex: number, nowMs: number): number | undefined {
    if (!(this.trending(itemIndex, nowMs) >= this.options.minTrending)) return undefined;
    return this.trendingPosition[itemIndex];
  }

  /** Serialises the model (kind "popularity", format 1). */
  toArtifact(): Uint8Array {
    return encodeArtifact<PopularityMeta>({
      kind: ARTIFACT_KIND,
      format: ARTIFACT_FORMAT,
      meta: { nItems: this.nItems, options: { ...this.options } },
      arrays: {
        positive_users: this.positiveUsers,
        trending: this.trendingWeight,
        trending_at: this.trendingAt,
        prior_users: this.priorUsers,
      },
    });
  }

  /** Loads a model written by `toArtifact`; throws ArtifactFormatError on another kind or format version. */
  static fromArtifact(bytes: Uint8Array): PopularityModel {
    const { meta, arrays } = decodeArtifact<PopularityMeta>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const column = (name: string): Float64Array => {
      const a = arrays[name];
      if (!(a instanceof Float64Array) || a.length !== meta.nItems) throw new RangeError(`popularity artifact: bad ${name}`);
      return a;
    };
    const model = new PopularityModel([], [], meta.options);
    model.positiveUsers = column('positive_users');
    model.trendingWeight = column('trending');
    model.trendingAt = column('trending_at');
    model.priorUsers = column('prior_users');
    model.indexTrending();
    return model;
  }

  /**
   * Decay scales every item by the same 2^(−now/halfLife), so the order of trending values never
   * changes: sorting once by log2(weight) + at/halfLife serves every query time, and the items above
   * minTrending at any time are a prefix of that order.
   */
  private indexTrending(): void {
    const n = this.nItems;
    const key = new Float64Array(n);
    const trendingItems: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = this.trendingWeight[i]!;
      if (!(w > 0)) continue;
      key[i] = Math.log2(w) + this.trendingAt[i]! / this.options.halfLifeMs;
      trendingItems.push(i);
    }
    trendingItems.sort((a, b) => key[b]! - key[a]! || a - b);
    this.trendingPosition = new Int32Array(n);
    trendingItems.forEach((i, position) => (this.trendingPosition[i] = position + 1));
  }
}

function checkOptions(o: PopularityOptions): PopularityOptions {
  if (!(o.halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${o.halfLifeMs}`);
  if (!(o.trendingWeight >= 0)) throw new RangeError(`trendingWeight must be >= 0, got ${o.trendingWeight}`);
  if (!(o.priorWeight >= 0)) throw new RangeError(`priorWeight must be >= 0, got ${o.priorWeight}`);
  if (!(o.minTrending > 0)) throw new RangeError(`minTrending must be > 0, got ${o.minTrending}`);
  return o;
}
