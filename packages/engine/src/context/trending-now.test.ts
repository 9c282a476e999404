import { rank } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { ContextModels } from './context-models.js';
import { contextInputs, DAY, event, HOUR, testItem } from './context-test-kit.js';
import { historyFromEvents } from './history.js';
import { TRENDING_LEARNER, TrendingTracker, trendingNowSignal } from './trending-now.js';

const items = Array.from({ length: 12 }, (_, i) => testItem(`m${i}`, ['Drama']));
const NOW = Date.parse('2026-05-01T20:00:00Z');
/** Every item watched twice a day for 30 days: steady, popular, not trending now. */
const steady = () => items.flatMap((item, i) => Array.from({ length: 60 }, (_, k) => event(`u${i}-${k}`, item.item_id, NOW - 30 * DAY + k * 12 * HOUR)));
/** m9 watched 12 times in the last two hours, after a month of nothing. */
const burst = () => Array.from({ length: 12 }, (_, k) => event(`b${k}`, 'm9', NOW - 2 * HOUR + k * 10 * 60_000));
const weights = { collaborative: 0, popularity: 1, trending: 0, context: { trending_now: 2 } };

describe('trending now', () => {
  it('boosts an item whose recent rate bursts above its baseline, and says how much', () => {
    const models = ContextModels.fit(historyFromEvents([...steady(), ...burst()], items), [TRENDING_LEARNER]).models;
    const tracker = new TrendingTracker();
    tracker.seed(models.get(TRENDING_LEARNER));
    const inputs = contextInputs(items, { models, nowMs: NOW, trending: tracker });
    const signal = trendingNowSignal(inputs)!;
    const scores = signal.score(Int32Array.from(items.keys()));
    expect(scores[9]).toBeGreaterThan(0.3);
    expect(Math.max(...Array.from(scores).filter((_, i) => i !== 9))).toBe(0);
    expect(Array.from(signal.candidates!(5))).toEqual([9]);
    const result = rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [signal] }, inputs.user, { limit: 3, weights });
    expect(result.items[0]!.item.item_id).toBe('m9');
    expect(result.items[0]!.algorithm_source).toBe('trending_boost');
    expect(result.items[0]!.explanation_reasons.some((r) => /^trending now: \d+(\.\d)?x its usual rate$/.test(r))).toBe(true);
  });

  it('gives nothing to steady items, however popular', () => {
    const tracker = new TrendingTracker();
    tracker.seed(TRENDING_LEARNER.fit(historyFromEvents(steady(), items)));
    const signal = trendingNowSignal(contextInputs(items, { nowMs: NOW, trending: tracker }))!;
    expect(Math.max(...Array.from(signal.score(Int32Array.from(items.keys()))))).toBe(0);
  });

  it('moves with live events at once, and keeps them across a new training snapshot', () => {
    const tracker = new TrendingTracker();
    const snapshot = TRENDING_LEARNER.fit(historyFromEvents(steady(), items))!;
    tracker.seed(snapshot);
    expect(tracker.burst('m3', NOW).score).toBe(0);
    tracker.record(Array.from({ length: 12 }, (_, k) => event(`live${k}`, 'm3', NOW - HOUR + k * 60_000)));
    const live = tracker.burst('m3', NOW).score;
    expect(live).toBeGreaterThan(0.3);
    // A retrain from before the burst must not erase what the process has seen since.
    tracker.seed(snapshot);
    expect(tracker.burst('m3', NOW).score).toBeCloseTo(live, 5);
    // Hours later the burst has faded.
    expect(tracker.burst('m3', NOW + 2 * DAY).score).toBe(0);
  });

  it('ignores negative events (skips, early abandons)', () => {
    const tracker = new TrendingTracker();
    tracker.record(Array.from({ length: 20 }, (_, k) => event(`s${k}`, 'm1', NOW - k * 60_000, { type: 'skip' })));
    expect(tracker.counters('m1', NOW).short).toBe(0);
  });
});
