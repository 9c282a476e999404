import { describe, expect, it } from 'vitest';
import { ExactIndex } from './exact-index.js';
import { loadFaissAddon } from './faiss-addon.js';
import { chooseFaissIndexKind, FaissIndex, FaissIndexFormatError, readFaissIndexInfo } from './faiss-index.js';
import { recallAtK } from './recall.js';

const load = loadFaissAddon();

function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Random rows whose norms vary (log-normal), like trained item factors: inner product and L2 disagree. */
function randomVectors(n: number, dim: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const scale = Math.exp(0.5 * g());
    for (let d = 0; d < dim; d++) out[i * dim + d] = g() * scale;
  }
  return out;
}

/** Rows around `clusters` random centres (as trained embeddings cluster by taste), norms varying. */
function clusteredVectors(n: number, dim: number, clusters: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const centres = randomVectors(clusters, dim, seed + 1);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    const scale = Math.exp(0.3 * g());
    for (let d = 0; d < dim; d++) out[i * dim + d] = (centres[c * dim + d]! + 0.3 * g()) * scale;
  }
  return out;
}

/** Mean recall@k of `index` against exact search, on fresh Gaussian queries. */
function measuredRecall(index: FaissIndex, vectors: Float32Array, dim: number, k: number, queries = 100): number {
  const exact = new ExactIndex(vectors, dim);
  const queryRows = randomVectors(queries, dim, 99);
  let sum = 0;
  for (let q = 0; q < queries; q++) {
    const query = queryRows.subarray(q * dim, q * dim + dim);
    sum += recallAtK(index.search(query, k).rows, exact.search(query, k).rows);
  }
  return sum / queries;
}

/** The serialised index with one field dropped from its JSON header (layout: faiss-index.ts). */
function withoutHeaderField(bytes: Uint8Array, field: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Record<string, unknown>;
  const faissBytes = bytes.subarray((12 + headerLength + 7) & ~7);
  delete meta[field];
  const header = new TextEncoder().encode(JSON.stringify(meta));
  const start = (12 + header.byteLength + 7) & ~7;
  const out = new Uint8Array(start + faissBytes.byteLength);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, header.byteLength, true);
  out.set(header, 12);
  out.set(faissBytes, start);
  return out;
}

// Small catalogues keep these quick on a busy machine; one thread avoids OpenMP spinning.
const threads = { buildThreads: 1, searchThreads: 1 };

describe('chooseFaissIndexKind', () => {
  it('uses exact flat search up to 50k vectors and IVF above; HNSW only in a band the caller opens', () => {
    expect(chooseFaissIndexKind(5_000)).toBe('flat');
    expect(chooseFaissIndexKind(50_000)).toBe('flat');
    expect(chooseFaissIndexKind(50_001)).toBe('ivf');
    expect(chooseFaissIndexKind(100_000)).toBe('ivf');
    expect(chooseFaissIndexKind(1_000_000)).toBe('ivf');
    const band = { flatMaxSize: 1_000, hnswMaxSize: 2_000 };
    expect(chooseFaissIndexKind(1_000, band)).toBe('flat');
    expect(chooseFaissIndexKind(1_500, band)).toBe('hnsw');
    expect(chooseFaissIndexKind(2_500, band)).toBe('ivf');
  });
});

describe('the faiss addon compiled at install', () => {
  it.skipIf(process.env.RECSYS_SKIP_FAISS_BUILD === '1')('loads (set RECSYS_SKIP_FAISS_BUILD=1 on machines without libfaiss)', () => {
    expect(load.ok ? 'loaded' : load.error.message).toBe('loaded');
  });
});

