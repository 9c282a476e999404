import {
  decodeArtifact,
  encodeArtifact,
  feedbackSignal,
  type InteractionEvent,
  type UserPreferences,
} from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import { type ContextInputs, defaultWeight, recentEvents } from './context-inputs.js';
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

/** Rows kept in a region's ranked list: candidates ask for 100. */
const RANKED = 256;
/**
 * A served view is rebuilt once the region's or the world's total weight has moved this much since
 * it was built (the expected share each score subtracts was frozen then); until then each event
 * updates the one score it touches.
 */
const REBUILD_DRIFT = 0.05;
/** Regions with a served view at once (a view is one float per catalogue row). */
const MAX_VIEWS = 32;

/**
 * One region's scores as served for one catalogue: a score per row and the rows ranked best first,
 * so a request only indexes arrays. Built once per region and catalogue, then kept current by the
 * events the aggregate records (see RegionPopularity.record).
 */
export class RegionView {
  /** Score per catalogue row, 0-1 (0: not popular there). */
  readonly scores: Float32Array;
  /** Rows with a score, best first (at most RANKED). */
  ranked = new Int32Array(RANKED);
  rankedCount = 0;
  /** What the view was built with: the expected share of the region, its strongest excess, the totals. */
  ratio = 0;
  max = 0;
  builtTotal = 0;
  builtGlobal = 0;
  solo = false;
  stale = false;

  constructor(readonly catalog: CatalogView) {
    this.scores = new Float32Array(catalog.size);
  }

  /** True when some row has a score. */
  get isEmpty(): boolean {
    return this.rankedCount === 0;
  }

