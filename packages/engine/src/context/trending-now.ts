// Trending now: items whose recent rate of positive events is well above their own baseline (a
// burst), not merely the most watched. Two exponentially decayed counters per item, a short and a
// long memory, are brought forward to the request time and compared as rates.
import { decodeArtifact, encodeArtifact, type InteractionEvent, feedbackSignal } from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import type { ContextLearner } from './context-models.js';
import { type ContextInputs, type ContextOptions, DEFAULT_CONTEXT_OPTIONS, defaultWeight } from './context-inputs.js';
import type { ContextHistory } from './history.js';

export interface TrendingSnapshot {
  itemIds: string[];
  short: Float64Array;
  long: Float64Array;
  /** Epoch ms the counters are valid at. */
  at: number;
  shortHalfLifeMs: number;
  longHalfLifeMs: number;
}

const NO_BURST = Object.freeze({ ratio: 0, score: 0 });

/** Counters of the positive events of every item, updated live as events are ingested. */
export class TrendingTracker {
  private readonly index = new Map<string, number>();
  /** Item id of each slot. */
  private readonly ids: string[] = [];
  private short = new Float64Array(1024);
  private long = new Float64Array(1024);
  private at = new Float64Array(1024);
  /** Recently recorded events: replayed onto the next training snapshot, which may not hold them yet. */
  private readonly buffer: { itemId: string; at: number }[] = [];
  private static readonly BUFFER = 50_000;
  private top: { at: number; ids: string[]; capacity: number } | undefined;

  constructor(
    readonly shortHalfLifeMs = DEFAULT_CONTEXT_OPTIONS.trendingShortHalfLifeMs,
    readonly longHalfLifeMs = DEFAULT_CONTEXT_OPTIONS.trendingLongHalfLifeMs,
  ) {}

  /** Replaces the counters with a training snapshot, then replays the live events newer than it. */
  seed(snapshot: TrendingSnapshot | undefined): void {
    this.top = undefined;
    this.rowSlots = undefined;
    this.index.clear();
    this.ids.length = 0;
    this.short.fill(0);
    this.long.fill(0);
    this.at.fill(0);
    if (snapshot) {
      snapshot.itemIds.forEach((id, i) => {
        const k = this.slot(id);
        // Counters kept with other half-lives are converted through their rate at the snapshot.
        this.short[k] = (snapshot.short[i]! * this.shortHalfLifeMs) / snapshot.shortHalfLifeMs;
        this.long[k] = (snapshot.long[i]! * this.longHalfLifeMs) / snapshot.longHalfLifeMs;
        this.at[k] = snapshot.at;
      });
    }
    const since = snapshot?.at ?? Number.NEGATIVE_INFINITY;
    for (const { itemId, at } of this.buffer) if (at > since) this.add(itemId, at, false);
  }

  /** Folds the positive events in (others are ignored). */
  record(events: Iterable<InteractionEvent>): void {
    for (const event of events) {
      if (!event.item_id || !(feedbackSignal(event).preference > 0)) continue;
      const at = Date.parse(event.timestamp);
      if (Number.isFinite(at)) this.add(event.item_id, at, true);
    }
  }

  add(itemId: string, at: number, remember = true): void {
    const k = this.slot(itemId);
    const last = this.at[k]!;
    if (at >= last) {
      this.short[k] = this.short[k]! * 2 ** (-(at - last) / this.shortHalfLifeMs) + 1;
      this.long[k] = this.long[k]! * 2 ** (-(at - last) / this.longHalfLifeMs) + 1;
      this.at[k] = at;
    } else {
      // A late event counts as much as it would have had it arrived in order.
      this.short[k] = this.short[k]! + 2 ** (-(last - at) / this.shortHalfLifeMs);
      this.long[k] = this.long[k]! + 2 ** (-(last - at) / this.longHalfLifeMs);
    }
    if (remember) {
      this.buffer.push({ itemId, at });
      if (this.buffer.length > TrendingTracker.BUFFER) this.buffer.splice(0, this.buffer.length - TrendingTracker.BUFFER);
    }
  }

  /**
   * The counter slot of each catalogue row (-1: not tracked), filled lazily and dropped when new
   * items are tracked: requests read typed arrays instead of looking ids up in a map.
   */
  private rowSlots: { catalog: CatalogView; slots: Int32Array } | undefined;

  /** burst() for a catalogue row. */
  burstOfRow(catalog: CatalogView, row: number, now: number): { ratio: number; score: number } {
    let cache = this.rowSlots;
    if (!cache || cache.catalog !== catalog) this.rowSlots = cache = { catalog, slots: new Int32Array(catalog.size).fill(-2) };
    let k = cache.slots[row]!;
    if (k === -2) cache.slots[row] = k = this.index.get(catalog.items[row]!.item_id) ?? -1;
    return k < 0 ? NO_BURST : this.burstOfSlot(k, now);
  }

  /** Decayed short and long counters of an item at `now` (zeros for an unknown item). */
  counters(itemId: string, now: number): { short: number; long: number } {
    const k = this.index.get(itemId);
    if (k === undefined) return { short: 0, long: 0 };
    const elapsed = Math.max(0, now - this.at[k]!);
    return { short: this.short[k]! * 2 ** (-elapsed / this.shortHalfLifeMs), long: this.long[k]! * 2 ** (-elapsed / this.longHalfLifeMs) };
  }

  /**
   * How strongly the item bursts at `now`: the short-memory rate over the long-memory one
   * (smoothed by `prior` events of baseline), 0 below a 1.5-fold burst or with fewer than
   * `minRecent` recent events.
   */
  burst(itemId: string, now: number): { ratio: number; score: number } {
    const k = this.index.get(itemId);
    return k === undefined ? NO_BURST : this.burstOfSlot(k, now);
  }

