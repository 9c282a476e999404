// Maximum inner product search on faiss (METRIC_INNER_PRODUCT: on data whose norms vary it beat
// the MIPS-to-L2 reduction by a wide margin for both HNSW and IVF). The structure follows the
// catalogue size, see chooseFaissIndexKind. Search-time effort (efSearch for HNSW, nprobe for IVF)
// is calibrated at build time: the smallest setting whose recall@k against exact search, on sample
// queries, reaches the target (0.95 at k = 1000 by default) with a margin for sampling error.
// Building blocks the event loop; searchAsync runs a query on the libuv thread pool.
import { availableParallelism } from 'node:os';
import { mulberry32, type SearchResult, type VectorIndex } from '@recsys/core';
import { ExactIndex } from './exact-index.js';
import { FAISS_METRIC_INNER_PRODUCT, loadFaissAddon, type FaissAddon, type FaissNativeIndex } from './faiss-addon.js';
import { recallAtK } from './recall.js';
import { callsInFlightFor, SearchBatcher } from './search-batcher.js';

export type FaissIndexKind = 'flat' | 'hnsw' | 'ivf';

/**
 * How IVF cells store their vectors: 'flat' as float32 (exact scores), 'sq8' as 8-bit codes of the
 * residuals from the cell's centroid (faiss's SQ8: a quarter of the memory, approximate scores).
 */
export type FaissIvfEncoding = 'flat' | 'sq8';

export interface FaissIndexOptions {
  /** Index structure; 'auto' chooses by catalogue size (chooseFaissIndexKind). */
  kind?: FaissIndexKind | 'auto';
  /** Largest catalogue served by an exact flat index under 'auto'. */
  flatMaxSize?: number;
  /** Under 'auto', catalogues above flatMaxSize and up to this use HNSW (none by default), larger ones IVF. */
  hnswMaxSize?: number;
  /** HNSW links per node. */
  hnswM?: number;
  /** HNSW construction beam width (faiss's default is 40). */
  efConstruction?: number;
  /** IVF cells; default about the square root of the catalogue size. */
  nlist?: number;
  /** How IVF cells store the vectors (see FaissIvfEncoding); default DEFAULT_IVF_ENCODING. */
  ivfEncoding?: FaissIvfEncoding;
  /** Fixed efSearch at `calibrationK` (scaled with k at query time), skipping calibration. */
  efSearch?: number;
  /** Fixed nprobe, skipping calibration. */
  nprobe?: number;
  /** Recall@calibrationK against exact search that calibration must reach in every query group (mean minus two standard errors). */
  targetRecall?: number;
  /** The k the recall target holds for (capped at the catalogue size). */
  calibrationK?: number;
  /** Sample queries (rows of `dim`) for calibration, ideally user vectors; default: defaultCalibrationQueries. */
  calibrationQueries?: Float32Array;
  /** Calibration queries drawn per group when none are given. */
  calibrationSamples?: number;
  /** OpenMP threads while building; default: all cores. */
  buildThreads?: number;
  /** OpenMP threads per search; 1 keeps concurrent requests from fighting over cores. */
  searchThreads?: number;
  /** Seed for the IVF training and calibration samples. */
  seed?: number;
  /** The faiss addon; default: the one compiled at install (throws when it is missing). */
  addon?: FaissAddon;
}

/**
 * IVF encoding when none is given: SQ8. On clustered 64-dim data at the calibrated nprobe it kept
 * recall@1000 at 0.96-0.97 (as IVF-Flat), searched in 60% of IVF-Flat's time at 100k and 55% at 1M
 * (the scan reads a quarter of the bytes), and holds the index in 28% of the memory (69 MB instead of
 * 252 MB at 1M), for a build a few seconds longer (calibration against brute force). Its scores are
 * approximate: typically within 1% of the exact inner product, a few rows clamped at the trained
 * range by several %; the vector index factory therefore rescores the results with the float
 * vectors (useExactVectors). Figures: docs/benchmarks.md, "ANN index".
 */
