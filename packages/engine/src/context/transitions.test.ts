import { rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { ContextModels } from './context-models.js';
import { contextInputs, DAY, event, HOUR, testItem } from './context-test-kit.js';
import { historyFromEvents } from './history.js';
import { TRANSITION_LEARNER, transitionSignal } from './transitions.js';

const items = Array.from({ length: 20 }, (_, i) => testItem(`m${i}`, ['Drama']));
const NOW = Date.parse('2026-05-01T20:00:00Z');
const weights = { collaborative: 0, popularity: 1, trending: 0, context: { watched_next: 0.5 } };

/** Thirty users; when `planted`, whoever watches m(k) watches m(k+10) next, within the hour. */
function history(planted: boolean) {
  const events = [];
  for (let u = 0; u < 30; u++) {
    const k = u % 5;
    const start = NOW - 20 * DAY + u * HOUR;
    // Absent: the same titles, but days apart: no "next" to learn.
    events.push(event(`u${u}`, `m${k}`, start), event(`u${u}`, `m${k + 10}`, start + (planted ? 40 * 60_000 : 5 * DAY)));
  }
  return historyFromEvents(events, items);
}

const me = (watched: string): UserState => ({ userId: 'me', interactions: [{ item_id: watched, preference: 3, events: 1, consumed: true, last_at: NOW }] });

describe('what people watch next', () => {
  it('boosts the title people watched next after the user\'s latest one, naming it', () => {
    const models = ContextModels.fit(history(true), [TRANSITION_LEARNER]).models;
    const inputs = contextInputs(items, { models, nowMs: NOW, recent: [event('me', 'm2', NOW - HOUR)] });
    const signal = transitionSignal(inputs)!;
    expect(Array.from(signal.candidates!(5))).toEqual([12]);
    const result = rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [signal] }, me('m2'), { limit: 3, weights });
    expect(result.items[0]!.item.item_id).toBe('m12');
    expect(result.items[0]!.explanation_reasons).toContain('people who watched M2 next watched this');
  });

  it('learns nothing from titles watched days apart, and the list stays as it was', () => {
    expect(TRANSITION_LEARNER.fit(history(false))).toBeUndefined();
    const inputs = contextInputs(items, { models: ContextModels.fit(history(false), [TRANSITION_LEARNER]).models, nowMs: NOW, recent: [event('me', 'm2', NOW - HOUR)] });
    expect(transitionSignal(inputs)).toBeUndefined();
  });

  it('weights the latest title most, and round-trips its artifact', () => {
    const model = TRANSITION_LEARNER.fit(history(true))!;
    const models = ContextModels.empty.with(TRANSITION_LEARNER, TRANSITION_LEARNER.decode(TRANSITION_LEARNER.encode(model)));
    const inputs = contextInputs(items, { models, nowMs: NOW, recent: [event('me', 'm1', NOW - 3 * HOUR), event('me', 'm3', NOW - HOUR)] });
    const scores = transitionSignal(inputs)!.score(Int32Array.from([11, 13]));
    // Six users each saw m1 → m11 and m3 → m13: 6 transitions, trusted 6 / (6 + 10).
    expect(scores[1]).toBeCloseTo(6 / 16, 5);
    expect(scores[0]).toBeCloseTo((0.5 * 6) / 16, 5);
  });
});
