import type { InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { impressionReward, NO_REWARD, rewardOf } from './reward.js';

let next = 0;
function event(type: InteractionEvent['type'], extra: Partial<InteractionEvent> = {}): InteractionEvent {
  return { event_id: `e${next++}`, user_id: 'u1', item_id: 'm1', type, timestamp: '2026-11-26T00:00:00Z', ...extra };
}

describe('rewardOf', () => {
  it('maps each outcome to a Bernoulli success and a completion', () => {
    expect(rewardOf(event('click'))).toEqual({ success: 1, completion: 0 });
    expect(rewardOf(event('watch', { completion: 0.6 }))).toEqual({ success: 1, completion: 0.6 });
    expect(rewardOf(event('watch', { watch_seconds: 1800, duration_seconds: 3600 }))).toEqual({ success: 1, completion: 0.5 });
    expect(rewardOf(event('complete'))).toEqual({ success: 1, completion: 1 });
    expect(rewardOf(event('rewatch'))).toEqual({ success: 1, completion: 1 });
    expect(rewardOf(event('save'))).toEqual({ success: 1, completion: 0 });
  });

  it('counts negatives of the feedback mapping as failures', () => {
    expect(rewardOf(event('skip'))).toEqual({ success: 0, completion: 0 });
    // Early abandon: below 10 % of the runtime is a negative preference.
    expect(rewardOf(event('watch', { completion: 0.05 }))).toEqual({ success: 0, completion: 0.05 });
    expect(rewardOf(event('rate', { rating: 1 }))?.success).toBe(0);
    expect(rewardOf(event('rate', { rating: 4 }))?.success).toBe(1);
  });

  it('gives no reward for events that are not outcomes', () => {
    expect(rewardOf(event('impression'))).toBeUndefined();
    expect(rewardOf(event('search', { item_id: undefined, query: 'x' }))).toBeUndefined();
  });
});

describe('impressionReward', () => {
  it('lets the strongest evidence decide and keeps the most watched', () => {
    expect(impressionReward([event('click'), event('watch', { completion: 0.05 })])).toEqual({ success: 0, completion: 0.05 });
    expect(impressionReward([event('click'), event('complete')])).toEqual({ success: 1, completion: 1 });
    expect(impressionReward([event('watch', { completion: 0.4 }), event('click')])).toEqual({ success: 1, completion: 0.4 });
  });

  it('scores an impression without action as a failure', () => {
    expect(impressionReward([])).toEqual(NO_REWARD);
    expect(impressionReward([event('impression')])).toEqual(NO_REWARD);
  });
});