export const DEFAULT_IVF_ENCODING: FaissIvfEncoding = 'sq8';

const DEFAULTS = {
  flatMaxSize: 50_000,
  hnswMaxSize: 50_000,
  hnswM: 32,
  efConstruction: 40,
  targetRecall: 0.95,
  calibrationK: 1000,
  calibrationSamples: 32,
  searchThreads: 1,
  seed: 1,
};

/** What an index is and how it searches; stored in its serialised form. */
export interface FaissIndexInfo {
  kind: FaissIndexKind;
  /** faiss index_factory description, e.g. "HNSW32,Flat". */
  description: string;
  dim: number;
  size: number;
  /** HNSW: efSearch used at k = calibrationK; scaled proportionally for other k. */
  efSearch?: number;
  /** IVF: cells probed per query. */
  nprobe?: number;
  /** IVF: how the cells store the vectors (absent in indexes persisted before it existed: 'flat'). */
  ivfEncoding?: FaissIvfEncoding;
  calibrationK: number;
  /** Mean recall@calibrationK measured at build time, worst query group (1 for flat; absent when efSearch / nprobe were fixed). */
  recall?: number;
  /** Label of the model the vectors came from, when the index was persisted with one. */
  modelVersion?: string;
}

/**
 * The structure for a catalogue of `size` vectors, for queries of about 1,000 results:
 * - up to `flatMaxSize` (50k): Flat, exact. At 100k x 64 and k = 1000 brute force in faiss took
 *   4 ms per query, while HNSW32 needed efSearch 3000 for recall 0.95, then took 26 ms, after a
 *   6-minute build. Brute force grows linearly: ~40-60 ms at 1M.
 * - above `hnswMaxSize`: IVF (nlist ~ 3 sqrt(n)), its cells SQ8-encoded by default (DEFAULT_IVF_ENCODING). At 100k x 64 on clustered data IVF1024 answered
 *   in 1.6 ms at recall 0.97 (Flat 4.3 ms, IVF256 2.5 ms): a 4 ms search is most of a request's
 *   budget at 300 requests/s on one event loop. At 1M x 64, IVF1024 built in under a minute and
 *   answered in 19 ms on clustered data; on structureless Gaussian data calibration ends up
 *   probing every cell (still exact, no slower than Flat).
 * - HNSW in between only when `hnswMaxSize` is raised above `flatMaxSize` (or with kind: 'hnsw'):
 *   it pays off for small k (its beam is ~k wide) or when a long build is acceptable.
 * Figures: docs/benchmarks.md, "ANN index".
 */
export function chooseFaissIndexKind(size: number, options: Pick<FaissIndexOptions, 'flatMaxSize' | 'hnswMaxSize'> = {}): FaissIndexKind {
  if (size <= (options.flatMaxSize ?? DEFAULTS.flatMaxSize)) return 'flat';
  if (size <= (options.hnswMaxSize ?? DEFAULTS.hnswMaxSize)) return 'hnsw';
  return 'ivf';
}

/**
 * IVF cells: about 3 sqrt(size), a power of two between 64 and 2048, and at least 39 vectors per
 * cell (faiss's k-means minimum). Finer cells than sqrt(size) let a 1,000-result query scan fewer
 * vectors for the same recall; the cap keeps the k-means training at 1M under a minute or so.
 */
export function defaultNlist(size: number): number {
  const target = 3 * Math.sqrt(Math.max(1, size));
  const nlist = Math.min(2048, Math.max(64, 2 ** Math.round(Math.log2(target))));
  return Math.max(1, Math.min(nlist, Math.floor(size / 39)));
}

// Rows handed to the binding per add() call: its inputs are plain arrays, so large catalogues go in
// slices instead of one array of n * dim boxed numbers.
const ADD_CHUNK_VALUES = 1 << 20;
const MIN_EF_SEARCH = 64;
// k-means training points per IVF cell: faiss warns below 39 and subsamples above 256; the
// training cost grows with it, and 64 per cell is plenty for assigning vectors to cells.
const IVF_TRAIN_PER_CELL = 64;

