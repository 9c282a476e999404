// Loads the faiss addon that native/build.mjs compiles at install time (faiss-node's binding with
// our patch: setParameter, setThreads, searchInto, searchAsync and trimNativeHeap). Loading is
// attempted once per path; a missing or broken addon is reported, not thrown, so callers can fall
// back to exact search.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** faiss::MetricType values accepted by `Index.fromFactory`. */
export const FAISS_METRIC_INNER_PRODUCT = 0;
export const FAISS_METRIC_L2 = 1;

/** One faiss index behind the binding. Vectors and queries are plain arrays, row after row. */
export interface FaissNativeIndex {
  ntotal(): number;
  getDimension(): number;
  isTrained(): boolean;
  add(x: number[]): void;
  train(x: number[]): void;
  /** Blocks the event loop; throws when k > ntotal. Missing results are padded with label -1. */
  search(x: number[], k: number): { distances: number[]; labels: number[] };
  /**
   * One query into caller-owned arrays, best first; returns how many results were written (IVF may
   * find fewer than k). Flat, IVF-Flat and IVF-SQ8 inner-product indexes use the addon's SIMD kernel.
   * `exact` (ntotal x d floats, the vectors the index was built from) rescores the results with
   * exact inner products and reorders them.
   */
  searchInto(query: Float32Array, k: number, labels: Int32Array, distances: Float32Array, exact?: Float32Array): number;
  /**
   * searchInto on the addon's search threads, for one query or several (rows of the dimension). One:
   * resolves to the results found. Several: to n * k labels and distances (query q's from q * k)
   * and `counts`, how many each found.
   */
  searchAsync(queries: Float32Array, k: number, exact?: Float32Array): Promise<{ labels: Int32Array; distances: Float32Array; counts?: Int32Array }>;
  toBuffer(): Buffer;
  /** efSearch (HNSW) or nprobe (IVF), via faiss::ParameterSpace; throws for an unknown name. */
  setParameter(name: string, value: number): void;
}

export interface FaissAddon {
  Index: {
    fromFactory(dim: number, description: string, metric?: number): FaissNativeIndex;
    fromBuffer(bytes: Buffer): FaissNativeIndex;
  };
  /** Sets faiss's OpenMP thread count for later calls; returns the previous count. */
  setThreads(threads: number): number;
  /** Gives the C heap's free pages back to the system (glibc); whether any were. */
  trimNativeHeap(): boolean;
}

export type FaissAddonLoad = { ok: true; addon: FaissAddon; path: string } | { ok: false; error: Error; path: string };

/** Where native/build.mjs leaves the compiled addon. */
export const DEFAULT_FAISS_ADDON_PATH = fileURLToPath(new URL('../native/build/Release/faiss_node.node', import.meta.url));

const loads = new Map<string, FaissAddonLoad>();

/** Loads the addon at `path` (once per path) and checks it has the methods this package relies on. */
export function loadFaissAddon(path: string = DEFAULT_FAISS_ADDON_PATH): FaissAddonLoad {
  const cached = loads.get(path);
  if (cached) return cached;
  let result: FaissAddonLoad;
  try {
    if (!existsSync(path)) throw new Error(`faiss addon not built (${path} is missing; see packages/ann/native/build.mjs)`);
    const addon = createRequire(import.meta.url)(path) as Partial<FaissAddon>;
    const index = addon.Index as Partial<FaissAddon['Index']> | undefined;
    if (
      typeof addon.setThreads !== 'function' ||
      typeof addon.trimNativeHeap !== 'function' ||
      typeof index?.fromFactory !== 'function' ||
      typeof index.fromBuffer !== 'function' ||
      typeof (index as { prototype?: Partial<FaissNativeIndex> }).prototype?.searchAsync !== 'function'
    ) {
      throw new Error(`${path} is not the patched faiss addon (setThreads/trimNativeHeap/fromFactory/fromBuffer/searchAsync missing)`);
    }
    result = { ok: true, addon: addon as FaissAddon, path };
  } catch (error) {
    result = { ok: false, error: error instanceof Error ? error : new Error(String(error)), path };
  }
  loads.set(path, result);
  return result;
}

/**
 * Gives the pages that the C heap holds free back to the system, through the addon (the one native
 * module the service builds); false when it is not loaded or nothing was released. glibc keeps
 * memory freed in the middle of its heap resident: 30-40 MB after startup at 100k titles.
 */
export function trimNativeHeap(path: string = DEFAULT_FAISS_ADDON_PATH): boolean {
  const load = loadFaissAddon(path);
  return load.ok && load.addon.trimNativeHeap();
}
