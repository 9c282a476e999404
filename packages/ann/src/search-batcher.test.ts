import { describe, expect, it } from 'vitest';
import { callsInFlightFor, MAX_BATCH, SearchBatcher, type BatchSearchOutput } from './search-batcher.js';

const DIM = 2;

/** A fake addon: answers each query q of a call with labels [10 q0 + 1, ...] (k of them), when told to. */
function fakeAddon() {
  const calls: { queries: Float32Array; k: number; answer: () => void; fail: (error: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (queries: Float32Array, k: number) =>
    new Promise<BatchSearchOutput>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const n = queries.length / DIM;
      calls.push({
        queries: queries.slice(),
        k,
        answer: () => {
          inFlight--;
          const labels = new Int32Array(n * k);
          const distances = new Float32Array(n * k);
          for (let q = 0; q < n; q++) for (let j = 0; j < k; j++) labels[q * k + j] = 10 * queries[q * DIM]! + j;
          resolve(n === 1 ? { labels, distances } : { labels, distances, counts: new Int32Array(n).fill(k) });
        },
        fail: (error) => {
          inFlight--;
          reject(error);
        },
      });
    });
  return { calls, run, maxInFlight: () => maxInFlight };
}

const query = (id: number) => new Float32Array([id, 0]);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SearchBatcher', () => {
  it('sends a lone query at once, on its own', async () => {
    const addon = fakeAddon();
    const batcher = new SearchBatcher(DIM, 2, addon.run);
    const answer = batcher.search(query(3), 2);
    expect(addon.calls).toHaveLength(1);
    addon.calls[0]!.answer();
    expect(Array.from((await answer).rows)).toEqual([30, 31]);
  });

  it('never has more calls in flight than allowed, and answers every query with its own results', async () => {
    const addon = fakeAddon();
    const batcher = new SearchBatcher(DIM, 2, addon.run);
    const answers = Array.from({ length: 13 }, (_, id) => batcher.search(query(id), 3));
    expect(addon.calls).toHaveLength(2);
    let answered = 0;
    while (answered < addon.calls.length) {
      addon.calls[answered++]!.answer();
      await tick();
    }
    expect(addon.maxInFlight()).toBe(2);
    // The two first left alone; the eleven that waited left in calls of at most MAX_BATCH, oldest first.
    expect(addon.calls.map((c) => c.queries.length / DIM)).toEqual([1, 1, MAX_BATCH, MAX_BATCH, 3]);
    expect(addon.calls.flatMap((c) => Array.from(c.queries.filter((_, i) => i % DIM === 0)))).toEqual(
      Array.from({ length: 13 }, (_, id) => id),
    );
    const results = await Promise.all(answers);
    results.forEach((r, id) => expect(Array.from(r.rows)).toEqual([10 * id, 10 * id + 1, 10 * id + 2]));
  });

  it('groups waiting queries by k, and a query reused by its caller still searches what it held', async () => {
    const addon = fakeAddon();
    const batcher = new SearchBatcher(DIM, 1, addon.run);
    void batcher.search(query(0), 1);
    const reused = query(1);
    const a = batcher.search(reused, 2);
    reused[0] = 99;
    const b = batcher.search(query(2), 5);
    const c = batcher.search(query(3), 2);
    addon.calls[0]!.answer();
    await tick();
    expect(addon.calls[1]!.k).toBe(2);
    expect(Array.from(addon.calls[1]!.queries)).toEqual([1, 0, 3, 0]);
    addon.calls[1]!.answer();
    await tick();
    expect(addon.calls[2]!.k).toBe(5);
    addon.calls[2]!.answer();
    expect(Array.from((await a).rows)).toEqual([10, 11]);
    expect(Array.from((await c).rows)).toEqual([30, 31]);
    expect((await b).rows).toHaveLength(5);
  });

  it('rejects the queries of a failed call and goes on with the next', async () => {
    const addon = fakeAddon();
    const batcher = new SearchBatcher(DIM, 1, addon.run);
    const first = batcher.search(query(1), 1);
    const second = batcher.search(query(2), 1);
    addon.calls[0]!.fail(new Error('index closed'));
    await expect(first).rejects.toThrow('index closed');
    addon.calls[1]!.answer();
    expect(Array.from((await second).rows)).toEqual([20]);
  });

  it('keeps one core for the event loop: two calls per search thread on all the others', () => {
    expect([1, 2, 4, 8].map(callsInFlightFor)).toEqual([2, 2, 6, 14]);
    expect(() => new SearchBatcher(DIM, 0, fakeAddon().run)).toThrow(RangeError);
  });
});