export class FaissIndex implements VectorIndex {
  private currentEf = -1;
  private batcher: SearchBatcher | undefined;
  /**
   * The float vectors an SQ8 index was built from, when known: its results are rescored with them,
   * so callers get exact inner products (the 8-bit codes only choose the candidates).
   */
  private exact: Float32Array | undefined;

  private constructor(
    private readonly addon: FaissAddon,
    private readonly native: FaissNativeIndex,
    private readonly meta: FaissIndexInfo,
    private readonly searchThreads: number,
  ) {}

  get dim(): number {
    return this.meta.dim;
  }

  get size(): number {
    return this.meta.size;
  }

  get info(): Readonly<FaissIndexInfo> {
    return this.meta;
  }

  /** Builds an index over `vectors` (row-major, `dim` columns) and calibrates its search effort. */
  static build(vectors: Float32Array, dim: number, options: FaissIndexOptions = {}): FaissIndex {
    if (!Number.isInteger(dim) || dim <= 0 || vectors.length % dim !== 0) {
      throw new RangeError(`vector buffer of length ${vectors.length} is not a multiple of dim ${dim}`);
    }
    const addon = options.addon ?? requireAddon();
    const size = vectors.length / dim;
    const kind = options.kind === undefined || options.kind === 'auto' ? chooseFaissIndexKind(size, options) : options.kind;
    const hnswM = options.hnswM ?? DEFAULTS.hnswM;
    const nlist = Math.max(1, Math.min(options.nlist ?? defaultNlist(size), size));
    const ivfEncoding = options.ivfEncoding ?? DEFAULT_IVF_ENCODING;
    const description = kind === 'flat' ? 'Flat' : kind === 'hnsw' ? `HNSW${hnswM},Flat` : `IVF${nlist},${ivfEncoding === 'sq8' ? 'SQ8' : 'Flat'}`;
    const calibrationK = Math.min(options.calibrationK ?? DEFAULTS.calibrationK, size);
    const random = mulberry32(options.seed ?? DEFAULTS.seed);

    const native = addon.Index.fromFactory(dim, description, FAISS_METRIC_INNER_PRODUCT);
    addon.setThreads(options.buildThreads ?? availableParallelism());
    if (kind === 'hnsw') native.setParameter('efConstruction', options.efConstruction ?? DEFAULTS.efConstruction);
    if (kind === 'ivf' && size > 0) {
      native.train(toPlainArray(sampleRows(vectors, dim, Math.min(size, IVF_TRAIN_PER_CELL * nlist), random)));
    }
    for (let start = 0, rows = Math.max(1, Math.floor(ADD_CHUNK_VALUES / dim)); start < size; start += rows) {
      native.add(toPlainArray(vectors.subarray(start * dim, Math.min(size, start + rows) * dim)));
    }

    const meta: FaissIndexInfo = { kind, description, dim, size, calibrationK, recall: 1, ...(kind === 'ivf' ? { ivfEncoding } : {}) };
    const index = new FaissIndex(addon, native, meta, options.searchThreads ?? DEFAULTS.searchThreads);
    if (kind === 'flat' || size === 0) return index;

    if (kind === 'hnsw' && options.efSearch !== undefined) meta.efSearch = options.efSearch;
    if (kind === 'ivf' && options.nprobe !== undefined) meta.nprobe = Math.min(options.nprobe, nlist);
    if (meta.efSearch === undefined && meta.nprobe === undefined) {
      index.calibrate(vectors, options, nlist, random);
    } else {
      delete meta.recall;
    }
    if (meta.nprobe !== undefined) native.setParameter('nprobe', meta.nprobe);
    return index;
  }

