import { rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { ContextModels } from './context-models.js';
import { contextInputs, DAY, event, HOUR, testItem } from './context-test-kit.js';
import { historyFromEvents } from './history.js';
import { MOOD_LEARNER, moodSignal } from './mood.js';

// Dramas first in catalogue order: without a boost the list is dramas.
const genres = ['Drama', 'Thriller', 'Comedy'] as const;
const items = genres.flatMap((g) => Array.from({ length: 10 }, (_, i) => testItem(`${g.toLowerCase()}-${i}`, [g])));
const NOW = Date.parse('2026-05-01T20:00:00Z');
const weights = { collaborative: 0, popularity: 1, trending: 0, context: { mood: 0.5 } };

/**
 * Sixty users watching pairs of titles an hour apart, a day between pairs. Planted: after a thriller comes a comedy;
 * otherwise the next genre does not depend on the previous one.
 */
function history(planted: boolean) {
  const events = [];
  for (let u = 0; u < 60; u++) {
    for (let s = 0; s < 3; s++) {
      const start = NOW - 200 * DAY + (u * 3 + s) * DAY;
      const first = genres[(u + s) % 3]!;
      const second = planted ? (first === 'Thriller' ? 'Comedy' : first) : genres[(u + 2 * s) % 3]!;
      events.push(event(`u${u}`, `${first.toLowerCase()}-${u % 10}`, start), event(`u${u}`, `${second.toLowerCase()}-${(u + 1) % 10}`, start + HOUR));
    }
  }
  return historyFromEvents(events, items);
}

const me: UserState = { userId: 'me', interactions: [{ item_id: 'thriller-3', preference: 3, events: 1, consumed: true, last_at: NOW }] };

describe('mood', () => {
  it('after thrillers, boosts comedies and explains it as lighter after Thriller', () => {
    const models = ContextModels.fit(history(true), [MOOD_LEARNER]).models;
    const inputs = contextInputs(items, { models, nowMs: NOW, recent: [event('me', 'thriller-3', NOW - HOUR)] });
    const signal = moodSignal(inputs)!;
    const result = rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [signal] }, me, { limit: 5, weights, diversity: 0 });
    expect(result.items.every((r) => r.item.genres[0] === 'Comedy')).toBe(true);
    expect(result.items[0]!.explanation_reasons).toContain('mood: lighter after Thriller (Comedy)');
  });

  it('gives no boost when the next genre does not depend on the last one', () => {
    const models = ContextModels.fit(history(false), [MOOD_LEARNER]).models;
    const inputs = contextInputs(items, { models, nowMs: NOW, recent: [event('me', 'thriller-3', NOW - HOUR)] });
    const scores = moodSignal(inputs)!.score(Int32Array.from(items.keys()));
    expect(Math.max(...Array.from(scores))).toBeLessThan(0.15);
    const result = rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [moodSignal(inputs)!] }, me, { limit: 5, weights, diversity: 0 });
    expect(result.items.every((r) => r.item.genres[0] === 'Drama')).toBe(true);
  });

  it('is off without recent viewing', () => {
    const models = ContextModels.fit(history(true), [MOOD_LEARNER]).models;
    expect(moodSignal(contextInputs(items, { models, nowMs: NOW }))).toBeUndefined();
  });
});
