import type { InteractionMatrix } from './interaction-matrix.js';
import { mulberry32 } from './random.js';

export interface RandomizedSvdOptions {
  /** Extra sketch columns beyond the rank: more makes the leading components more accurate. */
  oversample: number;
  /** Power (subspace) iterations: each one sharpens a slowly decaying spectrum, at two products. */
  powerIterations: number;
  /** Seed of the Gaussian sketch; equal seeds and inputs give equal factors. */
  seed: number;
}

export const DEFAULT_RANDOMIZED_SVD_OPTIONS: Readonly<RandomizedSvdOptions> = {
  oversample: 10,
  powerIterations: 2,
  seed: 42,
};

/**
 * A ≈ U · diag(s) · Vᵀ with the `rank` largest singular values, descending. `u` is nRows × rank and
 * `v` is nCols × rank, both row-major with orthonormal columns.
 */
export interface TruncatedSvd {
  u: Float32Array;
  s: Float32Array;
  v: Float32Array;
  /** Number of components, min(requested rank, nRows, nCols). */
  rank: number;
}

/**
 * Randomised truncated SVD of a sparse matrix (Halko, Martinsson & Tropp 2011, algorithm 4.4):
 * sketch the range with a Gaussian test matrix, sharpen it with power iterations (re-orthonormalised
 * by QR after every product so small components are not lost to rounding), then decompose the small
 * projected matrix B = QᵀA exactly (Jacobi, through B·Bᵀ). Costs O(nnz·l·(2q + 2) + (m + n)·l²·(q + 1))
 * for l = rank + oversample and q power iterations; the matrix is only read through products.
 *
 * Signs are fixed so that the largest-magnitude entry of each column of `v` is positive, which
 * makes the result deterministic for a given seed.
 */
export function randomizedSvd(
  matrix: InteractionMatrix,
  rank: number,
  options: Partial<RandomizedSvdOptions> = {},
): TruncatedSvd {
  const o = { ...DEFAULT_RANDOMIZED_SVD_OPTIONS, ...options };
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`rank must be a positive integer, got ${rank}`);
  if (!Number.isInteger(o.oversample) || o.oversample < 0) throw new RangeError('oversample must be a non-negative integer');
  if (!Number.isInteger(o.powerIterations) || o.powerIterations < 0) {
    throw new RangeError('powerIterations must be a non-negative integer');
  }
  const m = matrix.nRows;
  const n = matrix.nCols;
  const k = Math.min(rank, m, n);
  if (k === 0) return { u: new Float32Array(0), s: new Float32Array(0), v: new Float32Array(0), rank: 0 };
  const l = Math.min(k + o.oversample, m, n);
  const gaussian = gaussianSource(o.seed);

  const omega = new Float64Array(n * l);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian();

  let q = multiply(matrix, omega, l); // m × l
  orthonormalizeColumns(q, m, l, gaussian);
  for (let it = 0; it < o.powerIterations; it++) {
    const z = multiplyTransposed(matrix, q, l); // n × l
    orthonormalizeColumns(z, n, l, gaussian);
    q = multiply(matrix, z, l);
    orthonormalizeColumns(q, m, l, gaussian);
  }

  // B = Qᵀ A is small (l × n): its left singular vectors and values come from the eigenpairs of
  // B·Bᵀ (l × l), its right ones from Bᵀ·U_B·Σ⁻¹. Squaring B loses relative accuracy only for
  // components far below σ₁ (error ≈ ε·σ₁²/σᵢ²), which a truncated SVD does not keep anyway.
  const bt = multiplyTransposed(matrix, q, l); // Bᵀ, n × l
  const gram = gramOfColumns(bt, n, l);
  const eigen = jacobiSvd(gram, l); // symmetric PSD: s = eigenvalues, v = eigenvectors

  const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => eigen.s[b]! - eigen.s[a]!);
  const picked = order.slice(0, k);
  const s = Float32Array.from(picked, (j) => Math.sqrt(Math.max(0, eigen.s[j]!)));
  const u = projectColumns(q, m, l, eigen.v, picked, new Float64Array(k).fill(1)); // Q · U_B
  const top = s[0] ?? 0;
  const inverse = Float64Array.from(s, (x) => (x > 1e-12 * top && x > 0 ? 1 / x : 0));
  const v = projectColumns(bt, n, l, eigen.v, picked, inverse); // Bᵀ · U_B · Σ⁻¹
  if (inverse.some((x) => x === 0)) {
    // Null directions (rank below k): any orthonormal completion is a valid singular basis.
    const v64 = Float64Array.from(v);
    orthonormalizeColumns(v64, n, k, gaussian);
    v.set(v64);
  }

  // Deterministic signs: the largest |entry| of each right singular vector is positive.
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let row = 0; row < n; row++) if (Math.abs(v[row * k + c]!) > Math.abs(best)) best = v[row * k + c]!;
    if (best < 0) {
      for (let row = 0; row < n; row++) v[row * k + c] = -v[row * k + c]!;
      for (let row = 0; row < m; row++) u[row * k + c] = -u[row * k + c]!;
    }
  }
  return { u, s, v, rank: k };
}

