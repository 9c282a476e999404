import type { SearchResult } from '@recsys/core';

/** What the addon's searchAsync resolves to: one query's results, or n queries' (k slots each, `counts` found). */
export interface BatchSearchOutput {
  labels: Int32Array;
  distances: Float32Array;
  counts?: Int32Array;
}

/** Queries in one call at most: at 1M titles six in a row (6 ms) lengthened the tail. */
export const MAX_BATCH = 4;

/**
 * Calls in flight for a machine with `cores` cores: the addon searches on all cores but one, which
 * stays with the event loop (search-lanes.h), and each of those threads has one call running and
 * one waiting, so it never idles while the event loop is busy.
 */
export const callsInFlightFor = (cores: number): number => 2 * Math.max(1, Math.floor(cores) - 1);

interface Pending {
  query: Float32Array;
  k: number;
  resolve: (result: SearchResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends searches to the addon with at most `maxCalls` calls in flight; the queries that arrive
 * meanwhile wait here and leave together, up to MAX_BATCH of the same k per call, as soon as a call
 * returns. Fewer, fuller calls mean fewer thread hand-offs, each of which costs the event loop
 * time. Below the limit a query leaves at once, so a lone request waits for nothing.
 */
export class SearchBatcher {
  private pending: Pending[] = [];
  /** Calls sent and not answered yet. */
  private running = 0;

  constructor(
    private readonly dim: number,
    private readonly maxCalls: number,
    /** Searches n queries (rows of `dim`) for k results each. */
    private readonly run: (queries: Float32Array, k: number) => Promise<BatchSearchOutput>,
  ) {
    if (!Number.isInteger(maxCalls) || maxCalls < 1) throw new RangeError(`maxCalls must be a positive integer, got ${maxCalls}`);
  }

  search(query: Float32Array, k: number): Promise<SearchResult> {
    return new Promise((resolve, reject) => {
      if (this.running < this.maxCalls && this.pending.length === 0) return this.send([{ query, k, resolve, reject }], k);
      // Copied now: the caller may reuse its vector before the batch leaves.
      this.pending.push({ query: query.slice(), k, resolve, reject });
    });
  }

  /** Sends waiting queries while calls may start, oldest first, grouping those with the oldest one's k. */
  private pump(): void {
    while (this.running < this.maxCalls && this.pending.length > 0) {
      const k = this.pending[0]!.k;
      const chunk: Pending[] = [];
      const rest: Pending[] = [];
      for (const p of this.pending) (p.k === k && chunk.length < MAX_BATCH ? chunk : rest).push(p);
      this.pending = rest;
      this.send(chunk, k);
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
    answer.then(
      ({ labels, distances, counts }) => {
        this.running--;
        this.pump();
        if (chunk.length === 1) return chunk[0]!.resolve({ rows: labels, scores: distances });
        chunk.forEach((p, q) => {
          const from = q * k;
          const to = from + counts![q]!;
          // Copies, not views: a cached result must not keep the whole batch's buffers alive.
          p.resolve({ rows: labels.slice(from, to), scores: distances.slice(from, to) });
        });
      },
      (error: unknown) => {
        this.running--;
        this.pump();
        for (const p of chunk) p.reject(error);
      },
    );
  }
}
