import type { InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTION_WINDOW_MS, outcomeOf } from './outcome.js';

const at = Date.parse('2026-05-01T20:00:00Z');
const event = (fields: Partial<InteractionEvent>): InteractionEvent => ({
  event_id: 'e1',
  user_id: 'u1',
  item_id: 'm1',
  type: 'click',
  timestamp: new Date(at).toISOString(),
  ...fields,
});

describe('outcomeOf', () => {
  it('carries the feedback preference and, without recommendation_id, the attribution window', () => {
    expect(outcomeOf(event({}))).toEqual({
      event_id: 'e1',
      user_id: 'u1',
      item_id: 'm1',
      event_type: 'click',
      at,
      preference: 0.5,
      play: false,
      completed: false,
      window_start: at - DEFAULT_ATTRIBUTION_WINDOW_MS,
    });
    const named = outcomeOf(event({ type: 'skip', recommendation_id: 'r9' }), 60_000)!;
    expect(named).toMatchObject({ request_id: 'r9', preference: -2 });
    expect(named.window_start).toBeUndefined();
  });

  it('counts plays, completions at 90 % and the seconds watched', () => {
    expect(outcomeOf(event({ type: 'watch', watch_seconds: 300, duration_seconds: 6000 }))).toMatchObject({
      play: true,
      completed: false,
      watch_seconds: 300,
      preference: -1, // 5 %: an early abandon
    });
    expect(outcomeOf(event({ type: 'watch', completion: 0.95, duration_seconds: 6000 }))).toMatchObject({
      play: true,
      completed: true,
      watch_seconds: 5700,
    });
    expect(outcomeOf(event({ type: 'complete', duration_seconds: 3000 }))).toMatchObject({ completed: true, watch_seconds: 3000, preference: 3 });
    expect(outcomeOf(event({ type: 'watch' }))!.watch_seconds).toBeUndefined();
  });

  it('is undefined for impressions, searches and events without an item', () => {
    expect(outcomeOf(event({ type: 'impression' }))).toBeUndefined();
    expect(outcomeOf(event({ type: 'search', item_id: undefined }))).toBeUndefined();
    expect(outcomeOf(event({ item_id: undefined }))).toBeUndefined();
  });
});