/** Xᵀ·X for a row-major rows × width X (width × width, symmetric). */
function gramOfColumns(x: Float64Array, rows: number, width: number): Float64Array {
  const gram = new Float64Array(width * width);
  for (let row = 0; row < rows; row++) {
    const off = row * width;
    for (let i = 0; i < width; i++) {
      const xi = x[off + i]!;
      if (xi === 0) continue;
      const gi = i * width;
      for (let j = i; j < width; j++) gram[gi + j]! += xi * x[off + j]!;
    }
  }
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) gram[i * width + j] = gram[j * width + i]!;
  return gram;
}

/** A · X for row-major X (nCols × width): nRows × width. */
function multiply(a: InteractionMatrix, x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(a.nRows * width);
  const { indptr, indices, values } = a;
  for (let row = 0; row < a.nRows; row++) {
    const dst = row * width;
    for (let j = indptr[row]!; j < indptr[row + 1]!; j++) {
      const value = values[j]!;
      const src = indices[j]! * width;
      for (let c = 0; c < width; c++) out[dst + c]! += value * x[src + c]!;
    }
  }
  return out;
}

/** Aᵀ · X for row-major X (nRows × width): nCols × width, without building the transpose. */
function multiplyTransposed(a: InteractionMatrix, x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(a.nCols * width);
  const { indptr, indices, values } = a;
  for (let row = 0; row < a.nRows; row++) {
    const src = row * width;
    for (let j = indptr[row]!; j < indptr[row + 1]!; j++) {
      const value = values[j]!;
      const dst = indices[j]! * width;
      for (let c = 0; c < width; c++) out[dst + c]! += value * x[src + c]!;
    }
  }
  return out;
}

/** Columns orthogonalised together: each entry read from memory then feeds this many products. */
const BLOCK = 16;

/**
 * Orthonormalises the columns of a row-major rows × width matrix in place by block classical
 * Gram-Schmidt run twice ("twice is enough", Giraud et al. 2005; BCGS2), which is as stable as
 * Householder for this use and walks memory row by row. A column that vanishes (the matrix has
 * lower rank than the sketch) is replaced by a fresh random direction, so the result is always
 * orthonormal.
 */
function orthonormalizeColumns(y: Float64Array, rows: number, width: number, gaussian: () => number): void {
  const dots = new Float64Array(width * BLOCK);
  const acc = new Float64Array(BLOCK);
  for (let j0 = 0; j0 < width; j0 += BLOCK) {
    const b = Math.min(BLOCK, width - j0);
    const before = Float64Array.from({ length: b }, (_, c) => columnNorm(y, rows, width, j0 + c));
    // Remove the finished columns [0, j0) from the whole block, twice.
    for (let pass = 0; pass < 2 && j0 > 0; pass++) {
      dots.fill(0, 0, j0 * b);
      for (let r = 0, off = 0; r < rows; r++, off += width) {
        for (let i = 0; i < j0; i++) {
          const yi = y[off + i]!;
          if (yi === 0) continue;
          const di = i * b;
          for (let c = 0; c < b; c++) dots[di + c]! += yi * y[off + j0 + c]!;
        }
      }
      for (let r = 0, off = 0; r < rows; r++, off += width) {
        acc.fill(0);
        for (let i = 0; i < j0; i++) {
          const yi = y[off + i]!;
          if (yi === 0) continue;
          const di = i * b;
          for (let c = 0; c < b; c++) acc[c]! += dots[di + c]! * yi;
        }
        for (let c = 0; c < b; c++) y[off + j0 + c]! -= acc[c]!;
      }
    }
    // Then column by column within the block.
    for (let j = j0; j < j0 + b; j++) {
      subtractProjections(y, rows, width, j0, j);
      const norm = columnNorm(y, rows, width, j);
      if (norm > 1e-10 * before[j - j0]! && norm > 1e-300) {
        for (let r = 0, off = j; r < rows; r++, off += width) y[off]! /= norm;
      } else {
        replaceWithRandom(y, rows, width, j, gaussian);
      }
    }
  }
}

