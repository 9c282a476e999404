import type { ExperimentRecord, Impression, LearningStore, Outcome, Store } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from './harness.js';

// The LearningStore port: what every adapter must do (hand-computed expectations).

/** Recent, so no adapter's retention has dropped the impressions yet. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
const MIN = 60_000;

function impression(request_id: string, user_id: string, item_id: string, position: number, fields: Partial<Impression> = {}): Impression {
  return {
    request_id,
    user_id,
    item_id,
    position,
    algorithm_source: 'ncf_primary',
    experiment_id: 'exp-a',
    variant: 'control',
    served_at: T0,
    ...fields,
  };
}

function outcome(event_id: string, user_id: string, item_id: string, fields: Partial<Outcome> = {}): Outcome {
  return { event_id, user_id, item_id, event_type: 'click', at: T0 + MIN, preference: 0.5, play: false, completed: false, ...fields };
}

function experiment(id: string, status: ExperimentRecord['status'] = 'running', created_at = '2026-03-01T00:00:00.000Z'): ExperimentRecord {
  return {
    id,
    status,
    definition: { id, salt: id, variants: [{ name: 'a', allocation: 50 }, { name: 'b', allocation: 50 }] },
    created_at,
    updated_at: created_at,
  };
}

const NO_DECAY = { halfLifeObservations: null };

function learningOf(store: Store): LearningStore {
  expect(store.learning).toBeDefined();
  return store.learning!;
}

const byVariant = <T extends { variant: string }>(rows: T[]) => [...rows].sort((a, b) => (a.variant < b.variant ? -1 : 1));

export function learningContract(harness: StoreHarness): void {
  describe('learning: impressions and counters', () => {
    it('records impressions once per list and item, counting users once per experiment', async () => {
      const learning = learningOf(await harness.create());
      const list = [impression('r1', 'u1', 'm2', 2), impression('r1', 'u1', 'm1', 1)];
      expect(await learning.recordImpressions(list, NO_DECAY)).toEqual({ recorded: 2, duplicates: 0 });
      expect(await learning.recordImpressions([list[0]!], NO_DECAY)).toEqual({ recorded: 0, duplicates: 1 });
      await learning.recordImpressions([impression('r2', 'u1', 'm3', 1), impression('r3', 'u2', 'm1', 1, { variant: 'treatment' })], NO_DECAY);
      expect((await learning.impressionsOf('r1')).map((i) => [i.position, i.item_id])).toEqual([
        [1, 'm1'],
        [2, 'm2'],
      ]);
      expect(await learning.impressionsOf('nope')).toEqual([]);
      const counters = byVariant(await learning.variantCounters('exp-a'));
      expect(counters.map((c) => [c.variant, c.users, c.impressions, c.clicks])).toEqual([
        ['control', 1, 3, 0],
        ['treatment', 1, 1, 0],
      ]);
      expect(await learning.assignmentsOf('u1')).toEqual({ 'exp-a': 'control' });
      expect(await learning.variantCounters('exp-none')).toEqual([]);
    });

    it('attributes by recommendation id: strongest evidence decides the click, plays, completions and watch time count once', async () => {
      const learning = learningOf(await harness.create());
      await learning.recordImpressions([impression('r1', 'u1', 'm1', 1), impression('r1', 'u1', 'm2', 2)], NO_DECAY);
      const statuses = await learning.attribute([
        outcome('e1', 'u1', 'm1', { request_id: 'r1' }), // click: +0.5
        outcome('e1', 'u1', 'm1', { request_id: 'r1' }), // the same event again
        outcome('e2', 'u1', 'm2', { request_id: 'r1', event_type: 'watch', preference: 1.25, play: true, watch_seconds: 1800 }),
        outcome('e3', 'u1', 'm2', { request_id: 'r1', event_type: 'watch', preference: 2.75, play: true, watch_seconds: 5000 }),
        outcome('e4', 'u1', 'm2', { request_id: 'r1', event_type: 'complete', preference: 3, play: true, completed: true, watch_seconds: 5400 }),
        outcome('e5', 'u1', 'm1', { request_id: 'r1', event_type: 'skip', preference: -2 }), // outweighs the click
        outcome('e6', 'u1', 'm3', { request_id: 'r1' }), // not in the list
        outcome('e7', 'u1', 'm1', { request_id: 'unknown-list' }),
        outcome('e8', 'u2', 'm1', { request_id: 'r1' }), // someone else's list
      ]);
      expect(statuses).toEqual(['attributed', 'duplicate', 'attributed', 'attributed', 'attributed', 'attributed', 'unknown', 'unknown', 'unknown']);
      const [control] = await learning.variantCounters('exp-a');
      // m1: click then skip -> no click; m2: one click, one play, one completion, watched 5400 s at most.
      expect(control).toEqual({
        variant: 'control',
        users: 1,
        impressions: 2,
        clicks: 1,
        plays: 1,
        completions: 1,
        watch_count: 1,
        watch_sum: 5400,
        watch_sum_squares: 5400 * 5400,
      });
      const attributions = await learning.attributionsOf('u1');
      expect(attributions.map((a) => [a.event_id, a.item_id, a.position, a.variant, a.matched_by])).toEqual([
        ['e1', 'm1', 1, 'control', 'recommendation_id'],
        ['e2', 'm2', 2, 'control', 'recommendation_id'],
        ['e3', 'm2', 2, 'control', 'recommendation_id'],
        ['e4', 'm2', 2, 'control', 'recommendation_id'],
        ['e5', 'm1', 1, 'control', 'recommendation_id'],
      ]);
      expect(attributions[0]).toMatchObject({ request_id: 'r1', algorithm_source: 'ncf_primary', experiment_id: 'exp-a', event_type: 'click', at: T0 + MIN });
      expect(attributions[0]!.arm).toBeUndefined();
    });

    it('attributes an event without recommendation id to the user\'s latest impression of the item within the window', async () => {
      const learning = learningOf(await harness.create());
      await learning.recordImpressions([impression('old', 'u1', 'm1', 3, { served_at: T0 - 60 * MIN })], NO_DECAY);
      await learning.recordImpressions([impression('new', 'u1', 'm1', 1, { served_at: T0, variant: 'treatment' })], NO_DECAY);
      const statuses = await learning.attribute([
        outcome('w1', 'u1', 'm1', { window_start: T0 - 30 * MIN }),
        outcome('w2', 'u1', 'm1', { window_start: T0 + 1 }), // the latest impression is older than the window
        outcome('w3', 'u2', 'm1', { window_start: T0 - 30 * MIN }), // never shown to u2
      ]);
      expect(statuses).toEqual(['attributed', 'unknown', 'unknown']);
      const attributions = await learning.attributionsOf('u1');
      expect(attributions.map((a) => [a.request_id, a.position, a.variant, a.matched_by])).toEqual([['new', 1, 'treatment', 'window']]);
    });
  });

  describe('learning: export', () => {
    it('lists the impressions held about one user, oldest list first, by position', async () => {
      const learning = learningOf(await harness.create());
      await learning.recordImpressions([impression('r1', 'u1', 'm2', 2), impression('r1', 'u1', 'm1', 1)], NO_DECAY);
      await learning.recordImpressions([impression('r2', 'u2', 'm1', 1)], NO_DECAY);
      await learning.recordImpressions([impression('r3', 'u1', 'm3', 1, { served_at: T0 + MIN, arm: 'ncf' })], NO_DECAY);
      expect((await learning.impressionsOfUser('u1')).map((i) => [i.request_id, i.position, i.item_id])).toEqual([
        ['r1', 1, 'm1'],
        ['r1', 2, 'm2'],
        ['r3', 1, 'm3'],
      ]);
      expect((await learning.impressionsOfUser('u1'))[2]).toEqual(impression('r3', 'u1', 'm3', 1, { served_at: T0 + MIN, arm: 'ncf' }));
      expect(await learning.impressionsOfUser('nobody')).toEqual([]);
    });
  });

  describe('learning: bandit evidence', () => {
    it('decays per observation and turns a slot\'s decayed failure into a success when it is clicked', async () => {
      const learning = learningOf(await harness.create());
      const halfLife = { halfLifeObservations: 2 };
      const f = Math.pow(0.5, 1 / 2);
      await learning.recordImpressions([impression('r1', 'u1', 'm1', 1, { arm: 'ncf' })], halfLife);
      await learning.recordImpressions([impression('r2', 'u1', 'm2', 1, { arm: 'trending', algorithm_source: 'trending_boost' })], halfLife);
      await learning.recordImpressions([impression('r3', 'u1', 'm3', 1)], halfLife); // not a bandit slot: no observation
      let state = await learning.banditState();
      expect(state.observations).toBe(2);
      const arm = (name: string) => state.arms.find((a) => a.arm === name)!;
      expect(arm('ncf').failures).toBeCloseTo(f, 12);
      expect(arm('trending').failures).toBeCloseTo(1, 12);

      expect(await learning.attribute([outcome('c1', 'u1', 'm1', { request_id: 'r1' })])).toEqual(['attributed']);
      state = await learning.banditState();
      expect(arm('ncf').successes).toBeCloseTo(f, 12);
      expect(arm('ncf').failures).toBeCloseTo(0, 12);
      expect((await learning.attributionsOf('u1'))[0]!.arm).toBe('ncf');

      // A skip outweighs the click: the weight goes back to the failures.
      await learning.attribute([outcome('c2', 'u1', 'm1', { request_id: 'r1', event_type: 'skip', preference: -2 })]);
      state = await learning.banditState();
      expect(arm('ncf').successes).toBeCloseTo(0, 12);
      expect(arm('ncf').failures).toBeCloseTo(f, 12);
    });

    it('resets to the prior; slots shown before the reset move no evidence', async () => {
      const learning = learningOf(await harness.create());
      await learning.recordImpressions([impression('r1', 'u1', 'm1', 1, { arm: 'story', algorithm_source: 'story_similarity' })], NO_DECAY);
      await learning.resetBandit();
      expect((await learning.banditState()).arms.every((a) => a.successes === 0 && a.failures === 0)).toBe(true);
      await learning.attribute([outcome('c1', 'u1', 'm1', { request_id: 'r1' })]);
      expect((await learning.banditState()).arms.every((a) => a.successes === 0 && a.failures === 0)).toBe(true);
      expect((await learning.variantCounters('exp-a'))[0]!.clicks).toBe(1); // the experiment still counts it
    });
  });

  describe('learning: experiments', () => {
    it('creates, refuses duplicates and a second running experiment, updates and lists oldest first', async () => {
      const learning = learningOf(await harness.create());
      expect(await learning.createExperiment(experiment('first', 'running', '2026-03-01T00:00:00.000Z'))).toEqual({ created: true });
      expect(await learning.createExperiment(experiment('first'))).toEqual({ created: false, reason: 'exists' });
      expect(await learning.createExperiment(experiment('second', 'running', '2026-03-02T00:00:00.000Z'))).toEqual({
        created: false,
        reason: 'running',
        running: 'first',
      });
      expect(await learning.updateExperiment({ ...experiment('first'), status: 'stopped' })).toBe(true);
      expect(await learning.updateExperiment(experiment('missing'))).toBe(false);
      expect(await learning.createExperiment(experiment('second', 'running', '2026-03-02T00:00:00.000Z'))).toEqual({ created: true });
      expect((await learning.getExperiment('first'))?.status).toBe('stopped');
      expect(await learning.getExperiment('missing')).toBeUndefined();
      expect((await learning.listExperiments()).map((e) => [e.id, e.status])).toEqual([
        ['first', 'stopped'],
        ['second', 'running'],
      ]);
    });
  });

  describe('learning: durability and erasure', () => {
    it('keeps impressions, counters, bandit evidence and experiments across a restart', async () => {
      const store = await harness.create();
      const learning = learningOf(store);
      await learning.recordImpressions([impression('r1', 'u1', 'm1', 1, { arm: 'mf', algorithm_source: 'mf_fallback' })], { halfLifeObservations: 100 });
      await learning.createExperiment(experiment('kept'));
      const reopened = learningOf(await harness.reopen(store));
      expect(await reopened.attribute([outcome('c1', 'u1', 'm1', { request_id: 'r1' })])).toEqual(['attributed']);
      expect((await reopened.variantCounters('exp-a'))[0]).toMatchObject({ impressions: 1, clicks: 1 });
      const mf = (await reopened.banditState()).arms.find((a) => a.arm === 'mf')!;
      expect(mf.successes).toBeCloseTo(1, 12);
      expect((await reopened.getExperiment('kept'))?.status).toBe('running');
    });

    it('eraseUser removes the user\'s impressions, attributions and assignments, keeping aggregate counters', async () => {
      const store = await harness.create();
      const learning = learningOf(store);
      await learning.recordImpressions([impression('r1', 'gone', 'm1', 1), impression('r1', 'gone', 'm2', 2)], NO_DECAY);
      await learning.recordImpressions([impression('r2', 'gone', 'm1', 1)], NO_DECAY);
      await learning.recordImpressions([impression('r3', 'kept', 'm1', 1)], NO_DECAY);
      await learning.attribute([outcome('c1', 'gone', 'm1', { request_id: 'r2' }), outcome('c2', 'kept', 'm1', { request_id: 'r3' })]);

      const report = await store.eraseUser('gone');
      expect(report.learning).toEqual({ impressions: 3, attributions: 1, assignments: 1 });
      expect(await learning.impressionsOf('r1')).toEqual([]);
      expect(await learning.attributionsOf('gone')).toEqual([]);
      expect(await learning.assignmentsOf('gone')).toEqual({});
      expect(await learning.attribute([outcome('c3', 'gone', 'm1', { window_start: 0 })])).toEqual(['unknown']);
      expect((await learning.impressionsOf('r3')).length).toBe(1);
      expect((await learning.attributionsOf('kept')).length).toBe(1);
      expect((await learning.variantCounters('exp-a'))[0]).toMatchObject({ users: 2, impressions: 4, clicks: 2 });

      const restarted = await harness.reopen(store);
      const reopened = learningOf(restarted);
      expect(await reopened.impressionsOf('r2')).toEqual([]);
      expect(await reopened.attributionsOf('gone')).toEqual([]);
      expect((await reopened.impressionsOf('r3')).length).toBe(1);
      expect((await restarted.eraseUser('nobody')).learning).toEqual({ impressions: 0, attributions: 0, assignments: 0 });
    });
  });
}
