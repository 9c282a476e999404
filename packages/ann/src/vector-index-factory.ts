import type { VectorIndex, VectorIndexBuildOptions, VectorIndexFactory } from '@recsys/core';
import { ExactIndex } from './exact-index.js';
import { DEFAULT_FAISS_ADDON_PATH, loadFaissAddon, type FaissAddon } from './faiss-addon.js';
import { FaissIndex, type FaissIndexOptions } from './faiss-index.js';

/** The part of a pino-style logger the factory uses. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export type VectorIndexBackend = 'faiss' | 'exact';

export interface VectorIndexFactoryOptions {
  /** 'faiss' uses the addon when it loads and exact search otherwise; 'exact' never loads it. */
  prefer?: VectorIndexBackend;
  /** Told once when faiss was preferred but cannot be used, and when a faiss build fails. */
  logger?: WarnLogger;
  /** Passed to every FaissIndex.build. */
  faiss?: Omit<FaissIndexOptions, 'addon'>;
  /** Where the compiled addon lives (tests point it elsewhere to simulate a missing addon). */
  addonPath?: string;
}

export interface SelectedVectorIndexFactory extends VectorIndexFactory {
  /** The backend indexes are built with. */
  readonly backend: VectorIndexBackend;
  /** Why faiss is not in use although it was preferred. */
  readonly fallbackReason?: string;
  /** The loaded addon (for FaissIndex.fromBytes), when the backend is faiss. */
  readonly addon?: FaissAddon;
}

/**
 * A VectorIndexFactory on faiss when its addon loads (attempted once per process and path), else
 * on ExactIndex with a single warning. A faiss build that throws also falls back to exact search
 * for that build, so a broken native library degrades recommendations' latency, not availability.
 */
export function createVectorIndexFactory(options: VectorIndexFactoryOptions = {}): SelectedVectorIndexFactory {
  const logger = options.logger;
  if ((options.prefer ?? 'faiss') === 'exact') {
    return { backend: 'exact', build: (vectors, dim) => new ExactIndex(vectors, dim) };
  }
  const load = loadFaissAddon(options.addonPath ?? DEFAULT_FAISS_ADDON_PATH);
  if (!load.ok) {
    const fallbackReason = load.error.message;
    logger?.warn({ addonPath: load.path, reason: fallbackReason }, 'faiss addon unavailable: vector search falls back to exact (brute force)');
    return { backend: 'exact', fallbackReason, build: (vectors, dim) => new ExactIndex(vectors, dim) };
  }
  const addon = load.addon;
  return {
    backend: 'faiss',
    addon,
    build(vectors: Float32Array, dim: number, build: VectorIndexBuildOptions = {}): VectorIndex {
      try {
        const index = FaissIndex.build(vectors, dim, { ...options.faiss, ...(build.calibrationQueries && { calibrationQueries: build.calibrationQueries }), addon });
        // Serving blends the scores with other signals: SQ8 results are rescored with the floats.
        index.useExactVectors(vectors);
        return index;
      } catch (error) {
        if (error instanceof RangeError) throw error; // the caller's mistake, not faiss's
        logger?.warn({ reason: error instanceof Error ? error.message : String(error), dim }, 'faiss index build failed: using exact search for this index');
        return new ExactIndex(vectors, dim);
      }
    },
    restore(bytes: Uint8Array, vectors: Float32Array, dim: number): VectorIndex | undefined {
      try {
        const index = FaissIndex.fromBytes(bytes, { addon, searchThreads: options.faiss?.searchThreads });
        if (index.dim === dim && index.size * dim === vectors.length) {
          index.useExactVectors(vectors);
          return index;
        }
        logger?.warn({ saved: `${index.size} x ${index.dim}`, vectors: `${vectors.length / dim} x ${dim}` }, 'saved faiss index does not match the model: rebuilding it');
      } catch (error) {
        logger?.warn({ reason: error instanceof Error ? error.message : String(error) }, 'saved faiss index unreadable: rebuilding it');
      }
      return undefined;
    },
  };
}
