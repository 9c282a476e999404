// Continuous learning over a real HTTP server: attribution of events to the lists that showed the
// items, sticky assignment, experiment results against hand-computed values, the bandit, erasure.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEmbeddedService, type EmbeddedService } from '../src/embedded-service.js';
import { nextEventId, testCatalogue } from './support/fixtures.js';
import { call } from './support/http.js';

let service: EmbeddedService;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-learning-'));
  const config = loadConfig({ RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RETRAIN_INTERVAL_MINUTES: '0' });
  service = await createEmbeddedService(config, {
    learning: { ...config.learning, flushIntervalMs: 10, retryUnattributedMs: 20, banditHalfLifeObservations: null },
  });
  baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  expect((await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() })).status).toBe(200);
});

afterAll(async () => {
  await service?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const recommend = async (user: string, limit = 5) => {
  const response = await call(baseUrl, 'GET', `/v1/users/${user}/recommendations?limit=${limit}`);
  expect(response.status).toBe(200);
  return response.body;
};
const postEvents = async (events: Record<string, unknown>[]) => {
  const response = await call(baseUrl, 'POST', '/v1/events', { events: events.map((e) => ({ event_id: nextEventId(), ...e })) });
  expect(response.status).toBe(202);
};
/** Writes buffered impressions and outcomes, waiting out the one retry of unmatched events. */
const settle = async () => {
  await service.engine.learning!.flush();
  await new Promise((resolve) => setTimeout(resolve, 60));
  await service.engine.learning!.flush();
};
const learning = () => service.store.learning;

/** FNV-1a (32 bit) as the assignment spec says: bucket = hash("salt:user") mod 10,000 / 100. */
function bucket(salt: string, user: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${salt}:${user}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) % 10_000) / 100;
}
/** The first user ids (prefix-0, prefix-1, ...) whose bucket falls in [from, to). */
function usersIn(salt: string, prefix: string, from: number, to: number, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const b = bucket(salt, `${prefix}-${i}`);
    if (b >= from && b < to) found.push(`${prefix}-${i}`);
  }
  return found;
}

describe('attribution', () => {
  it('ties an event carrying recommendation_id to the list, position, source and variant that showed the item', async () => {
    const list = await recommend('attr-1');
    expect(list.experiment_id).toBe('exp-default');
    expect(['ncf_primary', 'mf_fallback']).toContain(list.variant);
    for (const item of list.items) expect(item.experiment_id).toBe('exp-default');
    const second = list.items[1];
    await postEvents([{ user_id: 'attr-1', item_id: second.item_id, type: 'click', recommendation_id: list.request_id }]);
    await settle();
    const attributions = await learning().attributionsOf('attr-1');
    expect(attributions).toHaveLength(1);
    expect(attributions[0]).toMatchObject({
      request_id: list.request_id,
      item_id: second.item_id,
      position: 2,
      algorithm_source: second.algorithm_source,
      experiment_id: 'exp-default',
      variant: list.variant,
      matched_by: 'recommendation_id',
    });
    expect((await learning().impressionsOf(list.request_id)).map((i) => i.item_id)).toEqual(list.items.map((i: { item_id: string }) => i.item_id));
  });

  it('attributes an event without recommendation_id to the same user and item within the window, and nothing else', async () => {
    const list = await recommend('attr-2');
    const shown = list.items[0].item_id;
    const notShown = testCatalogue().find((item) => !list.items.some((i: { item_id: string }) => i.item_id === item.item_id))!.item_id;
    await postEvents([
      { user_id: 'attr-2', item_id: shown, type: 'watch', watch_seconds: 600, duration_seconds: 5400 },
      { user_id: 'attr-2', item_id: notShown, type: 'click' },
      { user_id: 'attr-other', item_id: shown, type: 'click' }, // another user never saw it
    ]);
    await settle();
    const attributions = await learning().attributionsOf('attr-2');
    expect(attributions.map((a) => [a.item_id, a.position, a.matched_by])).toEqual([[shown, 1, 'window']]);
    expect(await learning().attributionsOf('attr-other')).toEqual([]);
  });

  it('stores events that name an unknown recommendation id without attributing them', async () => {
    const list = await recommend('attr-3');
    const before = service.engine.learning!.stats.unattributed;
    await postEvents([{ user_id: 'attr-3', item_id: list.items[0].item_id, type: 'click', recommendation_id: 'no-such-list' }]);
    await settle();
    expect(await learning().attributionsOf('attr-3')).toEqual([]);
    expect(service.engine.learning!.stats.unattributed).toBe(before + 1);
    const exported = await call(baseUrl, 'GET', '/v1/users/attr-3/export');
    expect(exported.body.events.map((e: { recommendation_id?: string }) => e.recommendation_id)).toEqual(['no-such-list']);
  });
});

