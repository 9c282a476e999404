import { describe, expect, it } from 'vitest';
import { ExactIndex } from './exact-index.js';
import { loadFaissAddon } from './faiss-addon.js';
import { FaissIndex } from './faiss-index.js';
import { createVectorIndexFactory } from './vector-index-factory.js';

function recordingLogger() {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) };
}

const vectors = new Float32Array([1, 0, 0, 1, 0.7, 0.7, -1, 0]);

describe('createVectorIndexFactory', () => {
  it('falls back to exact search with a single warning when the addon is missing', () => {
    const logger = recordingLogger();
    const factory = createVectorIndexFactory({ prefer: 'faiss', logger, addonPath: '/nonexistent/faiss_node.node' });
    expect(factory.backend).toBe('exact');
    expect(factory.fallbackReason).toMatch(/not built/);
    const a = factory.build(vectors, 2);
    factory.build(vectors, 2);
    expect(a).toBeInstanceOf(ExactIndex);
    expect(Array.from(a.search(new Float32Array([1, 0.1]), 10).rows)).toEqual([0, 2, 1, 3]);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.msg).toMatch(/falls back to exact/);
  });

  it('falls back when the file is not a loadable addon', () => {
    const logger = recordingLogger();
    const factory = createVectorIndexFactory({ logger, addonPath: new URL(import.meta.url).pathname });
    expect(factory.backend).toBe('exact');
    expect(logger.warnings).toHaveLength(1);
  });

  it('uses exact search without loading anything when asked to', () => {
    const logger = recordingLogger();
    const factory = createVectorIndexFactory({ prefer: 'exact', logger });
    expect(factory.backend).toBe('exact');
    expect(factory.build(vectors, 2)).toBeInstanceOf(ExactIndex);
    expect(logger.warnings).toHaveLength(0);
  });

  it.skipIf(!loadFaissAddon().ok)('builds faiss indexes when the addon loads, and still rejects malformed input', () => {
    const logger = recordingLogger();
    const factory = createVectorIndexFactory({ logger, faiss: { buildThreads: 1 } });
    expect(factory.backend).toBe('faiss');
    const index = factory.build(vectors, 2);
    expect(index).toBeInstanceOf(FaissIndex);
    expect(Array.from(index.search(new Float32Array([1, 0.1]), 10).rows)).toEqual([0, 2, 1, 3]);
    expect(() => factory.build(new Float32Array(3), 2)).toThrow(RangeError);
    expect(logger.warnings).toHaveLength(0);
  });

  it.skipIf(!loadFaissAddon().ok)('tunes an IVF index on the queries the caller gives, like the users it will serve', () => {
    const factory = createVectorIndexFactory({ faiss: { buildThreads: 1, flatMaxSize: 100, hnswMaxSize: 100, nlist: 8 } });
    const dim = 4;
    const items = Float32Array.from({ length: 400 * dim }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const users = items.slice(0, 20 * dim);
    const index = factory.build(items, dim, { calibrationQueries: users }) as FaissIndex;
    expect(index.info.kind).toBe('ivf');
    expect(index.info.nprobe).toBeGreaterThan(0);
    // The queries reach the calibration: rows of the wrong width are refused there.
    expect(() => factory.build(items, dim, { calibrationQueries: new Float32Array(dim + 1) })).toThrow(/calibration queries/);
  });

  it.skipIf(!loadFaissAddon().ok)('restores an index saved with the model instead of rebuilding it; a mismatched copy is rebuilt', () => {
    const logger = recordingLogger();
    const factory = createVectorIndexFactory({ logger, faiss: { buildThreads: 1 } });
    const saved = factory.build(vectors, 2).toBytes!();
    const restored = factory.restore!(saved, vectors, 2);
    expect(restored).toBeInstanceOf(FaissIndex);
    expect(Array.from(restored!.search(new Float32Array([1, 0.1]), 10).rows)).toEqual([0, 2, 1, 3]);
    expect(logger.warnings).toHaveLength(0);

    expect(factory.restore!(saved, new Float32Array(12), 2)).toBeUndefined();
    expect(factory.restore!(new Uint8Array([1, 2, 3]), vectors, 2)).toBeUndefined();
    expect(logger.warnings.map((w) => w.msg)).toEqual([
      'saved faiss index does not match the model: rebuilding it',
      'saved faiss index unreadable: rebuilding it',
    ]);
    // The exact backend has nothing to restore: the caller builds.
    expect(createVectorIndexFactory({ prefer: 'exact' }).restore).toBeUndefined();
  });
});
