// A model or the ANN index failing at request time: the answer comes from the popularity fallback,
// marked degraded, never an error.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exactIndexFactory } from '@recsys/ann';
import type { InteractionEvent, Item, VectorIndexFactory } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach, describe, expect, it } from 'vitest';
import { RecommendationEngine } from './engine.js';

const item = (id: string, genre: string, ratingCount: number): Item => ({
  item_id: id,
  title: id,
  content_type: 'movie',
  genres: [genre],
  languages: ['en'],
  cast: [],
  crew: [],
  regions: [],
  available: true,
  rating_count: ratingCount,
  updated_at: '2026-01-01T00:00:00Z',
});
// More titles than the candidate pool (1,000), so candidates come from the ANN index.
const ITEMS = Array.from({ length: 1200 }, (_, i) => item(`m-${i}`, i % 2 ? 'War' : 'Family', i));

let counter = 0;
const watch = (user: string, itemId: string): InteractionEvent => ({
  event_id: `e${++counter}`,
  user_id: user,
  item_id: itemId,
  type: 'complete',
  timestamp: new Date(Date.now() - 1000).toISOString(),
});

describe('serving when a model fails at request time', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('answers from the popularity fallback, degraded, when the ANN index throws; normally again once it works', async () => {
    let broken = false;
    const calls = { search: 0 };
    // Exact search that can be made to fail, as a native index might (a corrupt file, an OOM).
    const flakyIndex: VectorIndexFactory = {
      build(vectors, dim) {
        const index = exactIndexFactory.build(vectors, dim);
        return {
          dim: index.dim,
          size: index.size,
          search(query, k) {
            calls.search++;
            if (broken) throw new Error('index search failed');
            return index.search(query, k);
          },
        };
      },
    };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'engine-fallback-'));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.open();
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine(
      { store, registry: createEmbeddedModelRegistry({ dir: path.join(dir, 'models') }), jobs, indexFactory: flakyIndex },
      { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false },
    );
    cleanup.push(async () => {
      engine.close();
      await jobs.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await engine.upsertItems(ITEMS);
    await engine.start();
    const events = Array.from({ length: 16 }, (_, u) => Array.from({ length: 12 }, (_, k) => watch(`fan-${u}`, `m-${(u % 2) + 2 * ((u * 7 + k * 3) % 100)}`))).flat();
    await engine.ingestEvents(events);
    const job = await engine.requestRetrain('full');
    for (let state = await engine.getJob(job.id); state?.state !== 'completed'; state = await engine.getJob(job.id)) {
      expect(state?.state).not.toBe('failed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const healthy = await engine.recommend({ user_id: 'fan-1', limit: 10 });
    expect(healthy.degraded).toBe(false);
    expect(calls.search).toBeGreaterThan(0);

    broken = true;
    const fallback = await engine.recommend({ user_id: 'fan-1', limit: 10 });
    expect(fallback.degraded).toBe(true);
    expect(fallback.items).toHaveLength(10);
    expect(fallback.model_version).toBe(healthy.model_version);
    // Nothing the collaborative or story models would have contributed.
    for (const entry of fallback.items) expect(['popularity_fallback', 'trending_boost']).toContain(entry.algorithm_source);

    broken = false;
    expect((await engine.recommend({ user_id: 'fan-1', limit: 10 })).degraded).toBe(false);
  }, 60_000);
});