describe('experiments', () => {
  const arith = {
    id: 'arith',
    description: 'results arithmetic',
    variants: [
      { name: 'A', allocation: 50, collaborative: 'mf' },
      { name: 'B', allocation: 50, collaborative: 'mf', diversity: 0.5 },
    ],
  };

  it('rejects bad definitions with the reason, naming the field', async () => {
    const sum = await call(baseUrl, 'POST', '/v1/experiments', { ...arith, variants: [{ ...arith.variants[0], allocation: 60 }, arith.variants[1]] });
    expect(sum.status).toBe(400);
    expect(sum.body.error.code).toBe('VALIDATION_ERROR');
    expect(sum.body.error.message).toBe('body/variants allocations must sum to 100, got 110');
    const unknown = await call(baseUrl, 'POST', '/v1/experiments', { ...arith, variants: [{ ...arith.variants[0], collaborative: 'als' }, arith.variants[1]] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('/variants/0/collaborative');
    const duplicate = await call(baseUrl, 'POST', '/v1/experiments', { ...arith, variants: [arith.variants[0], { ...arith.variants[1], name: 'A' }] });
    expect(duplicate.body.error.details.errors).toEqual([{ field: '/variants/1/name', message: 'duplicate variant name A' }]);
    const context = await call(baseUrl, 'POST', '/v1/experiments', {
      ...arith,
      variants: [{ ...arith.variants[0], weights: { collaborative: 0.75, popularity: 0.1, trending: 0.05, context: { weather: 1 } } }, arith.variants[1]],
    });
    expect(context.status).toBe(400);
    expect(context.body.error.message).toMatch(/^body\/variants\/0\/weights\/context\/weather unknown context signal; expected .*mood/);
    expect((await call(baseUrl, 'POST', '/v1/experiments', { ...arith, id: 'exp-default' })).body.error.code).toBe('EXPERIMENT_EXISTS');
    expect((await call(baseUrl, 'GET', '/v1/experiments/missing')).body.error.code).toBe('EXPERIMENT_NOT_FOUND');
  });

  it('assigns users stickily by hashing id and salt, and puts experiment_id and variant on every response', async () => {
    const created = await call(baseUrl, 'POST', '/v1/experiments', arith);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'arith', salt: 'arith', status: 'running', serving: true, builtin: false });
    expect(created.body.variants[0]).toMatchObject({ name: 'A', policy: 'hybrid', diversity: 0.15, weights: { collaborative: 0.75 } });
    const again = await call(baseUrl, 'POST', '/v1/experiments', { ...arith, id: 'second' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'EXPERIMENT_RUNNING', details: { running: 'arith' } });

    for (let u = 0; u < 30; u++) {
      const user = `sticky-${u}`;
      const expected = bucket('arith', user) < 50 ? 'A' : 'B';
      for (let k = 0; k < 2; k++) {
        const list = await recommend(user, 2);
        expect([list.experiment_id, list.variant]).toEqual(['arith', expected]);
        for (const item of list.items) expect(item.experiment_id).toBe('arith');
      }
    }
    await settle();
    expect(await learning().assignmentsOf('sticky-0')).toEqual({ arith: bucket('arith', 'sticky-0') < 50 ? 'A' : 'B' });
    const listed = await call(baseUrl, 'GET', '/v1/experiments');
    expect(listed.body.serving).toBe('arith');
    expect(listed.body.experiments.map((e: { id: string; status: string }) => [e.id, e.status])).toEqual([
      ['exp-default', 'stopped'],
      ['arith', 'running'],
    ]);
  });

  it('reports CTR, completion and watch time with 95 % intervals, the z-test and the sample size, as computed by hand', async () => {
    // Fresh counts for the hand computation: the sticky users above were served in arith too.
    await call(baseUrl, 'POST', '/v1/experiments/arith/stop', {});
    const calc = { ...arith, id: 'calc' };
    expect((await call(baseUrl, 'POST', '/v1/experiments', calc)).status).toBe(201);
    const [userA] = usersIn('calc', 'calc-a', 0, 50, 1);
    const [userB] = usersIn('calc', 'calc-b', 50, 100, 1);
    // 4 lists of 5 per variant: 20 impressions each.
    const listsA = [];
    const listsB = [];
    for (let k = 0; k < 4; k++) listsA.push(await recommend(userA!));
    for (let k = 0; k < 4; k++) listsB.push(await recommend(userB!));
    const on = (list: { request_id: string; items: { item_id: string }[] }, position: number, user: string, fields: Record<string, unknown>) => ({
      user_id: user,
      item_id: list.items[position - 1]!.item_id,
      recommendation_id: list.request_id,
      ...fields,
    });
    await postEvents([
      // A: 2 clicks and 3 plays (all positive): 5 clicked impressions; watched 1800, 3600, 5400 s; one completion.
      on(listsA[0], 1, userA!, { type: 'click' }),
      on(listsA[0], 2, userA!, { type: 'click' }),
      on(listsA[1], 1, userA!, { type: 'watch', watch_seconds: 1800, duration_seconds: 5400 }),
      on(listsA[1], 2, userA!, { type: 'watch', watch_seconds: 3600, duration_seconds: 5400 }),
      on(listsA[1], 3, userA!, { type: 'watch', watch_seconds: 5400, duration_seconds: 5400 }),
      // B: 2 clicks, and a click outweighed by a skip of the same impression.
      on(listsB[0], 1, userB!, { type: 'click' }),
      on(listsB[0], 2, userB!, { type: 'click' }),
      on(listsB[2], 1, userB!, { type: 'click' }),
      on(listsB[2], 1, userB!, { type: 'skip' }),
    ]);
    await settle();
    const results = await call(baseUrl, 'GET', '/v1/experiments/calc/results');
    expect(results.status).toBe(200);
    const [a, b] = results.body.variants;
    expect(a).toMatchObject({ variant: 'A', users: 1, impressions: 20, clicks: 5, ctr: 0.25, plays: 3, completions: 1, mean_watch_seconds: 3600 });
    expect(b).toMatchObject({ variant: 'B', users: 1, impressions: 20, clicks: 2, ctr: 0.1, plays: 0, completions: 0, mean_watch_seconds: 0 });
    // Wilson score intervals (z = 1.959964): 5/20, 2/20 and 1/3 completions per play.
    expect(a.ctr_interval_95[0]).toBeCloseTo(0.111862, 5);
    expect(a.ctr_interval_95[1]).toBeCloseTo(0.468701, 5);
    expect(b.ctr_interval_95[0]).toBeCloseTo(0.027866, 5);
    expect(b.ctr_interval_95[1]).toBeCloseTo(0.301034, 5);
    expect(a.completion_rate).toBeCloseTo(1 / 3, 5);
    expect(a.completion_interval_95[0]).toBeCloseTo(0.061492, 5);
    expect(a.completion_interval_95[1]).toBeCloseTo(0.79234, 5);
    // Mean 3600 s, sd 1800 s, t(0.975, 2) = 4.302653: 3600 ± 4471.45.
    expect(a.watch_seconds_interval_95[0]).toBeCloseTo(-871.448, 2);
    expect(a.watch_seconds_interval_95[1]).toBeCloseTo(8071.448, 2);
    // Pooled two-proportion z-test, 5/20 against 2/20: z = 1.2484, p = 0.2119.
    expect(results.body.leader).toBe('A');
    expect(results.body.p_value).toBeCloseTo(0.211894, 5);
    // Sample size for +10 % over the control CTR 0.25 at alpha 0.05, power 0.8: 4,862 per variant.
    expect(results.body.required_impressions_per_variant).toBe(4862);
    expect(results.body).toMatchObject({ enough_data: false, winner: null, recommendation: 'continue' });
    expect(a.probability_best).toBeGreaterThan(0.85);
    expect(a.probability_best + b.probability_best).toBeCloseTo(1, 6);
    // Asking for a larger lift lowers the required sample size.
    const lenient = await call(baseUrl, 'GET', '/v1/experiments/calc/results?min_detectable_lift=1');
    expect(lenient.body.required_impressions_per_variant).toBeLessThan(100);
  });

  it('refuses to promote without a winner, promotes a named variant to everyone, and stops', async () => {
    const none = await call(baseUrl, 'POST', '/v1/experiments/calc/promote', {});
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('NO_WINNER');
    expect((await call(baseUrl, 'POST', '/v1/experiments/calc/promote', { variant: 'Z' })).body.error.code).toBe('NO_WINNER');
    const promoted = await call(baseUrl, 'POST', '/v1/experiments/calc/promote', { variant: 'B' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ status: 'promoted', winner: 'B', serving: true });
    for (const user of ['p-1', 'p-2', 'p-3', 'p-4']) expect(await recommend(user, 1)).toMatchObject({ experiment_id: 'calc', variant: 'B' });
    expect((await call(baseUrl, 'POST', '/v1/experiments/calc/stop', {})).body.error.code).toBe('EXPERIMENT_NOT_RUNNING');
    expect((await call(baseUrl, 'POST', '/v1/experiments/exp-default/stop', {})).body.error.code).toBe('EXPERIMENT_BUILTIN');
  });
});

