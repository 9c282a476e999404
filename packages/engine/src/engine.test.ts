import type { Store } from '@recsys/core';
import { testEvent, testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { type EngineOptions, RecommendationEngine, StoreUnavailableError } from './engine.js';
import { embeddedEngines, retrainToEnd } from './testing/embedded-engine.js';

const item = (id: string, genre: string) => testItem(id, { genres: [genre] });
const ITEMS = [...Array.from({ length: 20 }, (_, i) => item(`war-${i}`, 'War')), ...Array.from({ length: 20 }, (_, i) => item(`pet-${i}`, 'Family'))];

const watch = (user: string, itemId: string) => testEvent(user, itemId);
/** Two audiences, each completing ten titles of its own block. */
const audience = () =>
  Array.from({ length: 10 }, (_, u) =>
    Array.from({ length: 10 }, (_, k) => [watch(`war-fan-${u}`, `war-${(u + k) % 20}`), watch(`pet-fan-${u}`, `pet-${(u + k) % 20}`)]),
  ).flat(2);

describe('RecommendationEngine', () => {
  const startEngine = embeddedEngines();
  const setup = async (options: Partial<EngineOptions> = {}, wrapStore?: (store: Store) => Store) =>
    (await startEngine(ITEMS, options, { wrapStore })).engine;
  const train = (engine: RecommendationEngine, kind: 'full' | 'incremental' = 'full') => retrainToEnd(engine, kind);

  it('changes a user\'s list on their next request after an event, without a retrain', async () => {
    const engine = await setup();
    await engine.ingestEvents(audience());
    expect((await train(engine)).state).toBe('completed');
    await engine.ingestEvents([watch('switcher', 'war-1'), watch('switcher', 'war-2')]);
    const before = await engine.recommend({ user_id: 'switcher', limit: 5, diversity: 0 });
    expect(before.items.every((i) => i.item_id.startsWith('war-'))).toBe(true);
    await engine.ingestEvents(['pet-1', 'pet-2', 'pet-3', 'pet-4', 'pet-5', 'pet-6'].map((id) => watch('switcher', id)));
    const after = await engine.recommend({ user_id: 'switcher', limit: 5, diversity: 0 });
    expect(after.items.filter((i) => i.item_id.startsWith('pet-')).length).toBeGreaterThanOrEqual(3);
  });

  it('builds the serving state at warm-up, so the first request finds it; a store failure leaves it to that request', async () => {
    const engine = await setup();
    await engine.warmUp();
    expect(engine.stats().serving_state_cache).toMatchObject({ hits: 0, misses: 1 });
    await engine.recommend({ user_id: 'anyone', limit: 5 });
    expect(engine.stats().serving_state_cache).toMatchObject({ hits: 1, misses: 1 });

    let diskGone = false;
    const cold = await setup({}, (store) => {
      const all = store.catalog.all.bind(store.catalog);
      store.catalog.all = () => (diskGone ? Promise.reject(new Error('disk gone')) : all());
      return store;
    });
    diskGone = true;
    await expect(cold.warmUp()).resolves.toBeUndefined();
    diskGone = false;
    // The failed build was not kept: the first request builds the state and answers.
    expect((await cold.recommend({ user_id: 'anyone', limit: 5 })).items).toHaveLength(5);
    expect(cold.stats().serving_state_cache).toMatchObject({ hits: 0, misses: 2 });
  });

  it('records the holdout figures and the chosen regularisation with the version', async () => {
    const engine = await setup();
    await engine.ingestEvents(audience());
    const job = await train(engine);
    const [model] = await engine.listModels();
    expect(model!.version).toBe((job!.result as { version: string }).version);
    expect(model!.status).toBe('active');
    expect(model!.metrics.ndcg_at_10).toBeGreaterThan(0.3);
    expect(model!.metrics.als_regularization).toBeGreaterThan(0);
    // predicted_score is calibrated on the holdout: the calibration error shrinks.
    expect(model!.metrics.calibration_ece_after).toBeLessThan(model!.metrics.calibration_ece_before!);
    expect(model!.notes).toBe('activated: first model version');
    expect(engine.activeVersion()).toBe(model!.version);
  });

  it('keeps the active version when a retrain fails the quality gate', async () => {
    // A negative margin demands that each new version beat the active one by 1.0 nDCG: impossible.
    const engine = await setup({ qualityMargin: -1 });
    await engine.ingestEvents(audience());
    const first = (await train(engine))!.result as { version: string; activated: boolean };
    expect(first.activated).toBe(true);
    const second = (await train(engine))!.result as { version: string; activated: boolean; reason: string };
    expect(second.activated).toBe(false);
    expect(second.reason).toMatch(/^rejected: holdout nDCG@10/);
    expect(engine.activeVersion()).toBe(first.version);
    const models = await engine.listModels();
    expect(models.find((m) => m.version === second.version)!.status).toBe('rejected');
    expect(models.find((m) => m.version === first.version)!.status).toBe('active');
  });

  it('answers degraded from the last loaded state when the store cannot be read, and refuses writes with a retryable error', async () => {
    let down = false;
    // The store as seen through a connection that can drop: every call fails while it is down.
    const flaky = (store: Store): Store => {
      const guard = <T extends object>(target: T): T =>
        new Proxy(target, {
          get(object, key, receiver) {
            const value = Reflect.get(object, key, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              if (down && key !== 'close') return Promise.reject(new Error('connection lost'));
              return value.apply(object, args);
            };
          },
        });
      return Object.assign(guard(store), {
        catalog: guard(store.catalog),
        events: guard(store.events),
        users: guard(store.users),
        features: guard(store.features),
      });
    };
    const engine = await setup({ servingStateMaxAgeMs: 0, userStateMaxAgeMs: 0 }, flaky);
    await engine.ingestEvents(audience());
    await train(engine);
    const healthy = await engine.recommend({ user_id: 'war-fan-1', limit: 5 });
    expect(healthy.degraded).toBe(false);

    down = true;
    const degraded = await engine.recommend({ user_id: 'war-fan-1', limit: 5 });
    expect(degraded.degraded).toBe(true);
    expect(degraded.items).toHaveLength(5);
    expect(degraded.model_version).toBe(healthy.model_version);
    await expect(engine.ingestEvents([watch('war-fan-1', 'war-3')])).rejects.toBeInstanceOf(StoreUnavailableError);

    down = false;
    expect((await engine.recommend({ user_id: 'war-fan-1', limit: 5 })).degraded).toBe(false);
  });

  it('updates the active models incrementally from the events since they were trained', async () => {
    const engine = await setup();
    await engine.ingestEvents(audience());
    const full = (await train(engine))!.result as { version: string };
    const fresh = ['war-3', 'war-4', 'war-5'].map((id) => watch('late-comer', id));
    await engine.ingestEvents(fresh);
    const job = await train(engine, 'incremental');
    expect(job!.name).toBe('incremental-update');
    const result = job!.result as { version: string; activated: boolean; reason: string; metrics: Record<string, number> };
    expect(result.activated).toBe(true);
    expect(result.reason).toBe(`activated: incremental update of ${full.version}`);
    expect(result.metrics.incremental_events).toBe(3);
    expect(result.metrics.users).toBe(21);
    expect(engine.activeVersion()).toBe(result.version);
    const [latest] = await engine.listModels();
    expect(latest!.components).toEqual(expect.arrayContaining(['als', 'popularity']));
    const recs = await engine.recommend({ user_id: 'late-comer', limit: 5, diversity: 0 });
    expect(recs.model_version).toBe(result.version);
    expect(recs.items.every((i) => i.item_id.startsWith('war-'))).toBe(true);
  });
});
