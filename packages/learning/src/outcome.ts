import { completionOf, feedbackSignal, type InteractionEvent, type Outcome } from '@recsys/core';

/** A play that reaches this share of the runtime counts as a completion. */
export const COMPLETION_MARK = 0.9;

/** Events without a recommendation_id are attributed to the user's impression of the item within this; 30 min. */
export const DEFAULT_ATTRIBUTION_WINDOW_MS = 30 * 60 * 1000;

/**
 * What an event says about the impression it answers, through the one feedback mapping: the
 * signed preference of feedbackSignal, whether a watch started, whether it reached the completion
 * mark and how many seconds were watched. Undefined for events that are no outcome (impressions,
 * searches, events without an item). `receivedAt` stands in for an unreadable timestamp.
 */
export function outcomeOf(event: InteractionEvent, windowMs = DEFAULT_ATTRIBUTION_WINDOW_MS, receivedAt = Date.now()): Outcome | undefined {
  if (!event.item_id || event.type === 'impression' || event.type === 'search') return undefined;
  const parsed = Date.parse(event.timestamp);
  const at = Number.isFinite(parsed) ? parsed : receivedAt;
  const play = event.type === 'watch' || event.type === 'complete' || event.type === 'rewatch';
  const completion = completionOf(event);
  const finished = event.type === 'complete' || event.type === 'rewatch';
  const outcome: Outcome = {
    event_id: event.event_id,
    user_id: event.user_id,
    item_id: event.item_id,
    event_type: event.type,
    at,
    preference: feedbackSignal(event).preference,
    play,
    completed: finished || (event.type === 'watch' && completion !== undefined && completion >= COMPLETION_MARK),
  };
  const seconds = watchSeconds(event, play, finished, completion);
  if (seconds !== undefined) outcome.watch_seconds = seconds;
  if (event.recommendation_id) outcome.request_id = event.recommendation_id;
  else outcome.window_start = at - windowMs;
  return outcome;
}

function watchSeconds(event: InteractionEvent, play: boolean, finished: boolean, completion: number | undefined): number | undefined {
  if (!play) return undefined;
  if (event.watch_seconds !== undefined && event.watch_seconds >= 0) return event.watch_seconds;
  if (!event.duration_seconds) return undefined;
  if (finished) return event.duration_seconds;
  return completion === undefined ? undefined : completion * event.duration_seconds;
}
