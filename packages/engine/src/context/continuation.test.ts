import { rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { contextInputs, DAY, event, HOUR, testItem } from './context-test-kit.js';
import { continuationSignal } from './continuation.js';

const items = [
  ...Array.from({ length: 8 }, (_, i) => testItem(`m${i}`, ['Drama'])),
  testItem('show', ['Drama'], 'series', { episodes: 10, title: 'The Show' }),
  testItem('film', ['Drama'], 'movie', { title: 'The Film' }),
];
const NOW = Date.parse('2026-05-01T20:00:00Z');
const weights = { collaborative: 0, popularity: 1, trending: 0 };
const watch = (item: string, at: number, extra = {}) => event('me', item, at, { type: 'watch', ...extra });
/** The user as the ranking sees them: everything they touched counts as consumed. */
const userOf = (ids: string[]): UserState => ({
  userId: 'me',
  interactions: ids.map((item_id) => ({ item_id, preference: 2, events: 1, consumed: true, last_at: NOW })),
});

function listFor(recent: ReturnType<typeof event>[]) {
  const inputs = contextInputs(items, { recent, nowMs: NOW });
  const signal = continuationSignal(inputs);
  const user = userOf([...new Set(recent.map((e) => e.item_id!))]);
  return { signal, result: rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: signal ? [signal] : [] }, user, { limit: 3, weights }) };
}

describe('continue watching', () => {
  it('brings back a series binged in a session and not completed, watched as it is', () => {
    const { signal, result } = listFor([watch('show', NOW - 3 * HOUR), watch('show', NOW - 2.5 * HOUR), watch('show', NOW - 2 * HOUR)]);
    expect(signal).toBeDefined();
    expect(result.items[0]!.item.item_id).toBe('show');
    expect(result.items[0]!.explanation_reasons).toContain('continue watching: The Show');
  });

  it('scores a binge above a series merely started, and a paused movie lower still', () => {
    const inputs = contextInputs(items, {
      nowMs: NOW,
      recent: [watch('show', NOW - HOUR), watch('show', NOW - 0.7 * HOUR), watch('film', NOW - HOUR, { completion: 0.4 })],
    });
    const scores = continuationSignal(inputs)!.score(Int32Array.from([8, 9]));
    expect(scores[0]).toBeGreaterThan(0.95);
    expect(scores[1]).toBeCloseTo(0.5, 1);
    const started = continuationSignal(contextInputs(items, { nowMs: NOW, recent: [watch('show', NOW - 2 * DAY)] }))!;
    expect(started.score(Int32Array.from([8]))[0]).toBeGreaterThan(0.6);
    expect(started.score(Int32Array.from([8]))[0]).toBeLessThan(0.75);
  });

  it('stays off for a completed series, an early abandon, a title watched to the end once and a series left a month ago', () => {
    const cases = [
      [watch('show', NOW - 3 * HOUR), watch('show', NOW - 2 * HOUR), event('me', 'show', NOW - HOUR, { type: 'complete' })],
      [watch('show', NOW - HOUR, { completion: 0.05 })],
      [watch('film', NOW - HOUR, { completion: 0.97 })],
      [watch('show', NOW - HOUR, { completion: 0.95 })],
      [watch('show', NOW - 40 * DAY), watch('show', NOW - 40 * DAY + HOUR)],
      [],
    ];
    for (const recent of cases) {
      const { signal, result } = listFor(recent);
      expect(signal).toBeUndefined();
      expect(result.items.map((r) => r.item.item_id)).not.toContain('show');
    }
  });

  it('lets the caller\'s exclusions win', () => {
    const inputs = contextInputs(items, { recent: [watch('show', NOW - HOUR), watch('show', NOW - HOUR / 2)], nowMs: NOW });
    const signal = continuationSignal(inputs)!;
    const result = rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [signal] }, userOf(['show']), {
      limit: 3,
      weights,
      excludeItemIds: ['show'],
    });
    expect(result.items.map((r) => r.item.item_id)).not.toContain('show');
  });
});
