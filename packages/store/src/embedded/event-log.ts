import type { AppendResult, EventLog, InteractionEvent } from '@recsys/core';
import { AppendLog, type ReplayResult } from './append-log.js';

// The event log: a durable JSONL file (events.log) plus in-memory indexes rebuilt from it on open:
// every event in append order, each user's events, and the set of event ids for deduplication.

export interface EventReplayResult extends ReplayResult {
  /** Records skipped on replay because their event_id was already in the log (hand-edited logs). */
  duplicates: number;
}

export class EmbeddedEventLog implements EventLog {
  private readonly log: AppendLog<InteractionEvent>;
  private readonly seen = new Set<string>();
  /** Ids being written right now, with the write that carries them: a concurrent retry waits on it. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly ordered: InteractionEvent[] = [];
  private readonly byUser = new Map<string, InteractionEvent[]>();

  constructor(file: string) {
    this.log = new AppendLog<InteractionEvent>(file);
  }

  async open(): Promise<EventReplayResult> {
    let duplicates = 0;
    const result = await this.log.open((record) => {
      checkEvent(record, 'record');
      if (this.seen.has(record.event_id)) {
        duplicates++;
        return;
      }
      this.index(record);
    });
    return { ...result, duplicates };
  }

  async append(events: InteractionEvent[]): Promise<AppendResult> {
    events.forEach((event, i) => checkEvent(event, `events[${i}]`));
    const accepted: string[] = [];
    const duplicates: string[] = [];
    const fresh: InteractionEvent[] = [];
    const batchIds = new Set<string>();
    const concurrentWrites = new Set<Promise<void>>();
    for (const event of events) {
      const id = event.event_id;
      const inFlight = this.inFlight.get(id);
      if (this.seen.has(id) || batchIds.has(id) || inFlight) {
        duplicates.push(id);
        // The first copy is still being written: this call must not resolve before it is durable.
        if (inFlight) concurrentWrites.add(inFlight);
        continue;
      }
      batchIds.add(id);
      accepted.push(id);
      fresh.push({ ...event });
    }

    const write = this.log.append(fresh, () => {
      for (const event of fresh) {
        this.inFlight.delete(event.event_id);
        this.index(event);
      }
    });
    for (const id of accepted) this.inFlight.set(id, write);
    try {
      await write;
    } catch (error) {
      for (const id of accepted) this.inFlight.delete(id);
      throw error;
    }
    await Promise.all(concurrentWrites);
    return { accepted, duplicates };
  }

  async has(eventId: string): Promise<boolean> {
    return this.seen.has(eventId);
  }

  async count(): Promise<number> {
    return this.ordered.length;
  }

  /** Events acknowledged when the scan started, in append order. */
  async *scan(): AsyncIterable<InteractionEvent> {
    const end = this.ordered.length;
    for (let i = 0; i < end; i++) yield this.ordered[i]!;
  }

  async forUser(userId: string): Promise<InteractionEvent[]> {
    return this.byUser.get(userId)?.slice() ?? [];
  }

  /** Every acknowledged event in append order (shared, read-only): for in-process rebuilds. */
  all(): readonly InteractionEvent[] {
    return this.ordered;
  }

  userIds(): IterableIterator<string> {
    return this.byUser.keys();
  }

  /** False once a failed write left the log unable to take appends. */
  get writable(): boolean {
    return !this.log.failed;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private index(event: InteractionEvent): void {
    this.seen.add(event.event_id);
    this.ordered.push(event);
    const list = this.byUser.get(event.user_id);
    if (list) list.push(event);
    else this.byUser.set(event.user_id, [event]);
  }
}

function checkEvent(event: InteractionEvent, where: string): void {
  if (typeof event !== 'object' || event === null) throw new TypeError(`${where} is not an event object`);
  if (typeof event.event_id !== 'string' || event.event_id === '') {
    throw new TypeError(`${where}.event_id must be a non-empty string`);
  }
  if (typeof event.user_id !== 'string' || event.user_id === '') {
    throw new TypeError(`${where}.user_id must be a non-empty string`);
  }
}
