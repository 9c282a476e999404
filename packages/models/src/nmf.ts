import {
  checkHistory,
  checkIndex,
  decodeFactorArtifact,
  encodeFactorArtifact,
  f32Array,
  FactorModel,
  isPositiveInt,
  requireCount,
  requirePositiveInt,
} from './factor-model.js';
import type { InteractionMatrix } from './interaction-matrix.js';
import { mulberry32 } from './random.js';

export interface NmfOptions {
  factors: number;
  /** Multiplicative-update sweeps (users, then items). */
  iterations: number;
  /** L2 penalty on both factor matrices (added to the update denominators). */
  regularization: number;
  /** Treat every positive preference as 1 (otherwise its magnitude is the target). */
  binary: boolean;
  /** Multiplicative-update sweeps of a fold-in. */
  foldInIterations: number;
  seed: number;
}

/**
 * Chosen on a validation split carved from the MovieLens-100k training part (nDCG@10, direct
 * scoring): 16 factors with λ 5 gave 0.254 (fold-in users 0.254); 32 factors 0.246 at λ 5 and
 * 0.231 at λ 0.5; 64 factors 0.208; λ 20 0.241.
 */
export const DEFAULT_NMF_OPTIONS: Readonly<NmfOptions> = {
  factors: 16,
  iterations: 60,
  regularization: 5,
  binary: true,
  foldInIterations: 40,
  seed: 42,
};

const ARTIFACT_KIND = 'nmf';
const ARTIFACT_FORMAT = 1;
const TINY = 1e-12;

/**
 * Non-negative matrix factorisation X ≈ W Hᵀ (Lee & Seung 2001, Frobenius loss with L2) of the
 * positive preferences, unobserved entries counting as zeros. Factors are additive "parts", so a
 * new user's vector is a cheap non-negative fit against fixed item parts: a cold-start and
 * fallback model. Each update costs O(nnz·k + (users + items)·k²).
 */
export class NMF extends FactorModel<NmfOptions> {
  private itemGram: Float64Array | undefined;

  constructor(options: Partial<NmfOptions> = {}) {
    super(checkOptions({ ...DEFAULT_NMF_OPTIONS, ...options }));
  }


  fit(matrix: InteractionMatrix, onProgress?: (iteration: number, iterations: number) => void): this {
    const { factors: k, iterations, seed } = this.options;
    const random = mulberry32(seed);
    const target = (v: number) => (v > 0 ? (this.options.binary ? 1 : v) : 0);
    // Start at the scale of the data so the first updates are not huge: mean target ≈ k·s².
    let mean = 0;
    for (const v of matrix.values) mean += target(v);
    const scale = Math.sqrt(mean / Math.max(1, matrix.nRows * matrix.nCols) / k) || 0.01;
    this.nU = matrix.nRows;
    this.nI = matrix.nCols;
    this.users = Float32Array.from({ length: this.nU * k }, () => scale * (0.5 + random()));
    this.items = Float32Array.from({ length: this.nI * k }, () => scale * (0.5 + random()));
    const byItem = matrix.transpose();
    for (let it = 1; it <= iterations; it++) {
      update(matrix, this.users, this.items, k, this.options.regularization, target);
      update(byItem, this.items, this.users, k, this.options.regularization, target);
      onProgress?.(it, iterations);
    }
    this.itemGram = undefined;
    return this;
  }


  /**
   * The non-negative user vector for a history against the fixed item factors: the same
   * multiplicative updates as training, on one row. Negative preferences are ignored (NMF models
   * positive evidence only).
   */
  foldIn(itemIndices: ArrayLike<number>, preferences: ArrayLike<number>): Float32Array {
    checkHistory(itemIndices, preferences);
    const k = this.factors;
    const H = this.items;
    const G = (this.itemGram ??= gram(H, k));
    const numerator = new Float64Array(k);
    for (let j = 0; j < itemIndices.length; j++) {
      const i = itemIndices[j]!;
      checkIndex('item', i, this.nI);
      const x = preferences[j]! > 0 ? (this.options.binary ? 1 : preferences[j]!) : 0;
      if (x === 0) continue;
      for (let f = 0; f < k; f++) numerator[f]! += x * H[i * k + f]!;
    }
    let w = new Float64Array(k).fill(1 / k);
    let next = new Float64Array(k);
    const lambda = this.options.regularization;
    for (let it = 0; it < this.options.foldInIterations; it++) {
      for (let a = 0; a < k; a++) {
        let denominator = lambda * w[a]!;
        for (let b = 0; b < k; b++) denominator += G[a * k + b]! * w[b]!;
        next[a] = (w[a]! * numerator[a]!) / (denominator + TINY);
      }
      [w, next] = [next, w];
    }
    return Float32Array.from(w);
  }


  /** Serialises the factors (kind "nmf", format 1): arrays user_factors and item_factors (f32, row-major). */
  toArtifact(): Uint8Array {
    return encodeFactorArtifact(ARTIFACT_KIND, ARTIFACT_FORMAT, this.nU, this.nI, this.options, {
      user_factors: this.users,
      item_factors: this.items,
    });
  }

  /** Loads a model written by `toArtifact`; throws ArtifactFormatError on another kind or format version. */
  static fromArtifact(bytes: Uint8Array): NMF {
    const { meta, arrays } = decodeFactorArtifact<NmfOptions>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const model = new NMF(meta.options);
    const k = model.factors;
    model.users = f32Array(arrays.user_factors, meta.nUsers * k, ARTIFACT_KIND, 'user_factors');
    model.items = f32Array(arrays.item_factors, meta.nItems * k, ARTIFACT_KIND, 'item_factors');
    model.nU = meta.nUsers;
    model.nI = meta.nItems;
    return model;
  }
}

/** FᵀF for row-major F with k columns. */
function gram(F: Float32Array, k: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let o = 0; o < F.length; o += k) {
    for (let a = 0; a < k; a++) {
      const fa = F[o + a]!;
      for (let b = a; b < k; b++) G[a * k + b]! += fa * F[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) G[b * k + a] = G[a * k + b]!;
  return G;
}

/** One multiplicative update of every row of X against fixed Y: X ← X ⊙ (M Y) / (X YᵀY + λX). */
function update(
  m: InteractionMatrix,
  X: Float32Array,
  Y: Float32Array,
  k: number,
  lambda: number,
  target: (v: number) => number,
): void {
  const G = gram(Y, k);
  const numerator = new Float64Array(k);
  const old = new Float64Array(k);
  for (let r = 0; r < m.nRows; r++) {
    numerator.fill(0);
    for (let j = m.indptr[r]!; j < m.indptr[r + 1]!; j++) {
      const x = target(m.values[j]!);
      if (x === 0) continue;
      const yo = m.indices[j]! * k;
      for (let f = 0; f < k; f++) numerator[f]! += x * Y[yo + f]!;
    }
    const xo = r * k;
    for (let f = 0; f < k; f++) old[f] = X[xo + f]!;
    for (let a = 0; a < k; a++) {
      let denominator = lambda * old[a]!;
      for (let b = 0; b < k; b++) denominator += G[a * k + b]! * old[b]!;
      X[xo + a] = (old[a]! * numerator[a]!) / (denominator + TINY);
    }
  }
}

function checkOptions(o: NmfOptions): NmfOptions {
  requirePositiveInt('factors', o.factors);
  requireCount('iterations', o.iterations);
  if (!isPositiveInt(o.foldInIterations)) throw new RangeError('foldInIterations must be a positive integer');
  if (!(o.regularization >= 0)) throw new RangeError(`regularization must be >= 0, got ${o.regularization}`);
  return o;
}