/** Makes column j orthogonal to columns [from, j) (assumed orthonormal), two passes. */
function subtractProjections(y: Float64Array, rows: number, width: number, from: number, j: number): void {
  if (j <= from) return;
  const dots = new Float64Array(j - from);
  for (let pass = 0; pass < 2; pass++) {
    dots.fill(0);
    for (let r = 0, off = 0; r < rows; r++, off += width) {
      const yj = y[off + j]!;
      if (yj === 0) continue;
      for (let i = from; i < j; i++) dots[i - from]! += y[off + i]! * yj;
    }
    for (let r = 0, off = 0; r < rows; r++, off += width) {
      let sum = 0;
      for (let i = from; i < j; i++) sum += dots[i - from]! * y[off + i]!;
      y[off + j]! -= sum;
    }
  }
}

/** Fills column j with a random unit direction orthogonal to every column before it. */
function replaceWithRandom(y: Float64Array, rows: number, width: number, j: number, gaussian: () => number): void {
  for (let attempt = 0; attempt < 10; attempt++) {
    for (let r = 0, off = j; r < rows; r++, off += width) y[off] = gaussian();
    const start = columnNorm(y, rows, width, j);
    subtractProjections(y, rows, width, 0, j);
    const norm = columnNorm(y, rows, width, j);
    if (norm > 1e-6 * start) {
      for (let r = 0, off = j; r < rows; r++, off += width) y[off]! /= norm;
      return;
    }
  }
  // Only reachable when j ≥ rows: there is no direction left. Leave the column zero.
  for (let r = 0, off = j; r < rows; r++, off += width) y[off] = 0;
}

function columnNorm(y: Float64Array, rows: number, width: number, j: number): number {
  let s = 0;
  for (let r = 0, off = j; r < rows; r++, off += width) s += y[off]! * y[off]!;
  return Math.sqrt(s);
}

/**
 * One-sided Jacobi SVD of a small square row-major matrix M (size × size): rotates column pairs
 * until all are orthogonal, so M·V = W with σ_j = ‖w_j‖ and u_j = w_j / σ_j. Accurate to rounding
 * even for tiny singular values. Returns u and v row-major, s unsorted.
 */
export function jacobiSvd(mat: Float64Array, size: number): { u: Float64Array; s: Float64Array; v: Float64Array } {
  // Column-major working copies: w[c * size + r] = M[r][c].
  const w = new Float64Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) w[c * size + r] = mat[r * size + c]!;
  const vt = new Float64Array(size * size); // column-major V
  for (let i = 0; i < size; i++) vt[i * size + i] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const po = p * size;
        const qo = q * size;
        for (let r = 0; r < size; r++) {
          const a = w[po + r]!;
          const b = w[qo + r]!;
          alpha += a * a;
          beta += b * b;
          gamma += a * b;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let r = 0; r < size; r++) {
          const a = w[po + r]!;
          const b = w[qo + r]!;
          w[po + r] = c * a - s * b;
          w[qo + r] = s * a + c * b;
          const va = vt[po + r]!;
          const vb = vt[qo + r]!;
          vt[po + r] = c * va - s * vb;
          vt[qo + r] = s * va + c * vb;
        }
      }
    }
    if (!rotated) break;
  }
  const s = new Float64Array(size);
  const u = new Float64Array(size * size);
  const v = new Float64Array(size * size);
  for (let c = 0; c < size; c++) {
    let norm = 0;
    for (let r = 0; r < size; r++) norm += w[c * size + r]! ** 2;
    norm = Math.sqrt(norm);
    s[c] = norm;
    for (let r = 0; r < size; r++) {
      u[r * size + c] = norm > 0 ? w[c * size + r]! / norm : 0;
      v[r * size + c] = vt[c * size + r]!;
    }
  }
  return { u, s, v };
}

/** basis (rows × width) · small[:, picked] · diag(scale), as Float32 row-major. */
function projectColumns(
  basis: Float64Array,
  rows: number,
  width: number,
  small: Float64Array,
  picked: readonly number[],
  scale: Float64Array,
): Float32Array {
  const k = picked.length;
  const out = new Float32Array(rows * k);
  const acc = new Float64Array(k);
  // The picked columns, scaled, as a contiguous width × k block.
  const block = new Float64Array(width * k);
  for (let i = 0; i < width; i++) for (let c = 0; c < k; c++) block[i * k + c] = small[i * width + picked[c]!]! * scale[c]!;
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    const off = r * width;
    for (let i = 0; i < width; i++) {
      const b = basis[off + i]!;
      if (b === 0) continue;
      const bo = i * k;
      for (let c = 0; c < k; c++) acc[c]! += b * block[bo + c]!;
    }
    for (let c = 0; c < k; c++) out[r * k + c] = acc[c]!;
  }
  return out;
}

/** Standard normal draws (Box-Muller over mulberry32). */
function gaussianSource(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u1 = uniform();
    while (u1 <= 0) u1 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