  /**
   * Restores an index written by toBytes; refuses one persisted for another model version.
   * `exactVectors`: the vectors it was built from, to rescore an SQ8 index's results with (see useExactVectors).
   */
  static fromBytes(
    bytes: Uint8Array,
    options: { modelVersion?: string; searchThreads?: number; addon?: FaissAddon; exactVectors?: Float32Array } = {},
  ): FaissIndex {
    const { meta, faissBytes } = decodeFaissIndex(bytes);
    if (options.modelVersion !== undefined && meta.modelVersion !== options.modelVersion) {
      throw new FaissIndexFormatError(`index was built for model version ${meta.modelVersion ?? '(none)'}, not ${options.modelVersion}`);
    }
    const addon = options.addon ?? requireAddon();
    const native = addon.Index.fromBuffer(Buffer.from(faissBytes.buffer, faissBytes.byteOffset, faissBytes.byteLength));
    if (native.ntotal() !== meta.size || native.getDimension() !== meta.dim) {
      throw new FaissIndexFormatError(`index holds ${native.ntotal()} x ${native.getDimension()}, header says ${meta.size} x ${meta.dim}`);
    }
    if (meta.nprobe !== undefined) native.setParameter('nprobe', meta.nprobe);
    const index = new FaissIndex(addon, native, meta, options.searchThreads ?? DEFAULTS.searchThreads);
    if (options.exactVectors) index.useExactVectors(options.exactVectors);
    return index;
  }

  /**
   * Rescores the results of an SQ8 index with `vectors` (size x dim, the rows it was built from,
   * kept by reference): ~1,000 exact inner products per search, on the same thread as the search.
   * A no-op for the other kinds, whose scores are exact already.
   */
  useExactVectors(vectors: Float32Array): void {
    if (this.meta.kind !== 'ivf' || this.meta.ivfEncoding !== 'sq8') return;
    if (vectors.length !== this.meta.size * this.meta.dim) {
      throw new RangeError(`exact vectors hold ${vectors.length} values, the index ${this.meta.size} x ${this.meta.dim}`);
    }
    this.exact = vectors;
  }

  /** Serialises the index (faiss's own format inside a small header), optionally labelled with a model version. */
  toBytes(options: { modelVersion?: string } = {}): Uint8Array {
    const meta: FaissIndexInfo = { ...this.meta };
    if (options.modelVersion !== undefined) meta.modelVersion = options.modelVersion;
    return encodeFaissIndex(meta, this.native.toBuffer());
  }

  search(query: Float32Array, k: number): SearchResult {
    const kk = this.check(query, k);
    if (kk === 0) return { rows: new Int32Array(0), scores: new Float32Array(0) };
    this.prepare(kk);
    // Flat and IVF answer through the addon's SIMD path, straight into typed arrays.
    const rows = new Int32Array(kk);
    const scores = new Float32Array(kk);
    const found = this.native.searchInto(query, kk, rows, scores, this.exact);
    // IVF may find fewer than k when the probed cells hold fewer vectors.
    if (found < kk) return { rows: rows.slice(0, found), scores: scores.slice(0, found) };
    return { rows, scores };
  }

  /** The same search through faiss's own code, bypassing the addon's SIMD path: for benchmarks. */
  searchWithFaiss(query: Float32Array, k: number): SearchResult {
    const kk = this.check(query, k);
    if (kk > 0) this.prepare(kk);
    const { labels, distances } = this.native.search(Array.from(query), Math.max(1, kk));
    let found = kk === 0 ? 0 : labels.length;
    while (found > 0 && labels[found - 1]! < 0) found--;
    return { rows: Int32Array.from(labels.slice(0, found)), scores: Float32Array.from(distances.slice(0, found)) };
  }

  /** On the thread pool, batched with the other queries asked for in this turn of the event loop. */
  async searchAsync(query: Float32Array, k: number): Promise<SearchResult> {
    const kk = this.check(query, k);
    if (kk === 0) return { rows: new Int32Array(0), scores: new Float32Array(0) };
    this.batcher ??= new SearchBatcher(this.meta.dim, callsInFlightFor(availableParallelism()), (queries, batchK) => {
      this.prepare(batchK);
      return this.native.searchAsync(queries, batchK, this.exact);
    });
    return this.batcher.search(query, kk);
  }