describe('bandit', () => {
  it('shares the slots among the arms of a bandit variant and learns from attributed clicks', async () => {
    const created = await call(baseUrl, 'POST', '/v1/experiments', {
      id: 'bandit-run',
      variants: [{ name: 'bandit', allocation: 100, collaborative: 'ncf', policy: 'bandit' }],
    });
    expect(created.status).toBe(201);
    const before = (await call(baseUrl, 'GET', '/v1/bandit')).body;
    expect(before.arms.map((a: { arm: string }) => a.arm)).toEqual(['ncf', 'mf', 'story', 'trending', 'random']);
    // No model is trained: only trending and random can fill slots. Click every trending slot.
    let trendingSlots = 0;
    let randomSlots = 0;
    for (let k = 0; k < 30; k++) {
      const list = await recommend(`bandit-user-${k}`, 4);
      expect(list.variant).toBe('bandit');
      expect(new Set(list.items.map((i: { item_id: string }) => i.item_id)).size).toBe(list.items.length);
      const clicks = list.items
        .filter((i: { algorithm_source: string }) => i.algorithm_source === 'trending_boost')
        .map((i: { item_id: string }) => ({ user_id: `bandit-user-${k}`, item_id: i.item_id, type: 'click', recommendation_id: list.request_id }));
      trendingSlots += clicks.length;
      randomSlots += list.items.filter((i: { algorithm_source: string }) => i.algorithm_source === 'random_explore').length;
      if (clicks.length > 0) await postEvents(clicks);
    }
    expect(trendingSlots + randomSlots).toBe(120);
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the cached posterior is re-read after refreshMs
    const after = (await call(baseUrl, 'GET', '/v1/bandit')).body;
    const arm = (name: string) => after.arms.find((a: { arm: string }) => a.arm === name);
    expect(after.observations - before.observations).toBe(120);
    // No decay in this service: Beta(1 + clicks, 1 + unclicked slots) exactly.
    expect(arm('trending')).toMatchObject({ alpha: 1 + trendingSlots, beta: 1, algorithm_source: 'trending_boost' });
    expect(arm('random')).toMatchObject({ alpha: 1, beta: 1 + randomSlots });
    expect(arm('trending').traffic_share).toBeGreaterThan(0.5);
    expect(arm('trending').mean).toBeGreaterThan(arm('random').mean);
    await call(baseUrl, 'POST', '/v1/experiments/bandit-run/stop', {});
  });

  it('exports CTR per variant and bandit traffic shares to Prometheus', async () => {
    const metrics = await call(baseUrl, 'GET', '/metrics');
    expect(metrics.body).toMatch(/recsys_experiment_ctr\{experiment_id="calc",variant="B"\} /);
    expect(metrics.body).toMatch(/recsys_experiment_completion_rate\{experiment_id="calc",variant="B"\} /);
    expect(metrics.body).toMatch(/recsys_bandit_traffic_share\{arm="trending"\} 0\.\d+/);
  });
});

describe('erasure', () => {
  it('removes the user\'s impressions, attributions and assignments', async () => {
    const report = await call(baseUrl, 'DELETE', '/v1/users/attr-1');
    expect(report.status).toBe(200);
    expect(report.body.learning).toEqual({ impressions: 5, attributions: 1, assignments: 1 });
    expect(await learning().attributionsOf('attr-1')).toEqual([]);
  });
});
