/**
 * Distinct candidate rows in the order they were added, without a Set: a stamp per catalogue row
 * marks the rows already in. rank() runs synchronously, so one pool per catalogue view is reused
 * by every request instead of allocating (and growing) a hash set of ~1,300 rows each time.
 */
export class CandidatePool {
  private readonly stamps: Uint32Array;
  private generation = 0;
  private buffer = new Int32Array(2048);
  size = 0;

  constructor(catalogSize: number) {
    this.stamps = new Uint32Array(catalogSize);
  }

  /** Empties the pool for the next request. */
  reset(): void {
    this.size = 0;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  add(row: number): void {
    if (this.stamps[row] === this.generation) return;
    this.stamps[row] = this.generation;
    if (this.size === this.buffer.length) {
      const grown = new Int32Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.size++] = row;
  }

  /** The rows added since the last reset, as a copy the caller owns. */
  rows(): Int32Array {
    return this.buffer.slice(0, this.size);
  }
}

const pools = new WeakMap<object, CandidatePool>();

/** The reusable pool of a catalogue view, emptied. */
export function candidatePoolFor(catalog: { readonly size: number }): CandidatePool {
  let pool = pools.get(catalog);
  if (!pool) pools.set(catalog, (pool = new CandidatePool(catalog.size)));
  pool.reset();
  return pool;
}
