// Watches what is served, for the metrics endpoint: item exposure over a sliding window of served
// lists (concentration, long-tail share, shares per language and content type) and drift of served
// scores, user activity and user-embedding norms against the active version's training snapshot.
//
// The request path only appends to ring buffers (O(list length)); a user vector is folded in for
// the norm signal on one request in `normSampleEvery`. Everything else is computed when metrics
// are read, at most once per `snapshotEveryMs`, so a scrape never costs a request its latency.
import type { DriftMonitor, DriftSnapshot } from '@recsys/insights';
import { headRows, type UserState } from '@recsys/ranking';
import { DRIFT_SIGNALS, type DriftSignal, driftMonitorsOf } from './drift-reference.js';
import type { ServingState } from './serving-state.js';

export interface ServingMonitorOptions {
  /** Served lists kept for exposure metrics. */
  exposureWindow: number;
  /** One request in this many also folds in the user vector for the embedding-norm signal. */
  normSampleEvery: number;
  /** Snapshots are recomputed at most this often. */
  snapshotEveryMs: number;
  /** Languages reported by name (the most exposed); the others are summed under "other". */
  maxLanguages: number;
}

export const DEFAULT_SERVING_MONITOR_OPTIONS: ServingMonitorOptions = {
  exposureWindow: 5000,
  normSampleEvery: 8,
  snapshotEveryMs: 10_000,
  maxLanguages: 15,
};

export interface ExposureSnapshot {
  /** Served lists in the window. */
  lists: number;
  /** Gini of item exposure over every available catalogue item (never shown counts as 0). */
  gini: number;
  /** Share of served slots that went to long-tail items (outside the popularity head). */
  long_tail_share: number;
  /** Share of available catalogue items shown at least once in the window. */
  coverage: number;
  by_language: Record<string, number>;
  by_content_type: Record<string, number>;
}

export interface ServingObservability {
  exposure: ExposureSnapshot;
  /** Per signal; absent when the active version has no reference (trained before references existed). */
  drift: Partial<Record<DriftSignal, DriftSnapshot>>;
  /** The version the drift reference belongs to. */
  reference_version: string | undefined;
}

interface Served {
  ids: string[];
}

export class ServingMonitor {
  private readonly options: ServingMonitorOptions;
  private readonly lists: (Served | undefined)[];
  private next = 0;
  private requests = 0;
  private monitors: Partial<Record<DriftSignal, DriftMonitor>> = {};
  private referenceVersion: string | undefined;
  private lastState: ServingState | undefined;
  private cached: { at: number; value: ServingObservability } | undefined;

  constructor(
    private readonly now: () => number,
    options: Partial<ServingMonitorOptions> = {},
  ) {
    this.options = { ...DEFAULT_SERVING_MONITOR_OPTIONS, ...options };
    this.lists = new Array(this.options.exposureWindow);
  }

  /** The training snapshot of the version now served; live windows restart with it. */
  setReference(version: string, artifact: Uint8Array | undefined): void {
    this.monitors = driftMonitorsOf(artifact);
    this.referenceVersion = artifact ? version : undefined;
    this.cached = undefined;
  }

  /** Records one answered request. */
  observe(state: ServingState, user: UserState, items: readonly { item: { item_id: string }; predicted_score: number }[]): void {
    this.lastState = state;
    this.lists[this.next] = { ids: items.map((ranked) => ranked.item.item_id) };
    this.next = (this.next + 1) % this.lists.length;
    const { scores, user_activity: activity, embedding_norms: norms } = this.monitors;
    if (scores) for (const ranked of items) scores.observe(ranked.predicted_score);
    activity?.observe(user.interactions.length);
    if (norms && state.mf && this.requests++ % this.options.normSampleEvery === 0) {
      const vector = state.mf.userVector(user);
      if (vector) {
        let s = 0;
        for (let i = 0; i < vector.length; i++) s += vector[i]! * vector[i]!;
        norms.observe(Math.sqrt(s));
      }
    }
  }

