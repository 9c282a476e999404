import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '@recsys/core';
import { LsaModel } from './lsa-model.js';
import {
  describeDrift,
  exportStoryEvolution,
  observationsFromEvents,
  storyDrift,
  trackStoryEvolution,
  weekStartOf,
  type StoryObservation,
} from './story-evolution.js';
import { loadTextAnalyzer } from './text-analyzer.js';
import { plantedCatalogue, TOPIC_WORDS, type Topic } from './testing/planted-catalogue.js';

const { items, topicOf } = plantedCatalogue(15, 8);
let model: LsaModel;
let vectorOf: (id: string) => Float32Array | undefined;
const DAY = 86_400_000;
const START = Date.parse('2024-01-01T12:00:00Z'); // a Monday

beforeAll(async () => {
  model = LsaModel.fit(items, await loadTextAnalyzer(), { dimensions: 6 });
  const vectors = new Map(items.map((i) => [i.item_id, model.embed(i)!]));
  vectorOf = (id) => vectors.get(id);
});

const idsOf = (topic: Topic) => items.filter((i) => topicOf.get(i.item_id) === topic).map((i) => i.item_id);
const topicWords = (topic: Topic) => new Set<string>([...TOPIC_WORDS[topic], topic === 'space' ? 'sci-fi' : topic]);

/** Ten weeks of crime, then four weeks of space, two titles a week. */
function shiftingHistory(): StoryObservation[] {
  const out: StoryObservation[] = [];
  for (let week = 0; week < 14; week++) {
    const ids = week < 10 ? idsOf('crime') : idsOf('space');
    for (let k = 0; k < 2; k++) out.push({ at: START + week * 7 * DAY + k * DAY, itemId: ids[(week * 2 + k) % ids.length]!, evidence: 3 });
  }
  return out;
}

describe('story evolution', () => {
  it('snapshots the moving average every week', () => {
    const now = START + 14 * 7 * DAY;
    const history = trackStoryEvolution(shiftingHistory(), vectorOf, now)!;
    expect(history.snapshots).toHaveLength(14);
    expect(history.snapshots[0]!.weekStart).toBe(weekStartOf(START));
    expect(new Date(history.snapshots[0]!.weekStart).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(history.snapshots.every((s, i) => i === 0 || s.weekStart - history.snapshots[i - 1]!.weekStart === 7 * DAY)).toBe(true);
    // Only the newest snapshots are kept.
    expect(trackStoryEvolution(shiftingHistory(), vectorOf, now, { maxSnapshots: 4 })!.snapshots).toHaveLength(4);
  });

  it('reports the drift toward the rising theme and away from the old one', () => {
    const now = START + 14 * 7 * DAY;
    const history = trackStoryEvolution(shiftingHistory(), vectorOf, now)!;
    const drift = storyDrift(history, model, { weeks: 4 })!;
    expect(drift.weeks).toBeCloseTo(4, 0);
    expect(drift.cosineDistance).toBeGreaterThan(0.2);
    const rising = drift.rising.map((t) => t.label);
    const falling = drift.falling.map((t) => t.label);
    expect(rising.filter((label) => topicWords('space').has(label)).length).toBeGreaterThanOrEqual(4);
    expect(falling.filter((label) => topicWords('crime').has(label)).length).toBeGreaterThanOrEqual(4);
    expect(describeDrift(drift)).toMatch(/^taste_shift: toward \S+, \S+; away from \S+, \S+ \(\d\.\d\d in 4(\.\d)? weeks\)$/);
  });

  it('reports no drift for a steady taste', () => {
    const steady = shiftingHistory().slice(0, 20);
    const now = START + 10 * 7 * DAY;
    const drift = storyDrift(trackStoryEvolution(steady, vectorOf, now)!, model)!;
    expect(drift.cosineDistance).toBeLessThan(0.05);
    expect(describeDrift(drift)).toBeUndefined();
  });

  it('has no drift before a week is complete', () => {
    const history = trackStoryEvolution(shiftingHistory().slice(0, 1), vectorOf, START + DAY)!;
    expect(history.snapshots).toHaveLength(0);
    expect(storyDrift(history, model)).toBeUndefined();
  });

  it('replays events through the feedback mapping', () => {
    const [space, crime] = [idsOf('space')[0]!, idsOf('crime')[0]!];
    const event = (id: string, type: InteractionEvent['type'], day: number, extra: Partial<InteractionEvent> = {}): InteractionEvent => ({
      event_id: `${id}-${type}-${day}`,
      user_id: 'u',
      item_id: id,
      type,
      timestamp: new Date(START + day * DAY).toISOString(),
      ...extra,
    });
    const observations = observationsFromEvents([
      event(crime, 'skip', 3),
      event(space, 'complete', 1),
      event(space, 'click', 2),
      event(space, 'watch', 4, { completion: 0.05 }),
      { ...event(space, 'rate', 5, { rating: 5 }), timestamp: 'not a date' },
    ]);
    expect(observations.map((o) => [o.itemId, o.evidence])).toEqual([
      [space, 3],
      [crime, -2],
      [space, -1],
    ]);
  });

  it('exports weekly themes and the drift in wire format', () => {
    const now = START + 14 * 7 * DAY;
    const exported = exportStoryEvolution(trackStoryEvolution(shiftingHistory(), vectorOf, now)!, model);
    expect(exported.weekly).toHaveLength(14);
    expect(exported.weekly[0]!.week_start).toBe('2024-01-01T00:00:00.000Z');
    expect(exported.weekly[0]!.themes.some((t) => topicWords('crime').has(t))).toBe(true);
    expect(exported.current_themes.some((t) => topicWords('space').has(t))).toBe(true);
    expect(exported.drift!.rising.some((t) => topicWords('space').has(t))).toBe(true);
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
  });
});