describe.skipIf(!load.ok)('FaissIndex', () => {
  const dim = 16;
  const vectors = randomVectors(3_000, dim, 1);

  it('flat: returns exactly what exact search returns, by inner product', () => {
    const index = FaissIndex.build(vectors, dim, { kind: 'flat', ...threads });
    const exact = new ExactIndex(vectors, dim);
    const query = randomVectors(1, dim, 5);
    const got = index.search(query, 50);
    const want = exact.search(query, 50);
    expect(Array.from(got.rows)).toEqual(Array.from(want.rows));
    for (let i = 0; i < 50; i++) expect(got.scores[i]).toBeCloseTo(want.scores[i]!, 3);
    expect(index.info.recall).toBe(1);
  });

  it('hnsw: inner-product HNSW agrees with exact search (recall@k >= 0.95) at the calibrated efSearch', () => {
    const index = FaissIndex.build(vectors, dim, { kind: 'hnsw', calibrationK: 200, ...threads });
    expect(index.info.description).toBe('HNSW32,Flat');
    expect(index.info.efSearch).toBeGreaterThanOrEqual(200);
    expect(index.info.recall).toBeGreaterThanOrEqual(0.95);
    expect(measuredRecall(index, vectors, dim, 200)).toBeGreaterThanOrEqual(0.95);
    // Scores are inner products, best first.
    const query = randomVectors(1, dim, 7);
    const { rows, scores } = index.search(query, 10);
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += query[d]! * vectors[rows[0]! * dim + d]!;
    expect(scores[0]).toBeCloseTo(dot, 3);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
  });

  it('hnsw: METRIC_INNER_PRODUCT beats the MIPS-to-L2 reduction (one extra coordinate) at the same efSearch', () => {
    const addon = load.ok ? load.addon : undefined!;
    const k = 200;
    const ip = FaissIndex.build(vectors, dim, { kind: 'hnsw', efSearch: k, calibrationK: k, ...threads });
    // The reduction: x' = [x, sqrt(M^2 - |x|^2)], q' = [q, 0]; the L2-nearest x' has the largest q.x.
    const n = vectors.length / dim;
    const norms = Array.from({ length: n }, (_, i) => vectors.subarray(i * dim, i * dim + dim).reduce((s, v) => s + v * v, 0));
    const maxNorm = Math.max(...norms);
    const augmented: number[] = [];
    for (let i = 0; i < n; i++) augmented.push(...vectors.subarray(i * dim, i * dim + dim), Math.sqrt(maxNorm - norms[i]!));
    const l2 = addon.Index.fromFactory(dim + 1, 'HNSW32,Flat', 1);
    addon.setThreads(1);
    l2.add(augmented);
    l2.setParameter('efSearch', k);

    const exact = new ExactIndex(vectors, dim);
    const queries = randomVectors(20, dim, 21);
    let ipRecall = 0;
    let l2Recall = 0;
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * dim, q * dim + dim);
      const truth = exact.search(query, k).rows;
      ipRecall += recallAtK(ip.search(query, k).rows, truth) / 20;
      l2Recall += recallAtK(l2.search([...query, 0], k).labels, truth) / 20;
    }
    expect(ipRecall).toBeGreaterThanOrEqual(0.95);
    expect(ipRecall).toBeGreaterThan(l2Recall);
  });

  it('ivf: calibration picks the smallest nprobe that reaches recall@k >= 0.95; a fixed nprobe of 1 falls short', () => {
    const clustered = clusteredVectors(3_000, dim, 32, 2);
    const index = FaissIndex.build(clustered, dim, { kind: 'ivf', ivfEncoding: 'flat', nlist: 32, calibrationK: 200, ...threads });
    expect(index.info.description).toBe('IVF32,Flat');
    expect(index.info.nprobe).toBeGreaterThan(1);
    expect(index.info.nprobe).toBeLessThan(32);
    expect(index.info.recall).toBeGreaterThanOrEqual(0.95);
    expect(measuredRecall(index, clustered, dim, 200)).toBeGreaterThanOrEqual(0.95);

    const narrow = FaissIndex.build(clustered, dim, { kind: 'ivf', ivfEncoding: 'flat', nlist: 32, nprobe: 1, calibrationK: 200, ...threads });
    expect(narrow.info.recall).toBeUndefined();
    expect(measuredRecall(narrow, clustered, dim, 200)).toBeLessThan(0.5);
  });

  it('searchAsync answers what search answers, off the event loop, for every kind and any dimension', async () => {
    // 13 dimensions: the SIMD kernel's tail after its 8-wide steps is exercised too.
    const odd = randomVectors(2_000, 13, 3);
    const exact = new ExactIndex(odd, 13);
    for (const kind of ['flat', 'ivf', 'hnsw'] as const) {
      const index = FaissIndex.build(odd, 13, { kind, ...(kind === 'ivf' ? { nlist: 16 } : {}), calibrationK: 100, ...threads });
      for (let q = 0; q < 5; q++) {
        const query = randomVectors(1, 13, 100 + q);
        const sync = index.search(query, 100);
        const async = await index.searchAsync(query, 100);
        expect(Array.from(async.rows)).toEqual(Array.from(sync.rows));
        expect(Array.from(async.scores)).toEqual(Array.from(sync.scores));
        // The SIMD path finds what faiss's own search finds.
        expect(Array.from(index.searchWithFaiss(query, 100).rows)).toEqual(Array.from(sync.rows));
        if (kind === 'flat') {
          const want = exact.search(query, 100);
          expect(Array.from(sync.rows)).toEqual(Array.from(want.rows));
          for (let i = 0; i < 100; i++) expect(sync.scores[i]).toBeCloseTo(want.scores[i]!, 4);
        }
      }
    }
    // Many in flight at once: each gets its own answer.
    const index = FaissIndex.build(odd, 13, { kind: 'flat', ...threads });
    const queries = Array.from({ length: 32 }, (_, q) => randomVectors(1, 13, 200 + q));
    const answers = await Promise.all(queries.map((query) => index.searchAsync(query, 10)));
    answers.forEach((answer, q) => expect(Array.from(answer.rows)).toEqual(Array.from(exact.search(queries[q]!, 10).rows)));
  });

  it('searches asked for in one turn go to the pool together and each gets what search answers', async () => {
    const vectors = clusteredVectors(3_000, dim, 12, 5);
    const index = FaissIndex.build(vectors, dim, { kind: 'ivf', nlist: 32, ivfEncoding: 'sq8', calibrationK: 100, ...threads });
    index.useExactVectors(vectors);
    const queries = Array.from({ length: 25 }, (_, q) => randomVectors(1, dim, 300 + q));
    const ks = queries.map((_, q) => (q % 3 === 0 ? 7 : q % 3 === 1 ? 100 : 3_500));
    const pending = queries.map((query, q) => index.searchAsync(query, ks[q]!));
    // The caller may reuse its vector at once: the batch searched a copy.
    for (const query of queries) query.fill(0);
    const answers = await Promise.all(pending);
    answers.forEach((answer, q) => {
      const want = index.search(randomVectors(1, dim, 300 + q), ks[q]!);
      expect(Array.from(answer.rows)).toEqual(Array.from(want.rows));
      expect(Array.from(answer.scores)).toEqual(Array.from(want.scores));
    });
    expect(answers[2]!.rows.length).toBeLessThanOrEqual(3_000);
  });

  it('caps k at the index size, returns nothing for k = 0, and rejects a query of the wrong dimension', () => {
    const small = randomVectors(30, dim, 3);
    for (const kind of ['flat', 'hnsw', 'ivf'] as const) {
      const index = FaissIndex.build(small, dim, { kind, ...threads });
      const all = index.search(randomVectors(1, dim, 4), 1_000);
      expect(all.rows.length).toBe(30);
      expect(new Set(all.rows).size).toBe(30);
      expect(index.search(randomVectors(1, dim, 4), 0).rows.length).toBe(0);
      expect(() => index.search(new Float32Array(dim - 1), 5)).toThrow(/dim/);
    }
    const empty = FaissIndex.build(new Float32Array(0), dim, { kind: 'hnsw', ...threads });
    expect(empty.search(new Float32Array(dim), 10).rows.length).toBe(0);
  });

  it('round-trips through bytes with its settings and model version, and refuses another version', () => {
    const index = FaissIndex.build(vectors, dim, { kind: 'hnsw', calibrationK: 100, ...threads });
    const bytes = index.toBytes({ modelVersion: 'v42' });
    expect(readFaissIndexInfo(bytes)).toMatchObject({ kind: 'hnsw', size: 3_000, dim, modelVersion: 'v42', efSearch: index.info.efSearch });

    const restored = FaissIndex.fromBytes(bytes, { modelVersion: 'v42' });
    expect(restored.size).toBe(3_000);
    expect(restored.info.efSearch).toBe(index.info.efSearch);
    const query = randomVectors(1, dim, 11);
    expect(Array.from(restored.search(query, 100).rows)).toEqual(Array.from(index.search(query, 100).rows));

    expect(() => FaissIndex.fromBytes(bytes, { modelVersion: 'v43' })).toThrow(FaissIndexFormatError);
    expect(() => FaissIndex.fromBytes(bytes.slice(0, 8))).toThrow(FaissIndexFormatError);
    const corrupt = bytes.slice();
    corrupt[0] = 0;
    expect(() => FaissIndex.fromBytes(corrupt)).toThrow(/not a serialised faiss index/);
  });

  it('returns exactly the k best, ties broken by the lower row, for flat and for IVF cells scanned in any order', () => {
    // 40 distinct rows repeated: every score is shared by 50 rows, so the cut at k falls inside a tie.
    const distinct = randomVectors(40, dim, 31);
    const repeated = new Float32Array(2_000 * dim);
    for (let i = 0; i < 2_000; i++) repeated.set(distinct.subarray((i % 40) * dim, (i % 40) * dim + dim), i * dim);
    const query = randomVectors(1, dim, 32);
    const score = (row: number) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += query[d]! * repeated[row * dim + d]!;
      return s;
    };
    const byRank = Array.from({ length: 2_000 }, (_, row) => row).sort((a, b) => score(b) - score(a) || a - b);
    const flat = FaissIndex.build(repeated, dim, { kind: 'flat', ...threads });
    const ivf = FaissIndex.build(repeated, dim, { kind: 'ivf', ivfEncoding: 'flat', nlist: 8, nprobe: 8, ...threads });
    for (const k of [1, 75, 333, 2_000]) {
      expect(Array.from(flat.search(query, k).rows)).toEqual(byRank.slice(0, k));
      expect(Array.from(ivf.search(query, k).rows)).toEqual(byRank.slice(0, k));
    }
  });

  it('ivf sq8: the kernel finds the rows faiss finds, with its scores, for any dimension', () => {
    for (const d of [16, 13, 48, 64]) {
      // A multiple of 16 takes the kernel's 16-bit fixed-point weights, which move a score by up to
      // a few parts in 10^4 (far below the 8-bit codes' own ~1 % error): rows whose scores are that
      // close may swap places or trade the last place. Other dimensions use float weights.
      const fixedPoint = d % 16 === 0;
      const tolerance = (score: number) => (fixedPoint ? 5e-4 : 1e-4) * (1 + Math.abs(score));
      const rows = clusteredVectors(3_000, d, 32, 40 + d);
      for (const nprobe of [3, 32]) {
        const index = FaissIndex.build(rows, d, { kind: 'ivf', ivfEncoding: 'sq8', nlist: 32, nprobe, ...threads });
        expect(index.info).toMatchObject({ description: 'IVF32,SQ8', ivfEncoding: 'sq8', nprobe });
        for (let q = 0; q < 5; q++) {
          const query = randomVectors(1, d, 300 + q);
          const ours = index.search(query, 100);
          const faiss = index.searchWithFaiss(query, 100);
          if (!fixedPoint) expect(Array.from(ours.rows)).toEqual(Array.from(faiss.rows));
          expect(ours.rows.length).toBe(faiss.rows.length);
          const faissScore = new Map(Array.from(faiss.rows, (row, i) => [row, faiss.scores[i]!]));
          const ourScore = new Map(Array.from(ours.rows, (row, i) => [row, ours.scores[i]!]));
          const last = faiss.scores[faiss.scores.length - 1]!;
          ours.rows.forEach((row, i) => {
            const score = ours.scores[i]!;
            if (i > 0) expect(score).toBeLessThanOrEqual(ours.scores[i - 1]!);
            const theirs = faissScore.get(row);
            // A row faiss left out can only be a near tie with its last one.
            if (theirs === undefined) expect(Math.abs(score - last)).toBeLessThan(2 * tolerance(last));
            else expect(Math.abs(score - theirs)).toBeLessThan(tolerance(theirs));
          });
          faiss.rows.forEach((row, i) => {
            if (!ourScore.has(row)) expect(Math.abs(faiss.scores[i]! - last)).toBeLessThan(2 * tolerance(last));
          });
        }
      }
    }
  });

  it('ivf sq8: calibrated against exact search, reaches recall@k >= 0.95 with scores close to the exact inner products', async () => {
    const clustered = clusteredVectors(3_000, dim, 32, 2);
    // SQ8 is the default encoding.
    const index = FaissIndex.build(clustered, dim, { kind: 'ivf', nlist: 32, calibrationK: 200, ...threads });
    expect(index.info).toMatchObject({ description: 'IVF32,SQ8', ivfEncoding: 'sq8' });
    expect(index.info.recall).toBeGreaterThanOrEqual(0.95);
    expect(measuredRecall(index, clustered, dim, 200)).toBeGreaterThanOrEqual(0.95);
    // Scores are decoded from 8-bit codes: close to the exact inner products, not equal. Rows outside
    // the range seen in training are clamped, so a few err more.
    const errors: number[] = [];
    for (let q = 0; q < 10; q++) {
      const query = randomVectors(1, dim, 51 + q);
      const { rows, scores } = await index.searchAsync(query, 200);
      for (let i = 0; i < rows.length; i++) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += query[d]! * clustered[rows[i]! * dim + d]!;
        errors.push(Math.abs(scores[i]! - dot) / Math.abs(dot));
      }
    }
    errors.sort((a, b) => a - b);
    expect(errors[errors.length >> 1]).toBeLessThan(0.01);
    expect(errors.at(-1)).toBeLessThan(0.1);
  });

  it('ivf sq8 with its float vectors: the same rows, rescored with exact inner products, best first', async () => {
    const clustered = clusteredVectors(3_000, dim, 32, 5);
    const index = FaissIndex.build(clustered, dim, { kind: 'ivf', ivfEncoding: 'sq8', nlist: 32, nprobe: 8, ...threads });
    const query = randomVectors(1, dim, 77);
    const approximate = index.search(query, 150);
    index.useExactVectors(clustered);
    const restored = FaissIndex.fromBytes(index.toBytes(), { exactVectors: clustered });
    for (const result of [index.search(query, 150), await index.searchAsync(query, 150), restored.search(query, 150)]) {
      expect([...result.rows].sort((a, b) => a - b)).toEqual([...approximate.rows].sort((a, b) => a - b));
      for (let i = 0; i < result.rows.length; i++) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += query[d]! * clustered[result.rows[i]! * dim + d]!;
        expect(result.scores[i]).toBeCloseTo(dot, 4);
        if (i > 0) expect(result.scores[i]!).toBeLessThanOrEqual(result.scores[i - 1]!);
      }
    }
    expect(() => index.useExactVectors(clustered.subarray(dim))).toThrow(RangeError);
  });

  it('keeps the IVF encoding across a round trip and answers the same', () => {
    const index = FaissIndex.build(vectors, dim, { kind: 'ivf', ivfEncoding: 'sq8', nlist: 32, calibrationK: 100, ...threads });
    const bytes = index.toBytes({ modelVersion: 'v1' });
    // A quarter of the float vectors' bytes, plus ids and centroids.
    expect(bytes.byteLength).toBeLessThan(FaissIndex.build(vectors, dim, { kind: 'ivf', ivfEncoding: 'flat', nlist: 32, nprobe: 1, ...threads }).toBytes().byteLength / 2);
    const restored = FaissIndex.fromBytes(bytes, { modelVersion: 'v1' });
    expect(restored.info).toMatchObject({ description: 'IVF32,SQ8', ivfEncoding: 'sq8', nprobe: index.info.nprobe });
    const query = randomVectors(1, dim, 17);
    const before = index.search(query, 100);
    const after = restored.search(query, 100);
    expect(Array.from(after.rows)).toEqual(Array.from(before.rows));
    expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
  });

  it('keeps IVF nprobe across a round trip, for either encoding and for headers written before encodings existed', () => {
    for (const ivfEncoding of ['flat', 'sq8'] as const) {
      const index = FaissIndex.build(vectors, dim, { kind: 'ivf', ivfEncoding, nlist: 32, calibrationK: 100, ...threads });
      const bytes = index.toBytes();
      const query = randomVectors(1, dim, 13);
      for (const saved of [bytes, withoutHeaderField(bytes, 'ivfEncoding')]) {
        const restored = FaissIndex.fromBytes(saved);
        expect(restored.info.nprobe).toBe(index.info.nprobe);
        expect(Array.from(restored.search(query, 100).rows)).toEqual(Array.from(index.search(query, 100).rows));
      }
    }
  });
});
