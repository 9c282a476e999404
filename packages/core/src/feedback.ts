import type { InteractionEvent } from './types.js';

/**
 * The one mapping from raw events to training signal. `preference` is signed: positive means the
 * user liked the item, negative that they rejected it; its magnitude is the strength of the evidence.
 * `consumed` marks items the user has actually watched (filtered out of recommendations).
 */
export interface FeedbackSignal {
  preference: number;
  consumed: boolean;
}

const NONE: FeedbackSignal = { preference: 0, consumed: false };

/** Completion below this share of the runtime is an early abandon, a negative signal. */
export const EARLY_ABANDON_COMPLETION = 0.1;

export function completionOf(event: InteractionEvent): number | undefined {
  if (event.completion !== undefined) return clamp01(event.completion);
  if (event.watch_seconds !== undefined && event.duration_seconds) {
    return clamp01(event.watch_seconds / event.duration_seconds);
  }
  return undefined;
}

export function feedbackSignal(event: InteractionEvent): FeedbackSignal {
  if (!event.item_id) return NONE;
  switch (event.type) {
    case 'impression':
    case 'search':
      return NONE;
    case 'click':
      return { preference: 0.5, consumed: false };
    case 'dwell': {
      // Reading a detail page for a while is interest, saturating after two minutes.
      const seconds = event.dwell_seconds ?? 0;
      return { preference: 0.5 * Math.min(1, seconds / 120), consumed: false };
    }
    case 'save':
      return { preference: 2, consumed: false };
    case 'watch': {
      const completion = completionOf(event);
      if (completion === undefined) return { preference: 1, consumed: true };
      if (completion < EARLY_ABANDON_COMPLETION) return { preference: -1, consumed: true };
      return { preference: 0.5 + 2.5 * completion, consumed: true };
    }
    case 'complete':
      return { preference: 3, consumed: true };
    case 'rewatch':
      return { preference: 4, consumed: true };
    case 'rate': {
      // 1-5 stars centred on 3: 5 -> +4, 4 -> +2, 3 -> +0.5 (watched, lukewarm), 2 -> -2, 1 -> -4.
      const rating = event.rating ?? 3;
      const centred = rating - 3;
      return { preference: centred === 0 ? 0.5 : 2 * centred, consumed: true };
    }
    case 'skip':
      return { preference: -2, consumed: false };
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
