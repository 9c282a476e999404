// ANN benchmark: build time, query time and recall@k against exact search, per index structure.
//
//   pnpm exec tsx packages/ann/src/bench/ann.ts --n 100000 --dim 64 --k 1000 --kinds exact,flat,hnsw,ivf
//
// Options: --n rows, --dim, --k, --queries (timed queries), --kinds (exact = ExactIndex in JS;
// flat, hnsw, ivf = FaissIndex), --ivf-encodings (flat,sq8: one IVF row per encoding),
// --data gaussian|clustered, --build-threads, --search-threads, --seed.
// Rows are Gaussian with log-normal norms (like trained item factors); "clustered" draws them
// around sqrt(n) random centres instead. Queries are fresh Gaussian directions, not the calibration
// queries.
import { parseArgs } from 'node:util';
import { ExactIndex } from '../exact-index.js';
import { loadFaissAddon } from '../faiss-addon.js';
import { FaissIndex, type FaissIndexKind, type FaissIvfEncoding } from '../faiss-index.js';
import { recallAtK } from '../recall.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '64' },
    k: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '50' },
    kinds: { type: 'string', default: 'exact,flat,hnsw,ivf' },
    'ivf-encodings': { type: 'string', default: 'flat,sq8' },
    data: { type: 'string', default: 'gaussian' },
    'build-threads': { type: 'string', default: '2' },
    'search-threads': { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
});
const n = Number(values.n);
const dim = Number(values.dim);
const k = Number(values.k);
const nQueries = Number(values.queries);
const kinds = values.kinds.split(',') as ('exact' | FaissIndexKind)[];
const ivfEncodings = values['ivf-encodings'].split(',') as FaissIvfEncoding[];

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

function makeRows(count: number, seed: number, clustered: boolean): Float32Array {
  const g = gaussian(seed);
  const out = new Float32Array(count * dim);
  const nCentres = Math.max(1, Math.round(Math.sqrt(count)));
  const centres = clustered ? makeRows(nCentres, seed + 1, false) : undefined;
  for (let i = 0; i < count; i++) {
    const scale = Math.exp(0.5 * g());
    const c = i % nCentres;
    for (let d = 0; d < dim; d++) out[i * dim + d] = ((centres ? centres[c * dim + d]! : 0) + (centres ? 0.5 : 1) * g()) * scale;
  }
  return out;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mb = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);

const t0 = performance.now();
const vectors = makeRows(n, Number(values.seed), values.data === 'clustered');
const queries = makeRows(nQueries, Number(values.seed) + 100, false);
console.log(`data: ${n} x ${dim} ${values.data}, ${nQueries} queries, k = ${k} (generated in ${seconds(performance.now() - t0)} s)`);

// Ground truth from the exact index; its timing is the JS brute-force baseline.
const exact = new ExactIndex(vectors, dim);
const truth: Int32Array[] = [];
let exactMs = 0;
for (let q = 0; q < nQueries; q++) {
  const start = performance.now();
  truth.push(exact.search(queries.subarray(q * dim, q * dim + dim), k).rows);
  exactMs += performance.now() - start;
}

const results: string[] = [];
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
results.push(
  row([
    'index',
    'build s',
    'setting',
    'calibration recall',
    'recall@' + k,
    'ms / query',
    'ms / query at k = 10',
    "faiss's own search, ms / query",
    'index MB',
    'score error: mean abs / mean rel / p99 rel',
    'rss MB',
  ]),
);
results.push(row(Array.from({ length: 11 }, () => '---')));
if (kinds.includes('exact')) results.push(row(['ExactIndex (JS)', '0', '-', '-', '1.000', (exactMs / nQueries).toFixed(2), '-', '-', '-', '-', mb()]));

/** Differences between returned scores and the exact inner products of the returned rows. */
function scoreErrors(query: Float32Array, rows: Int32Array, scores: Float32Array, abs: number[], rel: number[]): void {
  for (let i = 0; i < rows.length; i++) {
    let dot = 0;
    for (let d = 0, off = rows[i]! * dim; d < dim; d++) dot += query[d]! * vectors[off + d]!;
    abs.push(Math.abs(scores[i]! - dot));
    rel.push(Math.abs(scores[i]! - dot) / Math.max(1e-12, Math.abs(dot)));
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

const faissKinds = kinds.filter((kind): kind is FaissIndexKind => kind !== 'exact');
if (faissKinds.length > 0) {
  const load = loadFaissAddon();
  if (!load.ok) throw load.error;
  const variants = faissKinds.flatMap((kind): { kind: FaissIndexKind; ivfEncoding?: FaissIvfEncoding }[] =>
    kind === 'ivf' ? ivfEncodings.map((ivfEncoding) => ({ kind, ivfEncoding })) : [{ kind }],
  );
  for (const { kind, ivfEncoding } of variants) {
    const buildStart = performance.now();
    const index = FaissIndex.build(vectors, dim, {
      kind,
      ivfEncoding,
      calibrationK: k,
      buildThreads: Number(values['build-threads']),
      searchThreads: Number(values['search-threads']),
    });
    const buildMs = performance.now() - buildStart;
    let recall = 0;
    let searchMs = 0;
    let smallMs = 0;
    let faissMs = 0;
    const absErrors: number[] = [];
    const relErrors: number[] = [];
    for (let q = 0; q < nQueries; q++) {
      const query = queries.subarray(q * dim, q * dim + dim);
      let start = performance.now();
      const found = index.search(query, k);
      searchMs += performance.now() - start;
      recall += recallAtK(found.rows, truth[q]!);
      scoreErrors(query, found.rows, found.scores, absErrors, relErrors);
      start = performance.now();
      index.search(query, 10);
      smallMs += performance.now() - start;
      // The same query through faiss's own (scalar, in Debian's build) search, for comparison.
      start = performance.now();
      index.searchWithFaiss(query, k);
      faissMs += performance.now() - start;
    }
    const { info } = index;
    const setting = info.efSearch !== undefined ? `efSearch ${info.efSearch}` : info.nprobe !== undefined ? `nprobe ${info.nprobe}` : 'exact';
    results.push(
      row([
        info.description,
        seconds(buildMs),
        setting,
        info.recall?.toFixed(3) ?? '-',
        (recall / nQueries).toFixed(3),
        (searchMs / nQueries).toFixed(2),
        (smallMs / nQueries).toFixed(2),
        (faissMs / nQueries).toFixed(2),
        (index.toBytes().byteLength / 2 ** 20).toFixed(0),
        `${mean(absErrors).toPrecision(2)} / ${mean(relErrors).toPrecision(2)} / ${quantile(relErrors, 0.99).toPrecision(2)}`,
        mb(),
      ]),
    );
    console.log(results.at(-1));
  }
}
console.log(`\n${results.join('\n')}`);
