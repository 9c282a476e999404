import type { SearchResult } from '@recsys/core';

/** What the addon's searchAsync resolves to: one query's results, or n queries' (k slots each, `counts` found). */
export interface BatchSearchOutput {
  labels: Int32Array;
  distances: Float32Array;
  counts?: Int32Array;
}

/** Queries in one call at most: at 1M titles six in a row (6 ms) lengthened the tail. */
export const MAX_BATCH = 4;

interface Pending {
  query: Float32Array;
  k: number;
  resolve: (result: SearchResult) => void;
  reject: (error: unknown) => void;
}

/**
 * While searches are running, sends the queries asked for in one turn of the event loop to the
 * thread pool together: one call per core, of at most MAX_BATCH queries (a query waits for those
 * before it in its call). A busy service asks for ten or more per turn, and each call queued on
 * its own wakes a pool thread that then takes the event loop's core: under load most of the main
 * thread's involuntary switches happened right there. With nothing running, a query leaves at once.
 */
export class SearchBatcher {
  private pending: Pending[] = [];
  /** Calls sent and not answered yet. */
  private running = 0;

  constructor(
    private readonly dim: number,
    private readonly parts: number,
    /** Searches n queries (rows of `dim`) for k results each. */
    private readonly run: (queries: Float32Array, k: number) => Promise<BatchSearchOutput>,
  ) {}

  search(query: Float32Array, k: number): Promise<SearchResult> {
    return new Promise((resolve, reject) => {
      if (this.running === 0 && this.pending.length === 0) return this.send([{ query, k, resolve, reject }], k);
      // Copied now: the caller may reuse its vector before the batch leaves.
      this.pending.push({ query: query.slice(), k, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const byK = new Map<number, Pending[]>();
    for (const p of batch) {
      const group = byK.get(p.k);
      if (group) group.push(p);
      else byK.set(p.k, [p]);
    }
    for (const [k, group] of byK) {
      const size = Math.min(MAX_BATCH, Math.ceil(group.length / Math.max(1, this.parts)));
      for (let from = 0; from < group.length; from += size) this.send(group.slice(from, from + size), k);
    }
  }

  private send(chunk: Pending[], k: number): void {
    const queries = new Float32Array(chunk.length * this.dim);
    chunk.forEach((p, q) => queries.set(p.query, q * this.dim));
    let answer: Promise<BatchSearchOutput>;
    try {
      answer = this.run(queries, k);
    } catch (error) {
      for (const p of chunk) p.reject(error);
      return;
    }
    this.running++;
    answer.finally(() => this.running--).then(
      ({ labels, distances, counts }) => {
        if (chunk.length === 1) return chunk[0]!.resolve({ rows: labels, scores: distances });
        chunk.forEach((p, q) => {
          const from = q * k;
          const to = from + counts![q]!;
          // Copies, not views: a cached result must not keep the whole batch's buffers alive.
          p.resolve({ rows: labels.slice(from, to), scores: distances.slice(from, to) });
        });
      },
      (error: unknown) => {
        for (const p of chunk) p.reject(error);
      },
    );
  }
}
