// Distribution drift between a reference sample (the training snapshot) and live traffic, measured
// by the Population Stability Index over bins fixed from the reference quantiles.
//
// PSI = Σ_b (q_b − p_b) · ln(q_b / p_b), p = reference and q = live bin proportions.
// Reading it (the usual credit-scoring thresholds):
//   < 0.1        stable: no action;
//   0.1 – 0.25   watch: a moderate shift, look at what changed;
//   ≥ 0.25       act: a major shift, the model no longer sees the population it was trained on
//                (retrain, or check the pipeline feeding it).

export const PSI_WATCH = 0.1;
export const PSI_ACT = 0.25;
export type DriftLevel = 'stable' | 'watch' | 'act';

export function driftLevel(psi: number): DriftLevel {
  return psi >= PSI_ACT ? 'act' : psi >= PSI_WATCH ? 'watch' : 'stable';
}

export interface PsiOptions {
  /** Number of reference-quantile bins (default 10); fewer remain when quantiles tie. */
  bins?: number;
  /** Floor for an empty bin's proportion so ln stays finite (default 1e-4). */
  epsilon?: number;
}

const DEFAULT_BINS = 10;
const DEFAULT_EPSILON = 1e-4;

/**
 * Inner bin edges at the reference quantiles j / bins (j = 1 .. bins − 1, nearest-rank), with
 * duplicates removed so heavily tied data (activity counts) gets fewer, non-empty bins.
 * Bin b holds x with edges[b − 1] ≤ x < edges[b]; the outer bins are open-ended, so live values
 * beyond the reference range still land somewhere.
 */
export function quantileEdges(reference: ArrayLike<number>, bins = DEFAULT_BINS): Float64Array {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError('bins must be a positive integer');
  const sorted = finiteSorted(reference);
  if (sorted.length === 0) throw new RangeError('reference sample is empty');
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const v = sorted[Math.min(sorted.length - 1, Math.ceil((j / bins) * sorted.length))]!;
    // An edge at the minimum would leave the first bin empty by construction.
    if (v > sorted[0]! && (edges.length === 0 || v > edges[edges.length - 1]!)) edges.push(v);
  }
  return Float64Array.from(edges);
}

/** Bin index of x: the number of edges ≤ x (binary search). */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts per bin (edges.length + 1 bins); non-finite values are skipped. */
export function histogram(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) counts[binOf(edges, x)]!++;
  }
  return counts;
}

/**
 * PSI between two histograms over the same bins. Each proportion is floored at `epsilon` (not
 * renormalised), so a bin empty on one side adds a large but finite term. NaN if either is empty.
 */
export function psiFromCounts(reference: ArrayLike<number>, live: ArrayLike<number>, epsilon = DEFAULT_EPSILON): number {
  if (reference.length !== live.length) throw new RangeError('histograms have different bins');
  let rTotal = 0;
  let lTotal = 0;
  for (let b = 0; b < reference.length; b++) {
    rTotal += reference[b]!;
    lTotal += live[b]!;
  }
  if (rTotal === 0 || lTotal === 0) return Number.NaN;
  let psi = 0;
  for (let b = 0; b < reference.length; b++) {
    const p = Math.max(reference[b]! / rTotal, epsilon);
    const q = Math.max(live[b]! / lTotal, epsilon);
    psi += (q - p) * Math.log(q / p);
  }
  return psi;
}

/** PSI of a live sample against a reference sample, bins from the reference quantiles. */
export function populationStabilityIndex(reference: ArrayLike<number>, live: ArrayLike<number>, options: PsiOptions = {}): number {
  const edges = quantileEdges(reference, options.bins ?? DEFAULT_BINS);
  return psiFromCounts(histogram(reference, edges), histogram(live, edges), options.epsilon ?? DEFAULT_EPSILON);
}

/** Euclidean norms of embedding rows: the drift signal for embeddings (scale and collapse). */
export function vectorNorms(rows: readonly Float32Array[]): Float64Array {
  return Float64Array.from(rows, (v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
    return Math.sqrt(s);
  });
}

