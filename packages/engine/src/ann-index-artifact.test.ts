import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExactIndex } from '@recsys/ann';
import type { InteractionEvent, Item, VectorIndex, VectorIndexFactory } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { ImplicitALS } from '@recsys/models';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach, describe, expect, it } from 'vitest';
import { RecommendationEngine } from './engine.js';
import { ANN_INDEX_ARTIFACT, decodeBundle } from './model-bundle.js';

const item = (id: string): Item => ({
  item_id: id, title: id, content_type: 'movie', genres: ['Drama'], languages: ['en'], cast: [], crew: [], regions: [],
  available: true, updated_at: '2026-01-01T00:00:00Z',
});

/** Exact search that can be saved and restored, counting what the engine asks of it. */
function savableFactory() {
  const calls = { build: 0, restore: 0, calibrationQueries: [] as (Float32Array | undefined)[] };
  const savable = (vectors: Float32Array, dim: number): VectorIndex => {
    const index = new ExactIndex(vectors, dim);
    return Object.assign(index, { toBytes: () => new TextEncoder().encode(`exact:${vectors.length / dim}x${dim}`) });
  };
  const factory: VectorIndexFactory = {
    build: (vectors, dim, options) => (calls.build++, calls.calibrationQueries.push(options?.calibrationQueries), savable(vectors, dim)),
    restore: (bytes, vectors, dim) => {
      calls.restore++;
      return new TextDecoder().decode(bytes) === `exact:${vectors.length / dim}x${dim}` ? savable(vectors, dim) : undefined;
    },
  };
  return { factory, calls };
}

describe('the ANN index saved with the model version', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((fn) => fn()));

  it('is built once when a version is trained, saved as an artifact, and restored, not rebuilt, when the version loads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ann-artifact-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.open();
    const registry = createEmbeddedModelRegistry({ dir: path.join(dir, 'models') });
    const jobs = new InProcessJobRunner();
    const { factory, calls } = savableFactory();
    const engine = new RecommendationEngine({ store, registry, jobs, indexFactory: factory }, { retrainEveryMs: 0, incrementalEveryMs: 0 });
    await engine.upsertItems(Array.from({ length: 30 }, (_, i) => item(`m${i}`)));
    await engine.start();
    let n = 0;
    const events: InteractionEvent[] = [];
    for (let u = 0; u < 20; u++) {
      for (let k = 0; k < 6; k++) {
        events.push({ event_id: `e${n++}`, user_id: `u${u}`, item_id: `m${(u + k * 3) % 30}`, type: 'complete', timestamp: new Date(Date.now() - 60_000).toISOString() });
      }
    }
    await engine.ingestEvents(events);
    const job = await engine.requestRetrain('full');
    for (let state = await engine.getJob(job.id); state?.state !== 'completed'; state = await engine.getJob(job.id)) {
      expect(state?.state).not.toBe('failed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const version = engine.activeVersion()!;
    const buildsWhileTraining = calls.build;
    const artifacts = await registry.load(version);
    expect(new TextDecoder().decode(artifacts[ANN_INDEX_ARTIFACT])).toMatch(/^exact:30x\d+$/);

    // Built on the trained users' vectors (what serving asks), which serving then drops.
    const trained = ImplicitALS.fromArtifact(artifacts['als.bin']!);
    const queries = calls.calibrationQueries.at(-1)!;
    const k = trained.factors;
    expect(queries.length / k).toBeGreaterThan(10);
    expect(queries.length % k).toBe(0);
    for (let q = 0; q < queries.length / k; q++) {
      const row = queries.subarray(q * k, (q + 1) * k);
      expect(Array.from({ length: trained.nUsers }, (_, u) => trained.userVector(u)).some((v) => v.every((x, d) => x === row[d]))).toBe(true);
    }

    // Another process loading the version: the index comes from the artifact.
    const bundle = decodeBundle(version, artifacts, factory);
    expect(bundle.mf).toBeDefined();
    expect(bundle.mf!.als.nUsers).toBe(0);
    expect(calls.build).toBe(buildsWhileTraining);
    expect(calls.restore).toBe(1);

    // A copy that does not fit the model is rebuilt.
    decodeBundle(version, { ...artifacts, [ANN_INDEX_ARTIFACT]: new TextEncoder().encode('exact:1x1') }, factory);
    expect(calls.build).toBe(buildsWhileTraining + 1);
    engine.close();
    await jobs.close();
    await store.close();
  });
});
