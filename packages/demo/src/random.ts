// Seeded randomness: every "random" choice in the demo goes through here, so a seed fixes the dataset.

import { mulberry32 } from '@recsys/core';

export { mulberry32 };

/** FNV-1a over a string, mixed with a seed: derives independent streams (one per user, say). */
export function hashSeed(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error('pick from an empty list');
    return list[Math.floor(this.next() * list.length)] as T;
  }

  /** Index drawn with probability proportional to its weight. */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Key from a { key: weight } table, drawn proportionally to the weights. */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const keys = Object.keys(table) as K[];
    return keys[this.weightedIndex(keys.map((k) => table[k]))] as K;
  }

  /** `k` distinct elements (fewer if the list is shorter), in random order. */
  sample<T>(list: readonly T[], k: number): T[] {
    const copy = list.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  }

  /**
   * `k` distinct indices drawn without replacement, each with probability proportional to its
   * weight (Efraimidis-Spirakis keys u^(1/w)); zero weights are never drawn.
   */
  weightedSample(weights: ArrayLike<number>, k: number): number[] {
    // Keep the k largest keys in descending order; k is small next to n here.
    const keys: number[] = [];
    const picked: number[] = [];
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (!(w > 0)) continue;
      const key = Math.log(1 - this.next()) / w;
      if (picked.length === k && !(key > (keys[k - 1] as number))) continue;
      let at = picked.length;
      while (at > 0 && key > (keys[at - 1] as number)) at--;
      keys.splice(at, 0, key);
      picked.splice(at, 0, i);
      if (picked.length > k) {
        keys.pop();
        picked.pop();
      }
    }
    return picked;
  }
}
