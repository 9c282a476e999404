// GDPR: after a user is erased, the next model version (full or incremental) holds no vector for
// them. An incremental update extends the active version's users, so it must not follow an erasure.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InteractionEvent, Item } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach, describe, expect, it } from 'vitest';
import { RecommendationEngine, type RetrainResult } from './engine.js';

const item = (id: string, genre: string): Item => ({
  item_id: id,
  title: id,
  content_type: 'movie',
  genres: [genre],
  languages: ['en'],
  cast: [],
  crew: [],
  regions: [],
  available: true,
  updated_at: '2026-01-01T00:00:00Z',
});
const ITEMS = Array.from({ length: 40 }, (_, i) => item(`m-${i}`, i % 2 ? 'War' : 'Family'));

let counter = 0;
const watch = (user: string, itemId: string): InteractionEvent => ({
  event_id: `e${++counter}`,
  user_id: user,
  item_id: itemId,
  type: 'complete',
  timestamp: new Date(Date.now() - 60_000).toISOString(),
});

describe('the next model version after an erasure', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('has no vector for the erased user, also when the retrain asked for is incremental', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'engine-erasure-'));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.open();
    const registry = createEmbeddedModelRegistry({ dir: path.join(dir, 'models') });
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine({ store, registry, jobs }, { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false });
    cleanup.push(async () => {
      engine.close();
      await jobs.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await engine.upsertItems(ITEMS);
    await engine.start();
    const retrain = async (kind: 'full' | 'incremental') => {
      const job = await engine.requestRetrain(kind);
      for (;;) {
        const state = await engine.getJob(job.id);
        if (state?.state === 'completed') return state.result as RetrainResult;
        if (state?.state === 'failed') throw new Error(`retrain failed: ${state.error}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const usersOf = async (version: string) => JSON.parse(new TextDecoder().decode((await registry.load(version))['user-ids.json'])) as string[];

    await engine.ingestEvents(Array.from({ length: 12 }, (_, u) => Array.from({ length: 8 }, (_, k) => watch(`u${u}`, `m-${(u % 2) + 2 * ((u + k) % 20)}`))).flat());
    const first = await retrain('full');
    expect(await usersOf(first.version)).toContain('u3');

    // Without an erasure an incremental update carries the users over (and adds new ones).
    await engine.ingestEvents([watch('newcomer', 'm-1'), watch('newcomer', 'm-3')]);
    const increment = await retrain('incremental');
    expect(increment.metrics.incremental_events).toBe(2);
    expect(await usersOf(increment.version)).toEqual(expect.arrayContaining(['u3', 'newcomer']));

    await engine.eraseUser('u3');
    const next = await retrain('incremental');
    const users = await usersOf(next.version);
    expect(users).not.toContain('u3');
    expect(users).toContain('u4');
    expect(next.metrics.incremental_events).toBeUndefined(); // trained in full
    expect(engine.activeVersion()).toBe(next.version);

    // The versions trained before the erasure were scrubbed by that retrain: no version names u3,
    // every other user keeps their row, and the scrubbed versions still load and serve.
    for (const version of [first.version, increment.version]) {
      const ids = await usersOf(version);
      expect(ids).not.toContain('u3');
      expect(ids.filter((id) => id === '')).toHaveLength(1);
      expect(ids).toEqual(expect.arrayContaining(['u4', 'u5']));
    }
    await engine.activateModel(first.version);
    expect((await engine.recommend({ user_id: 'u4', limit: 5 })).items).toHaveLength(5);
    // An increment on a scrubbed version is allowed again: nobody left in it is erased.
    await engine.ingestEvents([watch('later', 'm-2')]);
    // (from the rolled-back base: the events since it, the newcomer's included)
    expect((await retrain('incremental')).metrics.incremental_events).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