  /** Sets one row's score and keeps the ranked list in order (O(RANKED)). */
  set(row: number, score: number): void {
    const { ranked, scores } = this;
    scores[row] = score;
    let at = -1;
    for (let i = 0; i < this.rankedCount; i++) if (ranked[i] === row) at = i;
    if (at >= 0) {
      ranked.copyWithin(at, at + 1, this.rankedCount);
      this.rankedCount--;
    }
    if (!(score > 0)) return;
    if (this.rankedCount === RANKED && score <= scores[ranked[RANKED - 1]!]!) return;
    let i = Math.min(this.rankedCount, RANKED - 1);
    while (i > 0 && (scores[ranked[i - 1]!]! < score || (scores[ranked[i - 1]!] === score && ranked[i - 1]! > row))) {
      ranked[i] = ranked[i - 1]!;
      i--;
    }
    ranked[i] = row;
    if (this.rankedCount < RANKED) this.rankedCount++;
  }
}

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
  /** Served views by region (most recently used last). */
  private readonly views = new Map<string, RegionView>();

  constructor(
    private readonly options: Readonly<RegionalOptions> = DEFAULT_REGIONAL_OPTIONS,
    readonly epoch = 0,
  ) {
    this.halfLifeMs = options.halfLifeDays * 86_400_000;
  }

  /**
   * Folds events in; those without a region, an item or a positive signal are ignored. Served views
   * are updated in place: the touched item's score per view, and a whole view rebuilt (here, on the
   * ingest path, not in a request) once its totals have drifted.
   */
  record(events: Iterable<InteractionEvent>, now = Date.now()): void {
    for (const event of events) {
      const region = regionKey(event.region);
      if (!region || !event.item_id) continue;
      const { preference } = feedbackSignal(event);
      if (!(preference > 0)) continue;
      const t = Math.min(Date.parse(event.timestamp) || now, now);
      this.add(region, event.item_id, Math.min(1, preference / 3) * 2 ** ((t - this.epoch) / this.halfLifeMs), 1);
      this.touch(region, event.item_id);
    }
    for (const [region, view] of this.views) if (view.stale) this.build(region, view);
  }

  regions(): string[] {
    return [...this.cells.keys()].sort();
  }

  /**
   * The region's served view for this catalogue: per row, how much more the region likes the item
   * than everyone does, in 0-1 (the region's weight minus what it would be if the region liked like
   * the world, relative to the region's strongest such excess). Built on first use; undefined when
   * the region is unknown.
   */
  view(region: string, catalog: CatalogView): RegionView | undefined {
    if (!this.cells.has(region)) return undefined;
    let view = this.views.get(region);
    if (view && view.catalog === catalog) {
      // Most recently used last: the first one is dropped when there are too many.
      this.views.delete(region);
      this.views.set(region, view);
      return view;
    }
    view = new RegionView(catalog);
    this.build(region, view);
    this.views.delete(region);
    if (this.views.size >= MAX_VIEWS) this.views.delete(this.views.keys().next().value!);
    this.views.set(region, view);
    return view;
  }

  /** The region's scores by row (tests and exports; requests read the view). */
  scores(region: string, catalog: CatalogView): ReadonlyMap<number, number> {
    const view = this.view(region, catalog);
    const out = new Map<number, number>();
    if (view) for (let row = 0; row < view.scores.length; row++) if (view.scores[row]! > 0) out.set(row, view.scores[row]!);
    return out;
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
  }

  /** The excess of one cell with the view's frozen expectation (0 below the evidence threshold). */
  private excess(view: RegionView, cell: Cell | undefined, itemId: string): number {
    if (!cell || cell.events < this.options.minEvents) return 0;
    // When the region is all there is, "more than everyone" cannot be told: plain popularity.
    return view.solo ? cell.weight : cell.weight - view.ratio * (this.global.get(itemId) ?? 0);
  }

  /** One event of `region` on `itemId`: that item's score in every view, and whether a view is due for a rebuild. */
  private touch(region: string, itemId: string): void {
    const drifted = (now: number, then: number) => Math.abs(now - then) > REBUILD_DRIFT * then;
    for (const [r, view] of this.views) {
      if (view.stale) continue;
      const total = this.totals.get(r) ?? 0;
      if (drifted(total, view.builtTotal) || drifted(this.globalTotal, view.builtGlobal) || view.solo !== (this.cells.size === 1)) {
        view.stale = true;
        continue;
      }
      // The item's global weight moved: its excess moves in every region that has it.
      const cell = this.cells.get(r)?.get(itemId);
      if (r !== region && !cell) continue;
      const row = view.catalog.rowOf(itemId);
      if (row === undefined) continue;
      const e = this.excess(view, cell, itemId);
      if (e > view.max) view.max = e;
      view.set(row, e > 0 ? e / view.max : 0);
    }
  }

  /** Recomputes a view from the counters: one pass over the region's items, one sort of the scored ones. */
  private build(region: string, view: RegionView): void {
    view.scores.fill(0);
    view.rankedCount = 0;
    view.stale = false;
    const cells = this.cells.get(region);
    const total = this.totals.get(region) ?? 0;
    view.builtTotal = total;
    view.builtGlobal = this.globalTotal;
    view.solo = this.cells.size === 1;
    view.ratio = this.globalTotal > 0 ? total / this.globalTotal : 0;
    view.max = 0;
    if (!cells || !(total > 0) || !(this.globalTotal > 0)) return;
    const rows: number[] = [];
    const excesses: number[] = [];
    for (const [itemId, cell] of cells) {
      const e = this.excess(view, cell, itemId);
      if (!(e > 0)) continue;
      const row = view.catalog.rowOf(itemId);
      if (row === undefined) continue;
      rows.push(row);
      excesses.push(e);
      if (e > view.max) view.max = e;
    }
    for (let i = 0; i < rows.length; i++) view.scores[rows[i]!] = excesses[i]! / view.max;
    const order = rows.map((_, i) => i).sort((a, b) => excesses[b]! - excesses[a]! || rows[a]! - rows[b]!);
    view.rankedCount = Math.min(RANKED, order.length);
    for (let i = 0; i < view.rankedCount; i++) view.ranked[i] = rows[order[i]!]!;
  }
}

/** "Popular in BR": what the user's region likes more than everyone does. */
export class RegionalSignal implements ContextSignal {
  readonly name = REGIONAL_SIGNAL;

  constructor(
    readonly region: string,
    private readonly view: RegionView,
    readonly defaultWeight = DEFAULT_REGIONAL_OPTIONS.defaultWeight,
  ) {}

  score(rows: Int32Array): Float32Array {
    const out = new Float32Array(rows.length);
    const scores = this.view.scores;
    for (let i = 0; i < rows.length; i++) out[i] = scores[rows[i]!]!;
    return out;
  }

  candidates(limit: number): Int32Array {
    return this.view.ranked.slice(0, Math.min(limit, this.view.rankedCount));
  }

  /** Named only for titles clearly regional (a third of the region's strongest excess or more). */
  reason(row: number): string | undefined {
    return (this.view.scores[row] ?? 0) >= 1 / 3 ? `popular in ${this.region}` : undefined;
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
  const view = aggregate.view(region, catalog);
  return view && !view.isEmpty ? new RegionalSignal(region, view, defaultWeight) : undefined;
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
  const region = resolveRegion(inputs.request.region, inputs.user.preferences, recentEvents(inputs));
  return regionalSignal(inputs.catalog, aggregate, region, defaultWeight(inputs.options, REGIONAL_SIGNAL, DEFAULT_REGIONAL_OPTIONS.defaultWeight));
}
