import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InteractionEvent, Item, UserPreferences } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach, describe, expect, it } from 'vitest';
import { RecommendationEngine } from '../engine.js';
import { SOCIAL_REASON } from './social-signal.js';

const item = (id: string): Item => ({
  item_id: id,
  title: `Title ${id}`,
  content_type: 'movie',
  genres: ['Drama'],
  languages: ['en'],
  cast: [],
  crew: [],
  regions: [],
  available: true,
  updated_at: '2026-01-01T00:00:00Z',
});
const ITEMS = Array.from({ length: 40 }, (_, i) => item(`m${i}`));
/**
 * One time for every event: "the same evidence" must include the same trend, and events stamped as
 * they are made differ by the milliseconds a slow machine takes between them.
 */
const AT = new Date(Date.now() - 60_000).toISOString();
let counter = 0;
const watch = (user: string, itemId: string, extra: Partial<InteractionEvent> = {}): InteractionEvent => ({
  event_id: `e${++counter}`,
  user_id: user,
  item_id: itemId,
  type: 'complete',
  timestamp: AT,
  ...extra,
});
const prefs = (friends: string[], country?: string): UserPreferences => ({
  genres: [],
  languages: [],
  content_types: [],
  liked_item_ids: [],
  disliked_item_ids: [],
  friends,
  ...(country && { country }),
  updated_at: new Date().toISOString(),
});
/**
 * Everyone watches m0-m9 a lot; m10-m29 each have three fans (one rating 5, two completing it), so
 * among them only row order decides: a title with the same evidence ranks after all of them unless
 * a context signal lifts it.
 */
const crowd = () => [
  ...Array.from({ length: 12 }, (_, u) => Array.from({ length: 10 }, (_, k) => watch(`crowd${u}`, `m${(u + k) % 10}`, { region: 'US' }))).flat(),
  ...Array.from({ length: 20 }, (_, k) => [
    watch(`fan-a${k}`, `m${10 + k}`, { type: 'rate', rating: 5, region: 'US' }),
    watch(`fan-b${k}`, `m${10 + k}`, { region: 'US' }),
    watch(`fan-c${k}`, `m${10 + k}`, { region: 'US' }),
  ]).flat(),
];
const rankOf = (response: { items: { item_id: string }[] }, id: string) => response.items.findIndex((i) => i.item_id === id) + 1;

describe('social and regional signals in the engine', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function setup() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'engine-context-'));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.open();
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine(
      { store, registry: createEmbeddedModelRegistry({ dir: path.join(dir, 'models') }), jobs },
      // Popularity follows every ingest at once, so only the regional boost differs between regions.
      { retrainEveryMs: 0, incrementalEveryMs: 0, popularityRefreshMs: 0, trainer: { ...(await import('../trainer.js')).DEFAULT_TRAINER_OPTIONS, ncf: false } },
    );
    cleanup.push(async () => {
      engine.close();
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
      if (state?.state === 'completed' || state?.state === 'failed') return state;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('lifts what friends loved above titles with the same evidence, and never names the friends', async () => {
    const engine = await setup();
    await engine.ingestEvents([
      ...crowd(),
      watch('friend-alice', 'm33', { type: 'rate', rating: 5 }),
      watch('friend-bob', 'm33'),
      watch('friend-carol', 'm33'),
    ]);
    await engine.setPreferences('me', prefs(['friend-alice', 'friend-bob', 'friend-carol', 'never-seen']));
    const mine = await engine.recommend({ user_id: 'me', limit: 40 });
    expect(rankOf(mine, 'm33')).toBe(11);
    const m33 = mine.items[10]!;
    expect(m33.explanation_reasons).toContain(SOCIAL_REASON);
    const reasons = mine.items.flatMap((i) => i.explanation_reasons).join(' | ');
    expect(reasons).not.toMatch(/alice|bob|carol|never-seen/);
    expect(reasons.match(/friend/g)).toHaveLength(1);
    // Without friends the same evidence ranks m33 after the twenty titles like it.
    await engine.setPreferences('me', prefs([]));
    const alone = await engine.recommend({ user_id: 'me', limit: 40 });
    expect(rankOf(alone, 'm33')).toBe(31);
    expect(alone.items.flatMap((i) => i.explanation_reasons)).not.toContain(SOCIAL_REASON);
    // Friends who erase their data leave nothing behind in the cached state of their friend.
    await engine.setPreferences('me', prefs(['friend-alice', 'friend-bob', 'friend-carol']));
    expect(rankOf(await engine.recommend({ user_id: 'me', limit: 40 }), 'm33')).toBe(11);
    for (const friend of ['friend-alice', 'friend-bob', 'friend-carol']) await engine.eraseUser(friend);
    const afterErasure = await engine.recommend({ user_id: 'me', limit: 40 });
    expect(afterErasure.items.flatMap((i) => i.explanation_reasons)).not.toContain(SOCIAL_REASON);
  });

  it('learns regional popularity with the version and follows new regional events without a retrain', async () => {
    const engine = await setup();
    const japan = Array.from({ length: 3 }, (_, u) => watch(`jp${u}`, 'm35', { region: 'JP', ...(u === 0 && { type: 'rate' as const, rating: 5 }) }));
    await engine.ingestEvents([...crowd(), ...japan]);
    expect((await train(engine))?.state).toBe('completed');
    const visiting = await engine.recommend({ user_id: 'visitor', limit: 40, region: 'jp' });
    expect(rankOf(visiting, 'm35')).toBe(11);
    expect(visiting.items[10]!.explanation_reasons).toContain('popular in JP');
    // At home the same evidence ranks m35 after the twenty titles like it.
    const home = await engine.recommend({ user_id: 'visitor', limit: 40, region: 'US' });
    expect(rankOf(home, 'm35')).toBe(31);
    // Japan discovers m38 after training: the next request already sees it.
    await engine.ingestEvents(Array.from({ length: 3 }, (_, u) => watch(`jp-new${u}`, 'm38', { region: 'JP', ...(u === 0 && { type: 'rate' as const, rating: 5 }) })));
    const later = await engine.recommend({ user_id: 'visitor', limit: 40, region: 'JP' });
    const laterHome = await engine.recommend({ user_id: 'visitor', limit: 40, region: 'US' });
    expect(rankOf(later, 'm38')).toBeLessThan(rankOf(laterHome, 'm38'));
    expect(later.items.find((i) => i.item_id === 'm38')!.explanation_reasons).toContain('popular in JP');
    // No region anywhere (request, profile, events): the signal is off.
    const nowhere = await engine.recommend({ user_id: 'nobody', limit: 40 });
    expect(nowhere.items.flatMap((i) => i.explanation_reasons).some((r) => r.startsWith('popular in '))).toBe(false);
  });
});