  /** Checks the query and returns k capped at the index size. */
  private check(query: Float32Array, k: number): number {
    if (query.length !== this.meta.dim) throw new RangeError(`query has dim ${query.length}, index has ${this.meta.dim}`);
    // The binding throws for k > ntotal (and faiss for k < 1).
    return Math.min(Math.max(0, Math.floor(k)), this.meta.size);
  }

  /** Sets the search effort for k (k > 0) and faiss's threads. */
  private prepare(k: number): void {
    if (this.meta.efSearch !== undefined) this.setEf(this.efFor(k));
    this.addon.setThreads(this.searchThreads);
  }

  /** efSearch for a query of k results: the calibrated beam scaled to k, never below k. */
  private efFor(k: number): number {
    const scaled = Math.ceil((this.meta.efSearch! * k) / Math.max(1, this.meta.calibrationK));
    return Math.max(k, MIN_EF_SEARCH, scaled);
  }

  private setEf(ef: number): void {
    if (ef === this.currentEf) return;
    this.native.setParameter('efSearch', ef);
    this.currentEf = ef;
  }

  /**
   * Picks the smallest efSearch / nprobe whose mean recall@k against exact search reaches the
   * target in every group of sample queries; `recall` records the worst group's mean.
   */
  private calibrate(vectors: Float32Array, options: FaissIndexOptions, nlist: number, random: () => number): void {
    const { dim, calibrationK: k } = this.meta;
    const target = options.targetRecall ?? DEFAULTS.targetRecall;
    const groups = options.calibrationQueries
      ? [options.calibrationQueries]
      : defaultCalibrationQueries(vectors, dim, options.calibrationSamples ?? DEFAULTS.calibrationSamples, random);
    if (groups.some((g) => g.length === 0 || g.length % dim !== 0)) throw new RangeError(`calibration queries must be non-empty rows of dim ${dim}`);
    // Ground truth: IVF-Flat probing every cell is exact and several times faster than ExactIndex;
    // SQ8 scores are approximate, so its truth is brute force.
    const ivfIsExact = this.meta.kind === 'ivf' && this.meta.ivfEncoding !== 'sq8';
    const exact: VectorIndex = ivfIsExact ? this : new ExactIndex(vectors, dim);
    if (ivfIsExact) this.native.setParameter('nprobe', nlist);
    const probes = groups.map((queries) => {
      const truth: Int32Array[] = [];
      for (let off = 0; off < queries.length; off += dim) truth.push(exact.search(queries.subarray(off, off + dim), k).rows);
      return { queries, truth };
    });

    // Recall varies a lot from query to query, so a setting passes when every group's mean minus
    // two standard errors reaches the target: a sample mean just above it is a coin flip.
    const passes = (): boolean => {
      let worstMean = 1;
      let worstLowerBound = 1;
      for (const { queries, truth } of probes) {
        let sum = 0;
        let sumSquares = 0;
        for (let q = 0, off = 0; q < truth.length; q++, off += dim) {
          const r = recallAtK(this.search(queries.subarray(off, off + dim), k).rows, truth[q]!);
          sum += r;
          sumSquares += r * r;
        }
        const n = truth.length;
        const mean = sum / n;
        const stderr = n > 1 ? Math.sqrt(Math.max(0, sumSquares / n - mean * mean) / (n - 1)) : 0;
        worstMean = Math.min(worstMean, mean);
        worstLowerBound = Math.min(worstLowerBound, mean - 2 * stderr);
      }
      this.meta.recall = worstMean;
      return worstLowerBound >= target;
    };

    if (this.meta.kind === 'hnsw') {
      // Beam widths as multiples of k; the last is wide enough to be near exhaustive.
      for (const multiple of [1, 1.25, 1.5, 2, 3, 4, 6, 8, 16]) {
        this.meta.efSearch = Math.ceil(multiple * k);
        if (passes()) break;
      }
    } else {
      // Steps of about sqrt(2): doubling overshoots (probe cost is linear in nprobe).
      for (let nprobe = Math.max(1, Math.floor(nlist / 64)); ; nprobe = Math.min(nlist, Math.max(nprobe + 1, Math.round(nprobe * Math.SQRT2)))) {
        this.meta.nprobe = nprobe;
        this.native.setParameter('nprobe', nprobe);
        if (passes() || nprobe >= nlist) break;
      }
    }
  }
}

