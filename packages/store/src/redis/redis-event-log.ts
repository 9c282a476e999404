import type { AppendResult, EventLog, InteractionEvent } from '@recsys/core';
import type { Redis } from 'ioredis';
import { runScript } from './lua-scripts.js';
import type { RedisKeys } from './redis-keys.js';

// The event log in Redis, the system of record every model is trained from (no TTL): a stream
// orders the events (entry ids carry the append time), a hash holds each event's JSON under its
// entry id, a set of event ids makes appends idempotent, and one list per user indexes their
// entries. Appends run as one Lua script per chunk, so a batch is deduplicated and stored
// atomically against concurrent appends from every API replica.
//
// Durability is Redis's: an append resolves once Redis applied it; run Redis with AOF
// (appendfsync everysec or always) so an acknowledged event survives a Redis restart.

/** Events per script call (a chunk is atomic; a batch of many chunks is idempotent on retry). */
const APPEND_CHUNK = 500;
/** Entries per Redis round trip when reading. */
const PAGE = 1000;

export class RedisEventLog implements EventLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async append(events: InteractionEvent[]): Promise<AppendResult> {
    events.forEach((event, i) => checkEvent(event, `events[${i}]`));
    const accepted: string[] = [];
    const duplicates: string[] = [];
    const { eventIds, events: stream, eventBodies, users, erasedEventIds } = this.keys;
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const chunk = events.slice(start, start + APPEND_CHUNK);
      const keys = [eventIds, stream, eventBodies, users, erasedEventIds, ...chunk.map((e) => this.keys.userEvents(e.user_id))];
      const args = chunk.flatMap((event) => [event.event_id, event.user_id, JSON.stringify(event)]);
      const [added, repeated] = (await runScript(this.redis, 'events-append', keys, args)) as [string[], string[]];
      accepted.push(...added);
      duplicates.push(...repeated);
    }
    return { accepted, duplicates };
  }

  async has(eventId: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.eventIds, eventId)) === 1;
  }

  count(): Promise<number> {
    return this.redis.xlen(this.keys.events);
  }

  /** Events acknowledged when the scan started, in append order, read a page at a time. */
  async *scan(): AsyncIterable<InteractionEvent> {
    const last = await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1);
    if (last.length === 0) return;
    yield* this.range('-', last[0]![0]);
  }

  /** Events with stream entry ids from `start` to `end` (inclusive, '-' for the first), in order. */
  async *range(start: string, end: string): AsyncIterable<InteractionEvent> {
    let from = start;
    for (;;) {
      const entries = await this.redis.xrange(this.keys.events, from, end, 'COUNT', PAGE);
      if (entries.length === 0) return;
      yield* await this.bodies(entries.map(([id]) => id));
      if (entries.length < PAGE) return;
      from = `(${entries.at(-1)![0]}`;
    }
  }

  async forUser(userId: string): Promise<InteractionEvent[]> {
    const events: InteractionEvent[] = [];
    for (let start = 0; ; start += PAGE) {
      const ids = await this.redis.lrange(this.keys.userEvents(userId), start, start + PAGE - 1);
      events.push(...(await this.bodies(ids)));
      if (ids.length < PAGE) return events;
    }
  }

  /**
   * Retention: drops the entries appended before `epochMs` (their stream ids carry the append time,
   * Redis's clock), a page per script call, oldest first; appends go on meanwhile.
   */
  async dropBefore(epochMs: number): Promise<number> {
    if (!(epochMs > 0)) return 0;
    const end = `(${Math.floor(epochMs)}-0`;
    let dropped = 0;
    for (;;) {
      const entries = await this.redis.xrange(this.keys.events, '-', end, 'COUNT', APPEND_CHUNK);
      if (entries.length === 0) return dropped;
      const ids = entries.map(([id]) => id);
      const jsons = await this.redis.hmget(this.keys.eventBodies, ...ids);
      const keys = [this.keys.events, this.keys.eventBodies, this.keys.eventIds];
      const args: string[] = [];
      ids.forEach((entry, i) => {
        const event = jsons[i] ? (JSON.parse(jsons[i]) as InteractionEvent) : undefined;
        keys.push(event ? this.keys.userEvents(event.user_id) : this.keys.eventIds);
        args.push(entry, event?.event_id ?? '');
      });
      dropped += (await runScript(this.redis, 'events-drop', keys, args)) as number;
    }
  }

  /** The events stored under `entryIds`, skipping entries erased meanwhile. */
  private async bodies(entryIds: string[]): Promise<InteractionEvent[]> {
    if (entryIds.length === 0) return [];
    const jsons = await this.redis.hmget(this.keys.eventBodies, ...entryIds);
    return jsons.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as InteractionEvent);
  }
}

export function checkEvent(event: InteractionEvent, where: string): void {
  if (typeof event !== 'object' || event === null) throw new TypeError(`${where} is not an event object`);
  if (typeof event.event_id !== 'string' || event.event_id === '') {
    throw new TypeError(`${where}.event_id must be a non-empty string`);
  }
  if (typeof event.user_id !== 'string' || event.user_id === '') {
    throw new TypeError(`${where}.user_id must be a non-empty string`);
  }
}
