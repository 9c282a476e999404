import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InteractionEvent, Item } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach, describe, expect, it } from 'vitest';
import { type EngineOptions, RecommendationEngine } from '../engine.js';
import { DAY, HOUR, testItem } from './context-test-kit.js';

// Through the whole engine: events in, a trained version with its context artifacts, requests with a
// time zone and a moment, explanations out.
const ITEMS: Item[] = [
  ...Array.from({ length: 20 }, (_, i) => testItem(`drama-${i}`, ['Drama'])),
  ...Array.from({ length: 20 }, (_, i) => testItem(`anime-${i}`, [], 'anime')),
  testItem('saga', ['Drama'], 'series', { episodes: 12, title: 'The Saga' }),
];
const ZONE = 'Asia/Tokyo';
const DAY0 = Date.parse('2026-02-02T00:00:00Z');
/** 01:00 and 09:00 in Tokyo. */
const night = (day: number) => DAY0 - 8 * HOUR + day * DAY + HOUR * 24;
const morning = (day: number) => DAY0 + day * DAY;
let counter = 0;
const ev = (user: string, item: string, at: number, extra: Partial<InteractionEvent> = {}): InteractionEvent => ({
  event_id: `c${++counter}`,
  user_id: user,
  item_id: item,
  type: 'complete',
  timestamp: new Date(at).toISOString(),
  timezone: ZONE,
  ...extra,
});

/** Users who watch anime at night and dramas in the morning, two titles of each a day. */
const nightOwls = (users: string[], days: number) =>
  users.flatMap((user, u) =>
    Array.from({ length: days }, (_, d) => [
      ev(user, `anime-${(u + d) % 20}`, night(d)),
      ev(user, `drama-${(u + 2 * d) % 20}`, morning(d)),
    ]).flat(),
  );

describe('context signals through the engine', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function setup(now: () => number, options: Partial<EngineOptions> = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'context-engine-'));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.open();
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine(
      { store, registry: createEmbeddedModelRegistry({ dir: path.join(dir, 'models') }), jobs, now },
      { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false, ...options },
    );
    cleanup.push(async () => {
      await jobs.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await engine.upsertItems(ITEMS);
    await engine.start();
    return engine;
  }

  async function train(engine: RecommendationEngine) {
    const job = await engine.requestRetrain('full');
    for (;;) {
      const state = await engine.getJob(job.id);
      if (state?.state === 'completed') return;
      if (state?.state === 'failed') throw new Error(`training failed: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a request at night for a user who watches anime at night gets anime, with the temporal reason', async () => {
    const clock = { now: night(40) };
    // A variant that weights the time of day enough for it to make a sixth of a score (and so be
    // explained); the served default is tuned offline and smaller.
    const engine = await setup(() => clock.now, {
      experiment: {
        id: 'exp-time',
        salt: 'exp-time',
        variants: [{ name: 'time', allocation: 100, collaborative: 'mf', diversity: 0, weights: { collaborative: 0.75, popularity: 0.1, trending: 0.05, context: { temporal: 0.3 } } }],
      },
    });
    await engine.ingestEvents(nightOwls(Array.from({ length: 24 }, (_, u) => `owl-${u}`), 14));
    await engine.ingestEvents(nightOwls(['me'], 12));
    await train(engine);
    const atNight = await engine.recommend({ user_id: 'me', limit: 10, diversity: 0, timezone: ZONE });
    const reasons = atNight.items.flatMap((i) => i.explanation_reasons);
    expect(reasons).toContain('night: you usually watch anime at night');
    const nightAnime = atNight.items.slice(0, 5).filter((i) => i.content_type === 'anime').length;
    // The same user asking in the morning (a past moment) gets no night reason and fewer anime on top.
    const inTheMorning = await engine.recommend({ user_id: 'me', limit: 10, diversity: 0, timestamp: new Date(morning(39)).toISOString(), timezone: ZONE });
    const morningReasons = inTheMorning.items.flatMap((i) => i.explanation_reasons);
    expect(morningReasons.some((r) => r.startsWith('night:'))).toBe(false);
    expect(inTheMorning.items.slice(0, 5).filter((i) => i.content_type === 'anime').length).toBeLessThan(nightAnime);
  });

  it('brings back the series the user is binging, explained as continue watching, and drops it once completed', async () => {
    const clock = { now: night(40) };
    const engine = await setup(() => clock.now);
    await engine.ingestEvents(nightOwls(Array.from({ length: 24 }, (_, u) => `owl-${u}`), 14));
    await train(engine);
    const binge = [0, 1, 2].map((k) => ev('binger', 'saga', clock.now - HOUR + k * 15 * 60_000, { type: 'watch', completion: 1 }));
    await engine.ingestEvents(binge);
    const during = await engine.recommend({ user_id: 'binger', limit: 5 });
    expect(during.items[0]!.item_id).toBe('saga');
    expect(during.items[0]!.explanation_reasons).toContain('continue watching: The Saga');
    await engine.ingestEvents([ev('binger', 'saga', clock.now - 60_000)]);
    const after = await engine.recommend({ user_id: 'binger', limit: 5 });
    expect(after.items.map((i) => i.item_id)).not.toContain('saga');
  });

  it('a variant weight of 0 turns a context signal off', async () => {
    const clock = { now: night(40) };
    const base = await setup(() => clock.now);
    const binge = [0, 1].map((k) => ev('binger', 'saga', clock.now - HOUR + k * 15 * 60_000, { type: 'watch' }));
    await base.ingestEvents([...nightOwls(['owl'], 3), ...binge]);
    expect((await base.recommend({ user_id: 'binger', limit: 5 })).items[0]!.item_id).toBe('saga');
    const off = await setup(() => clock.now, {
      experiment: {
        id: 'exp-off',
        salt: 'exp-off',
        variants: [{ name: 'off', allocation: 100, collaborative: 'mf', diversity: 0, weights: { collaborative: 0.75, popularity: 0.1, trending: 0.05, context: { continue_watching: 0 } } }],
      },
    });
    await off.ingestEvents([...nightOwls(['owl'], 3), ...binge]);
    expect((await off.recommend({ user_id: 'binger', limit: 5 })).items.map((i) => i.item_id)).not.toContain('saga');
  });
});