/** Events per user: the user-activity drift signal (users with no events are not in the map). */
export function activityCounts(userIds: Iterable<string>): Float64Array {
  const counts = new Map<string, number>();
  for (const u of userIds) counts.set(u, (counts.get(u) ?? 0) + 1);
  return Float64Array.from(counts.values());
}

export interface DriftMonitorOptions extends PsiOptions {
  /** Live observations kept: PSI is over the most recent `window` values (default 10,000). */
  window?: number;
  /** Below this many live observations `snapshot().ready` is false (default 500). */
  minLive?: number;
}

export interface DriftSnapshot {
  psi: number;
  level: DriftLevel;
  live: number;
  /** Enough live observations for the PSI to mean something. */
  ready: boolean;
}

export interface DriftMonitorJSON {
  format: 1;
  edges: number[];
  reference: number[];
  epsilon: number;
  window: number;
  minLive: number;
}

/**
 * Keeps the reference histogram (not the sample) and a sliding window of live observations, as
 * bin indices in a ring buffer with running counts: O(log bins) per observation, O(window) memory.
 * The live window is not serialised: after a restart it refills from traffic.
 */
export class DriftMonitor {
  readonly edges: Float64Array;
  readonly reference: Float64Array;
  readonly epsilon: number;
  readonly window: number;
  readonly minLive: number;
  readonly #live: Float64Array;
  readonly #ring: Uint16Array;
  #next = 0;
  #size = 0;

  private constructor(edges: Float64Array, reference: Float64Array, epsilon: number, window: number, minLive: number) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError('window must be a positive integer');
    if (reference.length !== edges.length + 1) throw new RangeError('reference histogram does not match the edges');
    if (reference.length > 65536) throw new RangeError('too many bins');
    this.edges = edges;
    this.reference = reference;
    this.epsilon = epsilon;
    this.window = window;
    this.minLive = minLive;
    this.#live = new Float64Array(reference.length);
    this.#ring = new Uint16Array(window);
  }

  /** Builds the monitor from the reference sample (e.g. scores or norms at training time). */
  static fromReference(sample: ArrayLike<number>, options: DriftMonitorOptions = {}): DriftMonitor {
    const edges = quantileEdges(sample, options.bins ?? DEFAULT_BINS);
    return new DriftMonitor(
      edges,
      histogram(sample, edges),
      options.epsilon ?? DEFAULT_EPSILON,
      options.window ?? 10_000,
      options.minLive ?? 500,
    );
  }

  static load(json: DriftMonitorJSON): DriftMonitor {
    if (json.format !== 1) throw new Error(`unsupported drift monitor format ${String(json.format)}`);
    return new DriftMonitor(Float64Array.from(json.edges), Float64Array.from(json.reference), json.epsilon, json.window, json.minLive);
  }

  toJSON(): DriftMonitorJSON {
    return {
      format: 1,
      edges: [...this.edges],
      reference: [...this.reference],
      epsilon: this.epsilon,
      window: this.window,
      minLive: this.minLive,
    };
  }

  /** Adds one live value, evicting the oldest once the window is full; non-finite values are ignored. */
  observe(x: number): void {
    if (!Number.isFinite(x)) return;
    const bin = binOf(this.edges, x);
    if (this.#size === this.window) this.#live[this.#ring[this.#next]!]!--;
    else this.#size++;
    this.#ring[this.#next] = bin;
    this.#live[bin]!++;
    this.#next = (this.#next + 1) % this.window;
  }

  observeMany(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.observe(values[i]!);
  }

  get liveCount(): number {
    return this.#size;
  }

  /** Copy of the live window's bin counts. */
  liveHistogram(): Float64Array {
    return this.#live.slice();
  }

  psi(): number {
    return psiFromCounts(this.reference, this.#live, this.epsilon);
  }

  snapshot(): DriftSnapshot {
    const psi = this.psi();
    return { psi, level: Number.isNaN(psi) ? 'stable' : driftLevel(psi), live: this.#size, ready: this.#size >= this.minLive };
  }

  reset(): void {
    this.#live.fill(0);
    this.#next = 0;
    this.#size = 0;
  }
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) out.push(values[i]!);
  return Float64Array.from(out).sort();
}
