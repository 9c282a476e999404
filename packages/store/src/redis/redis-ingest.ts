import { type AppendResult, feedbackSignal, type InteractionEvent } from '@recsys/core';
import type { Redis } from 'ioredis';
import { eventTime, POSITIVE_EPSILON } from '../embedded/feature-store.js';
import { runScript } from './lua-scripts.js';
import { checkEvent } from './redis-event-log.js';
import type { RedisKeys } from './redis-keys.js';

// Event ingestion in one Lua script per chunk (events-ingest.lua): the append of the new events
// and the fold of exactly those into the features happen together or not at all. With append and
// record as two calls, a failure in between (Redis lost, a replica killed) acknowledged nothing to
// the client, whose retry was then a duplicate: the events stayed in the log but never reached the
// features that serving reads. The feedback mapping runs here; the script only adds numbers up.

/** Events per script call (a chunk is atomic; a batch of many chunks is idempotent on retry). */
const CHUNK = 500;

export async function ingestEvents(
  redis: Redis,
  keys: RedisKeys,
  events: InteractionEvent[],
  trendingHalfLifeMs: number,
): Promise<AppendResult> {
  events.forEach((event, i) => checkEvent(event, `events[${i}]`));
  const accepted: string[] = [];
  const duplicates: string[] = [];
  for (let start = 0; start < events.length; start += CHUNK) {
    const chunk = events.slice(start, start + CHUNK);
    const scriptKeys = [keys.eventIds, keys.events, keys.eventBodies, keys.users, keys.erasedEventIds, keys.itemFeatures];
    const args: string[] = [String(trendingHalfLifeMs), String(POSITIVE_EPSILON)];
    for (const event of chunk) {
      scriptKeys.push(keys.userEvents(event.user_id), keys.userFeatures(event.user_id));
      const signal = feedbackSignal(event);
      const folds = Boolean(event.item_id) && (signal.preference !== 0 || signal.consumed);
      args.push(
        event.event_id,
        event.user_id,
        JSON.stringify(event),
        folds ? event.item_id! : '',
        String(signal.preference),
        signal.consumed ? '1' : '0',
        String(eventTime(event)),
      );
    }
    const [added, repeated] = (await runScript(redis, 'events-ingest', scriptKeys, args)) as [string[], string[]];
    accepted.push(...added);
    duplicates.push(...repeated);
  }
  return { accepted, duplicates };
}