  private burstOfSlot(k: number, now: number, minRecent = 2, prior = 2): { ratio: number; score: number } {
    // Decay only lowers a counter: most items are below the bar before any arithmetic.
    if (this.short[k]! < minRecent) return NO_BURST;
    const elapsed = Math.max(0, now - this.at[k]!);
    const short = this.short[k]! * 2 ** (-elapsed / this.shortHalfLifeMs);
    if (short < minRecent) return NO_BURST;
    const long = this.long[k]! * 2 ** (-elapsed / this.longHalfLifeMs);
    // Rates in events per ms: a decayed counter of a steady rate r settles at r·halfLife/ln 2.
    const shortRate = (short * Math.LN2) / this.shortHalfLifeMs;
    const longRate = ((long + prior) * Math.LN2) / this.longHalfLifeMs;
    const ratio = shortRate / longRate;
    if (ratio < 1.5) return { ratio, score: 0 };
    // An 8-fold burst saturates; volume damps bursts of a handful of events.
    const strength = Math.min(1, Math.log2(ratio) / 3);
    return { ratio, score: strength * (short / (short + 3)) };
  }

  /**
   * The items bursting most at `now`, best first. Recomputed over all counters at most once per
   * `refreshMs` of request time, so requests share one pass instead of scanning each.
   */
  bursting(now: number, limit: number, refreshMs = 60_000): string[] {
    if (!this.top || Math.abs(now - this.top.at) > refreshMs || this.top.ids.length < Math.min(limit, this.top.capacity)) {
      const scored: { id: string; score: number }[] = [];
      // By slot, not by id: most counters are below the bar and cost one comparison.
      for (let k = 0; k < this.ids.length; k++) {
        const { score } = this.burstOfSlot(k, now);
        if (score > 0) scored.push({ id: this.ids[k]!, score });
      }
      scored.sort((a, b) => b.score - a.score);
      const capacity = Math.max(limit, 200);
      this.top = { at: now, ids: scored.slice(0, capacity).map((s) => s.id), capacity: scored.length };
    }
    return this.top.ids.slice(0, limit);
  }

  snapshot(now: number): TrendingSnapshot {
    const itemIds = [...this.index.keys()];
    const short = new Float64Array(itemIds.length);
    const long = new Float64Array(itemIds.length);
    itemIds.forEach((id, i) => {
      const c = this.counters(id, now);
      short[i] = c.short;
      long[i] = c.long;
    });
    return { itemIds, short, long, at: now, shortHalfLifeMs: this.shortHalfLifeMs, longHalfLifeMs: this.longHalfLifeMs };
  }

  private slot(itemId: string): number {
    let k = this.index.get(itemId);
    if (k !== undefined) return k;
    k = this.index.size;
    this.index.set(itemId, k);
    this.ids.push(itemId);
    // A row already looked up as untracked is tracked from now on (no rebuild of the row table).
    const cache = this.rowSlots;
    const row = cache?.catalog.rowOf(itemId);
    if (cache && row !== undefined) cache.slots[row] = k;
    if (k >= this.short.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.short = grow(this.short);
      this.long = grow(this.long);
      this.at = grow(this.at);
    }
    return k;
  }
}

/** The counters of the whole history at its end, saved with the version to seed serving. */
export function trendingLearner(options: Pick<ContextOptions, 'trendingShortHalfLifeMs' | 'trendingLongHalfLifeMs'> = DEFAULT_CONTEXT_OPTIONS): ContextLearner<TrendingSnapshot> {
  return {
    name: 'trending_now',
    artifact: 'context-trending.bin',
    fit(history: ContextHistory) {
      const tracker = new TrendingTracker(options.trendingShortHalfLifeMs, options.trendingLongHalfLifeMs);
      for (const events of history.users.values()) {
        for (const e of events) if (e.event.item_id && e.preference > 0) tracker.add(e.event.item_id, e.at, false);
      }
      const snapshot = tracker.snapshot(history.endMs);
      return snapshot.itemIds.length > 0 ? snapshot : undefined;
    },
    encode: (s) =>
      encodeArtifact({
        kind: 'context-trending',
        format: 1,
        meta: { itemIds: s.itemIds, at: s.at, shortHalfLifeMs: s.shortHalfLifeMs, longHalfLifeMs: s.longHalfLifeMs },
        arrays: { short: s.short, long: s.long },
      }),
    decode(bytes) {
      const a = decodeArtifact<{ itemIds: string[]; at: number; shortHalfLifeMs: number; longHalfLifeMs: number }>(bytes, 'context-trending', 1);
      return { ...a.meta, short: a.arrays.short as Float64Array, long: a.arrays.long as Float64Array };
    },
  };
}

export const TRENDING_LEARNER = trendingLearner();

/** Boosts candidates that burst right now; off when nothing bursts. */
export function trendingNowSignal(inputs: ContextInputs): ContextSignal | undefined {
  const { catalog, trending, request } = inputs;
  const ratios = new Map<number, number>();
  return {
    name: 'trending_now',
    defaultWeight: defaultWeight(inputs.options, 'trending_now'),
    source: 'trending_boost',
    score(rows) {
      const scores = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const b = trending.burstOfRow(catalog, rows[i]!, request.nowMs);
        scores[i] = b.score;
        if (b.score > 0) ratios.set(rows[i]!, b.ratio);
      }
      return scores;
    },
    candidates(limit) {
      const rows: number[] = [];
      for (const id of trending.bursting(request.nowMs, limit)) {
        const row = catalog.rowOf(id);
        if (row !== undefined) rows.push(row);
      }
      return rows;
    },
    reason(row) {
      const ratio = ratios.get(row);
      return ratio ? `trending now: ${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}x its usual rate` : undefined;
    },
  };
}
