// A model or the ANN index failing at request time: the answer comes from the popularity fallback,
// marked degraded, never an error.
import { exactIndexFactory } from '@recsys/ann';
import type { VectorIndexFactory } from '@recsys/core';
import { testEvent, testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { embeddedEngines, retrained } from './testing/embedded-engine.js';

// More titles than the candidate pool (1,000), so candidates come from the ANN index.
const ITEMS = Array.from({ length: 1200 }, (_, i) => testItem(`m-${i}`, { genres: [i % 2 ? 'War' : 'Family'], rating_count: i }));
const watch = (user: string, itemId: string) => testEvent(user, itemId);

describe('serving when a model fails at request time', () => {
  const startEngine = embeddedEngines();

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
    const { engine } = await startEngine(ITEMS, { incrementalEveryMs: 0, trainOnStart: false }, { dirPrefix: 'engine-fallback-', indexFactory: flakyIndex });
    const events = Array.from({ length: 16 }, (_, u) => Array.from({ length: 12 }, (_, k) => watch(`fan-${u}`, `m-${(u % 2) + 2 * ((u * 7 + k * 3) % 100)}`))).flat();
    await engine.ingestEvents(events);
    await retrained(engine);

    const healthy = await engine.recommend({ user_id: 'fan-1', limit: 10 });
    expect(healthy.degraded).toBe(false);
    expect(calls.search).toBeGreaterThan(0);

    broken = true;
    // Another user: fan-1's searches are cached (a repeat request needs no index at all).
    const fallback = await engine.recommend({ user_id: 'fan-3', limit: 10 });
    expect(fallback.degraded).toBe(true);
    expect(fallback.items).toHaveLength(10);
    expect(fallback.model_version).toBe(healthy.model_version);
    // Nothing the collaborative or story models would have contributed.
    for (const entry of fallback.items) expect(['popularity_fallback', 'trending_boost']).toContain(entry.algorithm_source);

    broken = false;
    expect((await engine.recommend({ user_id: 'fan-3', limit: 10 })).degraded).toBe(false);
  }, 60_000);
});