export class FaissIndexFormatError extends Error {
  override name = 'FaissIndexFormatError';
}

function requireAddon(): FaissAddon {
  const load = loadFaissAddon();
  if (!load.ok) throw load.error;
  return load.addon;
}

/**
 * Stand-ins for user vectors when the caller has none, in three groups of `perGroup` queries:
 * item rows (a user close to one item), sums of three random item rows (mixed tastes), and
 * isotropic Gaussian directions at the items' scale (any taste at all; the hardest for IVF, whose
 * top-k then spreads over many cells). Calibration holds the recall target in every group.
 */
export function defaultCalibrationQueries(vectors: Float32Array, dim: number, perGroup: number, random: () => number): Float32Array[] {
  const size = vectors.length / dim;
  if (size === 0 || perGroup <= 0) return [];
  const rows = new Float32Array(perGroup * dim);
  const mixtures = new Float32Array(perGroup * dim);
  const directions = new Float32Array(perGroup * dim);
  const pick = () => Math.floor(random() * size) * dim;
  for (let q = 0; q < perGroup; q++) {
    const row = pick();
    rows.set(vectors.subarray(row, row + dim), q * dim);
    for (let p = 0; p < 3; p++) {
      const off = pick();
      for (let d = 0; d < dim; d++) mixtures[q * dim + d] = mixtures[q * dim + d]! + vectors[off + d]!;
    }
  }
  let sumSquares = 0;
  for (let i = 0; i < vectors.length; i++) sumSquares += vectors[i]! ** 2;
  const scale = Math.sqrt(sumSquares / vectors.length) || 1;
  for (let i = 0; i < directions.length; i++) {
    // Box-Muller
    directions[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return [rows, mixtures, directions];
}

/** Copies typed rows into the plain array the binding requires. */
function toPlainArray(values: Float32Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/** `count` distinct rows drawn at random (all rows, in order, when count >= the row count). */
function sampleRows(vectors: Float32Array, dim: number, count: number, random: () => number): Float32Array {
  const size = vectors.length / dim;
  if (count >= size) return vectors;
  // Partial Fisher-Yates over row numbers.
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    const row = order[j]!;
    order[j] = order[i]!;
    out.set(vectors.subarray(row * dim, row * dim + dim), i * dim);
  }
  return out;
}


// Serialised layout: "RSAN" | u32 format | u32 header bytes | header JSON (utf-8) | padding to 8 |
// faiss index bytes (faiss's write_index format).
const MAGIC = 0x4e415352; // "RSAN" little-endian
const FORMAT = 1;

function encodeFaissIndex(meta: FaissIndexInfo, faissBytes: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(meta));
  const dataStart = (12 + header.byteLength + 7) & ~7;
  const out = new Uint8Array(dataStart + faissBytes.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, header.byteLength, true);
  out.set(header, 12);
  out.set(faissBytes, dataStart);
  return out;
}

function decodeFaissIndex(bytes: Uint8Array): { meta: FaissIndexInfo; faissBytes: Uint8Array } {
  if (bytes.byteLength < 12) throw new FaissIndexFormatError('faiss index bytes are truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new FaissIndexFormatError('not a serialised faiss index');
  const format = view.getUint32(4, true);
  if (format !== FORMAT) throw new FaissIndexFormatError(`faiss index format ${format} is not supported (expected ${FORMAT})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) throw new FaissIndexFormatError('faiss index bytes are truncated');
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as FaissIndexInfo;
  const dataStart = (12 + headerLength + 7) & ~7;
  return { meta, faissBytes: bytes.subarray(dataStart) };
}

/** The header of a serialised index (kind, size, model version, ...) without loading it. */
export function readFaissIndexInfo(bytes: Uint8Array): FaissIndexInfo {
  return decodeFaissIndex(bytes).meta;
}
