import type { AttributionStatus, Impression, LearningStore, Outcome } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import type { RecommendationResponse } from './api-types.js';
import { DEFAULT_EXPERIMENT } from './experiments.js';
import { LearningLoop } from './learning-loop.js';

/** A learning store that records calls and can be made to fail. */
function fakeStore(statuses: () => AttributionStatus = () => 'attributed') {
  const recorded: Impression[] = [];
  const attributed: Outcome[][] = [];
  let failing = false;
  const store = {
    async recordImpressions(impressions: readonly Impression[]) {
      if (failing) throw new Error('store down');
      recorded.push(...impressions);
      return { recorded: impressions.length, duplicates: 0 };
    },
    async attribute(outcomes: readonly Outcome[]) {
      if (failing) throw new Error('store down');
      attributed.push([...outcomes]);
      return outcomes.map(() => statuses());
    },
    async listExperiments() {
      return [];
    },
    async banditState() {
      return { arms: [], observations: 0 };
    },
  } as unknown as LearningStore;
  return { store, recorded, attributed, fail: (on: boolean) => (failing = on) };
}

const response = (requestId: string, items: number): RecommendationResponse => ({
  request_id: requestId,
  user_id: 'u1',
  model_version: null,
  experiment_id: 'exp-default',
  variant: 'ncf_primary',
  degraded: false,
  generated_at: '2026-05-01T20:00:00.000Z',
  items: Array.from({ length: items }, (_, i) => ({
    item_id: `m${i}`,
    title: `M${i}`,
    content_type: 'movie' as const,
    genres: [],
    rank: i + 1,
    predicted_score: 0.5,
    confidence_interval: [0.4, 0.6] as [number, number],
    explanation_reasons: [],
    algorithm_source: i === 0 ? ('trending_boost' as const) : ('random_explore' as const),
    experiment_id: 'exp-default',
    diversity_category: 'x',
  })),
});

function logger() {
  const errors: string[] = [];
  return { errors, log: { info() {}, warn() {}, error: (_d: object, message: string) => errors.push(message) } };
}

const slow = { flushIntervalMs: 60_000, flushBatch: 1_000_000 };

describe('LearningLoop', () => {
  it('records impressions in the background with the arm of each bandit slot', async () => {
    const { store, recorded } = fakeStore();
    const loop = new LearningLoop(store, DEFAULT_EXPERIMENT, slow, logger().log, Date.now);
    loop.served(response('r1', 2), true);
    loop.served(response('r2', 1), false);
    expect(recorded).toEqual([]); // nothing on the request path
    await loop.flush();
    expect(recorded.map((i) => [i.request_id, i.position, i.arm])).toEqual([
      ['r1', 1, 'trending'],
      ['r1', 2, 'random'],
      ['r2', 1, undefined],
    ]);
    expect(recorded[0]).toMatchObject({ user_id: 'u1', experiment_id: 'exp-default', variant: 'ncf_primary', served_at: Date.parse('2026-05-01T20:00:00.000Z') });
  });

  it('keeps impressions while the store is down and writes them once it is back', async () => {
    const { store, recorded, fail } = fakeStore();
    const loop = new LearningLoop(store, DEFAULT_EXPERIMENT, slow, logger().log, Date.now);
    fail(true);
    loop.served(response('r1', 3), false);
    await expect(loop.flush()).rejects.toThrow('store down');
    loop.served(response('r2', 1), false);
    fail(false);
    await loop.flush();
    expect(recorded.map((i) => i.request_id)).toEqual(['r1', 'r1', 'r1', 'r2']);
    expect(loop.stats).toMatchObject({ impressionsRecorded: 4, impressionsDropped: 0, flushFailures: 1 });
  });

  it('drops the oldest impressions beyond the buffer bound, and says so', async () => {
    const { store, recorded, fail } = fakeStore();
    const { errors, log } = logger();
    const loop = new LearningLoop(store, DEFAULT_EXPERIMENT, { ...slow, maxBufferedImpressions: 4 }, log, Date.now);
    fail(true);
    loop.served(response('r1', 3), false);
    loop.served(response('r2', 3), false);
    expect(loop.stats.impressionsDropped).toBe(2);
    expect(errors[0]).toMatch(/oldest impressions dropped/);
    fail(false);
    await loop.flush();
    expect(recorded.map((i) => `${i.request_id}/${i.position}`)).toEqual(['r1/3', 'r2/1', 'r2/2', 'r2/3']);
  });

  it('bounds the events waiting for attribution while the store is down, dropping the oldest', async () => {
    const { store, attributed, fail } = fakeStore();
    const { errors, log } = logger();
    const loop = new LearningLoop(store, DEFAULT_EXPERIMENT, { ...slow, maxBufferedOutcomes: 3 }, log, Date.now);
    const click = (id: string) => ({ event_id: id, user_id: 'u1', item_id: 'm1', type: 'click' as const, timestamp: new Date().toISOString() });
    fail(true);
    loop.observe([click('e1'), click('e2')]);
    await expect(loop.flush()).rejects.toThrow('store down');
    loop.observe([click('e3'), click('e4')]);
    expect(loop.stats.outcomesDropped).toBe(1);
    expect(errors[0]).toMatch(/attribution buffer full/);
    fail(false);
    await loop.flush();
    expect(attributed.flat().map((o) => o.event_id)).toEqual(['e2', 'e3', 'e4']);
  });

  it('tries an unmatched event once more after a delay, then counts it unattributed', async () => {
    let now = 1_000_000;
    const { store, attributed } = fakeStore(() => 'unknown');
    const loop = new LearningLoop(store, DEFAULT_EXPERIMENT, { ...slow, retryUnattributedMs: 500 }, logger().log, () => now);
    loop.observe([{ event_id: 'e1', user_id: 'u1', item_id: 'm1', type: 'click', timestamp: new Date(now).toISOString(), recommendation_id: 'gone' }]);
    loop.observe([{ event_id: 'e2', user_id: 'u1', type: 'search', timestamp: new Date(now).toISOString(), query: 'x' }]); // no outcome
    await loop.flush();
    expect(attributed.flat().map((o) => o.event_id)).toEqual(['e1']);
    await loop.flush(); // not due yet
    expect(attributed).toHaveLength(1);
    now += 500;
    await loop.flush();
    expect(attributed).toHaveLength(2);
    expect(loop.stats.unattributed).toBe(1);
    await loop.close();
  });
});
