import { feedbackSignal, type InteractionEvent, type Item, type Store, completionOf } from '@recsys/core';
import { bucketsOf, isSouthern, isValidTimeZone, localTime, offsetOfTimestamp, UTC, type Zone } from './local-time.js';

/** One event with what the context learners read off it, precomputed once. */
export interface TimedEvent {
  event: InteractionEvent;
  /** Epoch milliseconds the user acted. */
  at: number;
  preference: number;
  consumed: boolean;
  completion: number | undefined;
  /** Global bucket ids (part of day, part of week, season) in the event's local time. */
  buckets: [number, number, number];
}

/** Time-ordered events per user: what context aggregates are fitted from at training time. */
export interface ContextHistory {
  items: readonly Item[];
  /** Each user's events, oldest first (search events included: they name no item). */
  users: Map<string, TimedEvent[]>;
  /** The latest event time: the "now" of the fitted aggregates. */
  endMs: number;
}

/** The zone an event's local time is read in: its own, else its timestamp's offset, else `fallback`. */
export function zoneOfEvent(event: InteractionEvent, fallback: Zone = UTC): Zone {
  if (event.timezone && isValidTimeZone(event.timezone)) return event.timezone;
  return offsetOfTimestamp(event.timestamp) ?? fallback;
}

export function timedEvent(event: InteractionEvent, fallbackZone: Zone = UTC): TimedEvent | undefined {
  const at = Date.parse(event.timestamp);
  if (!Number.isFinite(at)) return undefined;
  const zone = zoneOfEvent(event, fallbackZone);
  const signal = feedbackSignal(event);
  return {
    event,
    at,
    preference: signal.preference,
    consumed: signal.consumed,
    completion: completionOf(event),
    buckets: bucketsOf(localTime(at, zone), isSouthern(zone)),
  };
}

/** Sorts each user's events by time (stable, so same-second events keep their log order). */
export function historyFromEvents(events: Iterable<InteractionEvent>, items: readonly Item[], fallbackZone: Zone = UTC): ContextHistory {
  const users = new Map<string, TimedEvent[]>();
  let endMs = 0;
  for (const event of events) {
    const timed = timedEvent(event, fallbackZone);
    if (!timed) continue;
    let list = users.get(event.user_id);
    if (!list) users.set(event.user_id, (list = []));
    list.push(timed);
    if (timed.at > endMs) endMs = timed.at;
  }
  for (const list of users.values()) list.sort((a, b) => a.at - b.at);
  return { items, users, endMs };
}

/** The whole event log as a history (one scan, at training time only). */
export async function historyFromStore(store: Store, items: readonly Item[]): Promise<ContextHistory> {
  const events: InteractionEvent[] = [];
  for await (const event of store.events.scan()) events.push(event);
  return historyFromEvents(events, items);
}
