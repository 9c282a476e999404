import {
  decodeArtifact,
  encodeArtifact,
  feedbackSignal,
  type InteractionEvent,
  type UserPreferences,
} from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import { type ContextInputs, defaultWeight } from './context-inputs.js';
import type { ContextLearner } from './context-models.js';
import type { ContextHistory } from './history.js';

export const REGIONAL_SIGNAL = 'regional';

export interface RegionalOptions {
  /** An event this old counts half as much as one from now: "popular" means lately. */
  halfLifeDays: number;
  /** Liking events an item needs in a region before it can be "popular" there. */
  minEvents: number;
  defaultWeight: number;
}

export const DEFAULT_REGIONAL_OPTIONS: Readonly<RegionalOptions> = {
  halfLifeDays: 30,
  minEvents: 3,
  defaultWeight: 0.2,
};

/** Region codes match case-insensitively ("br", " BR " → "BR"); empty or absurd values are none. */
export function regionKey(region: string | undefined): string | undefined {
  const key = region?.trim().toUpperCase();
  return key && key.length <= 50 ? key : undefined;
}

/**
 * The user's region for this request: the request's, else the profile's country, else the region of
 * their latest event that carries one.
 */
export function resolveRegion(
  requested: string | undefined,
  preferences: UserPreferences | undefined,
  recentEvents: readonly InteractionEvent[] = [],
): string | undefined {
  const direct = regionKey(requested) ?? regionKey(preferences?.country);
  if (direct) return direct;
  let latest: InteractionEvent | undefined;
  for (const event of recentEvents) {
    if (regionKey(event.region) && (!latest || event.timestamp > latest.timestamp)) latest = event;
  }
  return regionKey(latest?.region);
}

interface Cell {
  /** Decayed weight, as of the aggregate's epoch (see RegionPopularity). */
  weight: number;
  events: number;
}

interface RegionArtifactMeta {
  halfLifeDays: number;
  epoch: number;
  regions: string[];
  /** Per region, its item ids; weights and counts are in the arrays, in the same order. */
  items: string[][];
}

const ARTIFACT_KIND = 'region-popularity';
const ARTIFACT_FORMAT = 1;

/**
 * Per-region popularity counters from events that carry a `region`: each liking event adds its
 * like strength, decayed by age. Weights are kept relative to a fixed epoch (w · 2^((t − epoch)/h)),
 * so a new event is a single addition and ratios between items stay exact without rescaling.
 * Fitted from the event log when a version is trained and updated as events arrive.
 */
export class RegionPopularity {
  private readonly cells = new Map<string, Map<string, Cell>>();
  /** Σ over regions per item: what "everyone" likes, to tell regional taste from global. */
  private readonly global = new Map<string, number>();
  private readonly totals = new Map<string, number>();
  private globalTotal = 0;
  private readonly halfLifeMs: number;
  /** Bumped on every change: cached region scores are rebuilt when it moved. */
  private version = 0;
  private readonly scoreCache = new Map<string, { version: number; catalog: CatalogView; scores: Map<number, number> }>();

  constructor(
    private readonly options: Readonly<RegionalOptions> = DEFAULT_REGIONAL_OPTIONS,
    readonly epoch = 0,
  ) {
    this.halfLifeMs = options.halfLifeDays * 86_400_000;
  }

  /** Folds events in; those without a region, an item or a positive signal are ignored. */
  record(events: Iterable<InteractionEvent>, now = Date.now()): void {
    for (const event of events) {
      const region = regionKey(event.region);
      if (!region || !event.item_id) continue;
      const { preference } = feedbackSignal(event);
      if (!(preference > 0)) continue;
      const t = Math.min(Date.parse(event.timestamp) || now, now);
      this.add(region, event.item_id, Math.min(1, preference / 3) * 2 ** ((t - this.epoch) / this.halfLifeMs), 1);
    }
  }

  regions(): string[] {
    return [...this.cells.keys()].sort();
  }

  /**
   * Per catalogue row, how much more the region likes the item than everyone does, in 0-1: the
   * region's weight minus what it would be if the region liked like the world, relative to the
   * region's strongest such excess. Empty when the region is unknown.
   */
  scores(region: string, catalog: CatalogView): ReadonlyMap<number, number> {
    const cached = this.scoreCache.get(region);
    if (cached && cached.version === this.version && cached.catalog === catalog) return cached.scores;
    const scores = new Map<number, number>();
    const cells = this.cells.get(region);
    const total = this.totals.get(region) ?? 0;
    if (cells && total > 0 && this.globalTotal > 0) {
      const excess: [number, number][] = [];
      let max = 0;
      for (const [itemId, cell] of cells) {
        if (cell.events < this.options.minEvents) continue;
        const row = catalog.rowOf(itemId);
        if (row === undefined) continue;
        const expected = (total * (this.global.get(itemId) ?? 0)) / this.globalTotal;
        // When the region is all there is, "more than everyone" cannot be told: plain popularity.
        const e = this.cells.size === 1 ? cell.weight : cell.weight - expected;
        if (e > 0) {
          excess.push([row, e]);
          if (e > max) max = e;
        }
      }
      for (const [row, e] of excess) scores.set(row, e / max);
    }
    if (this.scoreCache.size > 256) this.scoreCache.clear();
    this.scoreCache.set(region, { version: this.version, catalog, scores });
    return scores;
  }

