// PCA compression of embeddings to d dimensions, where memory matters (ANN index, caches).
import { PCA } from 'ml-pca';

export interface PcaCompressionOptions {
  /** Target dimensions d. Give this or `varianceToKeep`. */
  dimensions?: number;
  /** Smallest d whose cumulative explained variance reaches this share (e.g. 0.95). */
  varianceToKeep?: number;
  /**
   * Subtract the mean before the decomposition (default false). Uncentred PCA is the truncated
   * SVD of the raw vectors, so inner products of projections approximate inner products of the
   * originals, which is what dot-product retrieval needs; centred PCA preserves distances around
   * the mean instead (use `reconstruct` to get back to the original space).
   */
  center?: boolean;
  /** Rows used for the fit, taken at an even stride when there are more (default 50,000). */
  maxSamples?: number;
}

export interface PcaCompressionJSON {
  format: 1;
  inputDim: number;
  dimensions: number;
  center: boolean;
  /** Mean of the fitted rows (zeros when not centred). */
  mean: number[];
  /** d × inputDim, row c = principal axis c. */
  components: number[];
  /** Share of the total variance (second moment when not centred) per kept component. */
  explainedVariance: number[];
}

export class PcaCompressor {
  readonly inputDim: number;
  readonly dimensions: number;
  readonly center: boolean;
  readonly mean: Float32Array;
  /** d × inputDim, row-major. */
  readonly components: Float32Array;
  readonly explainedVariance: Float64Array;

  private constructor(inputDim: number, dimensions: number, center: boolean, mean: Float32Array, components: Float32Array, explained: Float64Array) {
    if (mean.length !== inputDim || components.length !== dimensions * inputDim || explained.length !== dimensions) {
      throw new RangeError('inconsistent PCA compression arrays');
    }
    this.inputDim = inputDim;
    this.dimensions = dimensions;
    this.center = center;
    this.mean = mean;
    this.components = components;
    this.explainedVariance = explained;
  }

  /** Cumulative share of variance kept by the d components. */
  get totalExplainedVariance(): number {
    return this.explainedVariance.reduce((s, v) => s + v, 0);
  }

  static fit(rows: readonly Float32Array[], options: PcaCompressionOptions): PcaCompressor {
    if (rows.length < 2) throw new RangeError('PCA needs at least two rows');
    const inputDim = rows[0]!.length;
    for (const r of rows) if (r.length !== inputDim) throw new RangeError('rows differ in length');
    const { dimensions, varianceToKeep } = options;
    if ((dimensions === undefined) === (varianceToKeep === undefined)) {
      throw new RangeError('give exactly one of dimensions and varianceToKeep');
    }
    if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1)) throw new RangeError('dimensions must be a positive integer');
    if (varianceToKeep !== undefined && !(varianceToKeep > 0 && varianceToKeep <= 1)) throw new RangeError('varianceToKeep must be in (0, 1]');
    const center = options.center ?? false;
    const maxSamples = options.maxSamples ?? 50_000;
    const stride = Math.max(1, Math.ceil(rows.length / maxSamples));
    const data: number[][] = [];
    for (let i = 0; i < rows.length; i += stride) data.push(Array.from(rows[i]!));

    const pca = new PCA(data, { method: 'SVD', center, scale: false });
    const explainedAll = pca.getExplainedVariance();
    const axes = pca.getEigenvectors(); // inputDim × rank, columns are the axes
    const rank = Math.min(axes.columns, explainedAll.length);
    let d: number;
    if (dimensions !== undefined) d = Math.min(dimensions, rank);
    else {
      d = rank;
      let cumulative = 0;
      for (let c = 0; c < rank; c++) {
        cumulative += explainedAll[c]!;
        if (cumulative >= varianceToKeep! - 1e-12) {
          d = c + 1;
          break;
        }
      }
    }
    const components = new Float32Array(d * inputDim);
    for (let c = 0; c < d; c++) for (let j = 0; j < inputDim; j++) components[c * inputDim + j] = axes.get(j, c);
    const mean = new Float32Array(inputDim);
    if (center) {
      // The mean of the fitted rows, as ml-pca subtracts it.
      for (const r of data) for (let j = 0; j < inputDim; j++) mean[j]! += r[j]! / data.length;
    }
    return new PcaCompressor(inputDim, d, center, mean, components, Float64Array.from(explainedAll.slice(0, d)));
  }

  /** The d coordinates of `vector` on the principal axes. */
  project(vector: ArrayLike<number>, out = new Float32Array(this.dimensions)): Float32Array {
    if (vector.length !== this.inputDim) throw new RangeError(`expected ${this.inputDim} dimensions, got ${vector.length}`);
    const n = this.inputDim;
    for (let c = 0; c < this.dimensions; c++) {
      let s = 0;
      const base = c * n;
      for (let j = 0; j < n; j++) s += (vector[j]! - this.mean[j]!) * this.components[base + j]!;
      out[c] = s;
    }
    return out;
  }

  /** Projections of many rows, row-major n × d (the layout factor models and indexes take). */
  projectAll(rows: readonly Float32Array[]): Float32Array {
    const out = new Float32Array(rows.length * this.dimensions);
    rows.forEach((r, i) => this.project(r, out.subarray(i * this.dimensions, (i + 1) * this.dimensions)));
    return out;
  }

  /** Back to the original space: the best rank-d approximation of the projected vector. */
  reconstruct(projected: ArrayLike<number>): Float32Array {
    if (projected.length !== this.dimensions) throw new RangeError(`expected ${this.dimensions} dimensions`);
    const out = Float32Array.from(this.mean);
    for (let c = 0; c < this.dimensions; c++) {
      const z = projected[c]!;
      const base = c * this.inputDim;
      for (let j = 0; j < this.inputDim; j++) out[j]! += z * this.components[base + j]!;
    }
    return out;
  }

  toJSON(): PcaCompressionJSON {
    return {
      format: 1,
      inputDim: this.inputDim,
      dimensions: this.dimensions,
      center: this.center,
      mean: [...this.mean],
      components: [...this.components],
      explainedVariance: [...this.explainedVariance],
    };
  }

  static load(json: PcaCompressionJSON): PcaCompressor {
    if (json.format !== 1) throw new Error(`unsupported PCA compression format ${String(json.format)}`);
    return new PcaCompressor(
      json.inputDim,
      json.dimensions,
      json.center,
      Float32Array.from(json.mean),
      Float32Array.from(json.components),
      Float64Array.from(json.explainedVariance),
    );
  }
}
