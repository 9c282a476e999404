import { rank } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { ContextModels } from './context-models.js';
import { contextInputs, DAY, event, testItem } from './context-test-kit.js';
import { historyFromEvents } from './history.js';
import { TEMPORAL_LEARNER, temporalSignal } from './temporal.js';

// Drama movies first in catalogue order, anime after: without a boost the list is all drama.
const items = [
  ...Array.from({ length: 10 }, (_, i) => testItem(`drama-${i}`, ['Drama'])),
  ...Array.from({ length: 10 }, (_, i) => testItem(`anime-${i}`, [], 'anime')),
];
const ZONE = 'Asia/Tokyo';
/** 01:00 and 09:00 in Tokyo on the given (Wednesday-based) day. */
const night = (day: number) => Date.parse('2026-01-14T16:00:00Z') + day * DAY;
const morning = (day: number) => Date.parse('2026-01-14T00:00:00Z') + day * DAY;

/** Forty users; anime at night and drama in the morning when `planted`, both at both times otherwise. */
function history(planted: boolean) {
  const events = [];
  for (let u = 0; u < 40; u++) {
    for (let d = 0; d < 6; d++) {
      const k = (u + d) % 10;
      if (planted) {
        events.push(event(`u${u}`, `anime-${k}`, night(d), { timezone: ZONE }), event(`u${u}`, `drama-${k}`, morning(d), { timezone: ZONE }));
      } else {
        events.push(event(`u${u}`, `anime-${k}`, d % 2 ? night(d) : morning(d), { timezone: ZONE }));
        events.push(event(`u${u}`, `drama-${k}`, d % 2 ? morning(d) : night(d), { timezone: ZONE }));
      }
    }
  }
  return historyFromEvents(events, items);
}

const weights = { collaborative: 0, popularity: 1, trending: 0, context: { temporal: 0.5 } };
const listAt = (models: ContextModels, nowMs: number, recent = [] as ReturnType<typeof event>[]) => {
  const inputs = contextInputs(items, { models, nowMs, request: { timezone: ZONE }, recent });
  const signal = temporalSignal(inputs)!;
  return rank({ catalog: inputs.catalog, popularity: inputs.popularity, contextSignals: [signal] }, inputs.user, { limit: 5, weights, diversity: 0 });
};

describe('temporal signal', () => {
  it('learns that anime is watched at night and boosts it for a request at night, with the reason', () => {
    const models = ContextModels.fit(history(true), [TEMPORAL_LEARNER]).models;
    const atNight = listAt(models, night(30));
    expect(atNight.items.every((r) => r.item.content_type === 'anime')).toBe(true);
    expect(atNight.items[0]!.explanation_reasons).toContain('night: people watch more anime at night');
    // In the morning the same model leaves anime where it was (drama first).
    const inTheMorning = listAt(models, morning(30));
    expect(inTheMorning.items.every((r) => r.item.genres[0] === 'Drama')).toBe(true);
  });

  it('gives no boost when viewing does not depend on the time', () => {
    const models = ContextModels.fit(history(false), [TEMPORAL_LEARNER]).models;
    const inputs = contextInputs(items, { models, nowMs: night(30), request: { timezone: ZONE } });
    const scores = temporalSignal(inputs)!.score(Int32Array.from(items.keys()));
    expect(Math.max(...Array.from(scores))).toBeLessThan(0.05);
    expect(listAt(models, night(30)).items.every((r) => r.item.genres[0] === 'Drama')).toBe(true);
  });

  it('uses the user\'s own habit once they have enough history, and says so', () => {
    // Everyone else shows no pattern; this user watches anime late and drama in the morning.
    const models = ContextModels.fit(history(false), [TEMPORAL_LEARNER]).models;
    const mine = Array.from({ length: 8 }, (_, d) => [
      event('me', `anime-${d}`, night(d), { timezone: ZONE }),
      event('me', `drama-${d}`, morning(d), { timezone: ZONE }),
    ]).flat();
    const result = listAt(models, night(30), mine);
    expect(result.items[0]!.item.content_type).toBe('anime');
    expect(result.items[0]!.explanation_reasons).toContain('night: you usually watch anime at night');
  });

  it('is off before any model is trained, and the artifact round-trips', () => {
    expect(temporalSignal(contextInputs(items, { nowMs: night(1) }))).toBeUndefined();
    const model = TEMPORAL_LEARNER.fit(history(true))!;
    const back = TEMPORAL_LEARNER.decode(TEMPORAL_LEARNER.encode(model));
    expect(back.features).toEqual(model.features);
    expect(Array.from(back.counts)).toEqual(Array.from(model.counts));
  });
});
