import type { SearchResult } from '@recsys/core';

/** What the addon's searchAsync resolves to: one query's results, or n queries' (k slots each, `counts` found). */
export interface BatchSearchOutput {
  labels: Int32Array;
  distances: Float32Array;
  counts?: Int32Array;
}

interface Pending {
  query: Float32Array;
  k: number;
  resolve: (result: SearchResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the queries asked for in one turn of the event loop to the thread pool together, split
 * into at most `parts` calls. A busy service asks for ten or more per turn, and each call queued
 * on its own wakes a pool thread that then takes the event loop's core: under load most of the
 * main thread's involuntary switches happened right there.
 */
export class SearchBatcher {
  private pending: Pending[] = [];

  constructor(
    private readonly dim: number,
    private readonly parts: number,
    /** Searches n queries (rows of `dim`) for k results each. */
    private readonly run: (queries: Float32Array, k: number) => Promise<BatchSearchOutput>,
  ) {}

  search(query: Float32Array, k: number): Promise<SearchResult> {
    return new Promise((resolve, reject) => {
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
      const size = Math.ceil(group.length / Math.max(1, this.parts));
      for (let from = 0; from < group.length; from += size) this.send(group.slice(from, from + size), k);
    }
  }

  private send(chunk: Pending[], k: number): void {
    const queries = new Float32Array(chunk.length * this.dim);
    chunk.forEach((p, q) => queries.set(p.query, q * this.dim));
    let running: Promise<BatchSearchOutput>;
    try {
      running = this.run(queries, k);
    } catch (error) {
      for (const p of chunk) p.reject(error);
      return;
    }
    running.then(
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
