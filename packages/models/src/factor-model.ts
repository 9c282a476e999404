// Plumbing shared by the matrix-factorisation models (ALS, PureSVD, NMF, and NCF where it fits):
// index and option checks with the same messages, dot-product scoring against row-major item
// factors, and the artifact envelope {nUsers, nItems, options} + named f32 arrays.
import { decodeArtifact, encodeArtifact, type NumericArray } from '@recsys/core';

export function isPositiveInt(x: number): boolean {
  return Number.isInteger(x) && x > 0;
}

export function requirePositiveInt(name: string, value: number): void {
  if (!isPositiveInt(value)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0`);
}

/** Throws unless `index` is a whole number in [0, n). */
export function checkIndex(what: 'user' | 'item', index: number, n: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`${what} ${index} outside [0, ${n})`);
}

export function checkHistory(itemIndices: ArrayLike<number>, preferences: ArrayLike<number>): void {
  if (itemIndices.length !== preferences.length) throw new RangeError('itemIndices and preferences differ in length');
}

/** Row `u` of a row-major factor matrix with k columns and n rows, as a view. */
export function factorRow(factors: Float32Array, k: number, u: number, n: number): Float32Array {
  checkIndex('user', u, n);
  return factors.subarray(u * k, (u + 1) * k);
}

/** `userVector` · every row of the row-major `items` (nItems × k), into `out`. */
export function scoreFactors(userVector: Float32Array, items: Float32Array, k: number, nItems: number, out: Float32Array): Float32Array {
  if (userVector.length !== k) throw new RangeError(`user vector has ${userVector.length} factors, expected ${k}`);
  if (out.length < nItems) throw new RangeError(`output holds ${out.length} scores, need ${nItems}`);
  for (let i = 0, o = 0; i < nItems; i++, o += k) {
    let s = 0;
    for (let f = 0; f < k; f++) s += userVector[f]! * items[o + f]!;
    out[i] = s;
  }
  return out;
}

export interface FactorMeta<O> {
  nUsers: number;
  nItems: number;
  options: O;
}

/** The artifact of a factor model: meta {nUsers, nItems, options} (options copied), then `arrays`. */
export function encodeFactorArtifact<O extends object>(
  kind: string,
  format: number,
  nUsers: number,
  nItems: number,
  options: Readonly<O>,
  arrays: Record<string, NumericArray>,
): Uint8Array {
  return encodeArtifact<FactorMeta<O>>({ kind, format, meta: { nUsers, nItems, options: { ...options } as O }, arrays });
}

export function decodeFactorArtifact<O>(bytes: Uint8Array, kind: string, format: number) {
  return decodeArtifact<FactorMeta<O>>(bytes, kind, format);
}

/** `array` as a Float32Array of `length` values (when given), else RangeError "<kind> artifact: bad <name>". */
export function f32Array(array: unknown, length: number | undefined, kind: string, name: string): Float32Array {
  if (!(array instanceof Float32Array) || (length !== undefined && array.length !== length)) throw new RangeError(`${kind} artifact: bad ${name}`);
  return array;
}

/**
 * What every latent-factor model (ALS, PureSVD, NMF) holds and serves the same way: user and item
 * factor matrices (row-major, `factors` columns), a user's trained row, and scores against every
 * item. Subclasses train the factors and fold new users in.
 */
export abstract class FactorModel<O extends { factors: number }> {
  protected users: Float32Array = new Float32Array(0);
  protected items: Float32Array = new Float32Array(0);
  protected nU = 0;
  protected nI = 0;

  constructor(readonly options: Readonly<O>) {}

  get factors(): number {
    return this.options.factors;
  }
  get nUsers(): number {
    return this.nU;
  }
  get nItems(): number {
    return this.nI;
  }
  /** nUsers × factors, row-major. */
  get userFactors(): Float32Array {
    return this.users;
  }
  /** nItems × factors, row-major. */
  get itemFactors(): Float32Array {
    return this.items;
  }

  /** Forgets the trained user rows, freeing their memory (serving folds users in instead). */
  dropUserFactors(): void {
    this.users = new Float32Array(0);
    this.nU = 0;
  }

  /** The trained vector of user `u` (a view into userFactors). */
  userVector(u: number): Float32Array {
    return factorRow(this.users, this.factors, u, this.nU);
  }

  /** Dot product of `userVector` with every item's factors (into `out` when given). */
  scoreItems(userVector: Float32Array, out = new Float32Array(this.nI)): Float32Array {
    return scoreFactors(userVector, this.items, this.factors, this.nI, out);
  }
}