  /** The current figures, recomputed when older than `snapshotEveryMs`. */
  snapshot(): ServingObservability {
    const at = this.now();
    if (this.cached && at - this.cached.at < this.options.snapshotEveryMs) return this.cached.value;
    const value = { exposure: this.exposure(), drift: this.drift(), reference_version: this.referenceVersion };
    this.cached = { at, value };
    return value;
  }

  private drift(): ServingObservability['drift'] {
    const out: ServingObservability['drift'] = {};
    for (const signal of DRIFT_SIGNALS) {
      const monitor = this.monitors[signal];
      if (monitor) out[signal] = monitor.snapshot();
    }
    return out;
  }

  private exposure(): ExposureSnapshot {
    const lists = this.lists.filter((l): l is Served => l !== undefined);
    const state = this.lastState;
    const empty = { lists: lists.length, gini: Number.NaN, long_tail_share: Number.NaN, coverage: Number.NaN, by_language: {}, by_content_type: {} };
    if (!state || lists.length === 0) return empty;
    // Per-row counts in a typed array: a 100k-item catalogue costs one numeric sort, no string sets.
    const { catalog } = state;
    const counts = new Float64Array(catalog.size);
    let removed = 0; // slots of items no longer in the catalogue: exposure all the same
    for (const { ids } of lists) {
      for (const id of ids) {
        const row = catalog.rowOf(id);
        if (row === undefined) removed++;
        else counts[row]!++;
      }
    }
    const head = headRows(catalog, state.popularity);
    const values: number[] = []; // exposure of the titles shown; the others count as zeros
    let zeros = 0;
    let slots = removed;
    let tail = removed;
    let shown = 0;
    let available = 0;
    const languages = new Map<string, number>();
    const types = new Map<string, number>();
    for (let row = 0; row < catalog.size; row++) {
      const c = counts[row]!;
      if (catalog.available[row] === 1) available++;
      if (c === 0) {
        if (catalog.available[row] === 1) zeros++;
        continue;
      }
      values.push(c);
      if (catalog.available[row] === 1) shown++;
      slots += c;
      if (head[row] === 0) tail += c;
      const language = catalog.languageKeys[row]![0] ?? 'unknown';
      languages.set(language, (languages.get(language) ?? 0) + c);
      const type = catalog.items[row]!.content_type;
      types.set(type, (types.get(type) ?? 0) + c);
    }
    if (removed > 0) values.push(removed);
    const shares = (sums: Map<string, number>) => new Map([...sums].map(([k, v]) => [k, v / slots]));
    return {
      lists: lists.length,
      gini: giniWithZeros(Float64Array.from(values).sort(), zeros),
      long_tail_share: slots === 0 ? Number.NaN : tail / slots,
      coverage: available === 0 ? Number.NaN : shown / available,
      by_language: topGroups(shares(languages), this.options.maxLanguages),
      by_content_type: Object.fromEntries(shares(types)),
    };
  }
}

/**
 * insights' gini() of `sorted` (ascending, positive) plus `zeros` zero values, without materialising
 * the zeros (most of a large catalogue): they take ranks 1..zeros and add nothing to the sums.
 */
export function giniWithZeros(sorted: Float64Array, zeros: number): number {
  const n = sorted.length + zeros;
  let total = 0;
  let weighted = 0;
  for (let j = 0; j < sorted.length; j++) {
    total += sorted[j]!;
    weighted += (zeros + j + 1) * sorted[j]!;
  }
  return n === 0 || total === 0 ? 0 : (2 * weighted) / (n * total) - (n + 1) / n;
}

/** The `max` largest shares by name, the rest summed under "other" (bounded metric labels). */
function topGroups(shares: Map<string, number>, max: number): Record<string, number> {
  const sorted = [...shares].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const out: Record<string, number> = Object.fromEntries(sorted.slice(0, max));
  const rest = sorted.slice(max).reduce((s, [, v]) => s + v, 0);
  if (rest > 0) out.other = (out.other ?? 0) + rest;
  return out;
}