  toArtifact(): Uint8Array {
    const regions = this.regions();
    const items = regions.map((r) => [...this.cells.get(r)!.keys()]);
    const weights = new Float64Array(items.reduce((n, list) => n + list.length, 0));
    const counts = new Int32Array(weights.length);
    let i = 0;
    regions.forEach((r, k) => {
      const cells = this.cells.get(r)!;
      for (const id of items[k]!) {
        const cell = cells.get(id)!;
        weights[i] = cell.weight;
        counts[i++] = cell.events;
      }
    });
    return encodeArtifact<RegionArtifactMeta>({
      kind: ARTIFACT_KIND,
      format: ARTIFACT_FORMAT,
      meta: { halfLifeDays: this.options.halfLifeDays, epoch: this.epoch, regions, items },
      arrays: { weights, counts },
    });
  }

  static fromArtifact(bytes: Uint8Array, options: Partial<RegionalOptions> = {}): RegionPopularity {
    const { meta, arrays } = decodeArtifact<RegionArtifactMeta>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const aggregate = new RegionPopularity({ ...DEFAULT_REGIONAL_OPTIONS, ...options, halfLifeDays: meta.halfLifeDays }, meta.epoch);
    const weights = arrays.weights as Float64Array;
    const counts = arrays.counts as Int32Array;
    let i = 0;
    meta.regions.forEach((region, k) => {
      for (const id of meta.items[k]!) {
        aggregate.add(region, id, weights[i]!, counts[i]!);
        i++;
      }
    });
    return aggregate;
  }

  private add(region: string, itemId: string, weight: number, events: number): void {
    let cells = this.cells.get(region);
    if (!cells) this.cells.set(region, (cells = new Map()));
    const cell = cells.get(itemId);
    if (cell) {
      cell.weight += weight;
      cell.events += events;
    } else cells.set(itemId, { weight, events });
    this.global.set(itemId, (this.global.get(itemId) ?? 0) + weight);
    this.totals.set(region, (this.totals.get(region) ?? 0) + weight);
    this.globalTotal += weight;
    this.version++;
  }
}

/** "Popular in BR": what the user's region likes more than everyone does. */
export class RegionalSignal implements ContextSignal {
  readonly name = REGIONAL_SIGNAL;

  constructor(
    readonly region: string,
    private readonly byRow: ReadonlyMap<number, number>,
    readonly defaultWeight = DEFAULT_REGIONAL_OPTIONS.defaultWeight,
  ) {}

  score(rows: Int32Array): Float32Array {
    return Float32Array.from(rows, (row) => this.byRow.get(row) ?? 0);
  }

  candidates(limit: number): Int32Array {
    return Int32Array.from(
      [...this.byRow].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, limit),
      ([row]) => row,
    );
  }

  /** Named only for titles clearly regional (a third of the region's strongest excess or more). */
  reason(row: number): string | undefined {
    return (this.byRow.get(row) ?? 0) >= 1 / 3 ? `popular in ${this.region}` : undefined;
  }
}

/** The signal for one request; undefined (off) without a region or when nothing is popular there. */
export function regionalSignal(
  catalog: CatalogView,
  aggregate: RegionPopularity | undefined,
  region: string | undefined,
  defaultWeight = DEFAULT_REGIONAL_OPTIONS.defaultWeight,
): RegionalSignal | undefined {
  if (!aggregate || !region) return undefined;
  const scores = aggregate.scores(region, catalog);
  return scores.size > 0 ? new RegionalSignal(region, scores, defaultWeight) : undefined;
}

/**
 * Fitted from the whole log when a version is trained (saved with it), then advanced by the events
 * this process ingests (ContextServing.recorded), so a region's new favourite shows before the next
 * retrain. Undefined when no event carries a region.
 */
export const REGIONAL_LEARNER: ContextLearner<RegionPopularity> = {
  name: REGIONAL_SIGNAL,
  artifact: 'context-regions.bin',
  fit(history: ContextHistory) {
    const aggregate = new RegionPopularity(DEFAULT_REGIONAL_OPTIONS, history.endMs);
    for (const events of history.users.values()) aggregate.record(events.map((t) => t.event), history.endMs);
    return aggregate.regions().length > 0 ? aggregate : undefined;
  },
  encode: (model) => model.toArtifact(),
  decode: (bytes) => RegionPopularity.fromArtifact(bytes),
};

/** Registry factory: "popular in <region>" for the request's (else the profile's, else the latest event's) region. */
export function regionalContextSignal(inputs: ContextInputs): ContextSignal | undefined {
  const aggregate = inputs.models.get(REGIONAL_LEARNER);
  if (!aggregate) return undefined;
  const region = resolveRegion(inputs.request.region, inputs.user.preferences, inputs.recent.map((t) => t.event));
  return regionalSignal(inputs.catalog, aggregate, region, defaultWeight(inputs.options, REGIONAL_SIGNAL, DEFAULT_REGIONAL_OPTIONS.defaultWeight));
}
