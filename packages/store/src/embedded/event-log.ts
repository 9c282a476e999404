import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AppendResult, EventLog, InteractionEvent } from '@recsys/core';
import { AppendLog, type Replacement, type ReplayResult } from './append-log.js';
import { EventTable, receivedAt } from './event-table.js';
import type { StringPool } from './string-pool.js';

export { receivedAt };

// The event log: a durable JSONL file (events.log) plus an in-memory table rebuilt from it on open
// (see event-table.ts): every event in append order, each user's events, and the event ids for
// deduplication.
//
// Erasing a user rewrites the file without their events in two steps (see AppendLog): the events
// acknowledged so far, less the user's, are copied to a temp file while appends go on; then, while
// appends wait, the ones appended meanwhile are added and the copy is renamed over the log.
// The erased event ids are kept so that a client retrying an erased event gets "duplicate" instead
// of silently storing it again; as digests, since clients may build ids from user ids. They are in
// erased-event-ids.log, one record per erasure:
//   {"op":"erase","ids":[digest, ...]}   written and synced before the rewrite: the erasure is committed
//   {"op":"done"}                        written after it
// An open that finds an erase record without its done record (a crash in between) drops those
// events while replaying and finishes the rewrite, so a crash leaves the old log or the new one and
// an erasure once committed is never undone.

export interface EventReplayResult extends ReplayResult {
  /** Records skipped on replay because their event_id was already in the log (hand-edited logs). */
  duplicates: number;
  /** Events of an erasure a crash interrupted, removed on open. */
  erased: number;
  /** Events of a retention drop a crash interrupted, removed on open. */
  dropped: number;
}

/**
 * What a retention drop does around the rewrite. `commit` keeps, durably, what must survive the
 * events (the embedded store folds their features into a file of their own) before they leave the
 * file; from the moment it resolves the drop is committed, and an open after a crash must be given
 * the digests of `dropped` so it finishes the drop instead of replaying them. `installed` runs once
 * the file no longer holds them.
 */
export interface DropHooks {
  commit(dropped: readonly InteractionEvent[]): Promise<void>;
  installed?(): Promise<void>;
}

export type ErasureRecord = { op: 'erase'; ids: string[] } | { op: 'done' };

export const ERASED_EVENT_IDS_FILE = 'erased-event-ids.log';

/** The form an erased event id is kept in: a 132-bit SHA-256 prefix, not the id itself. */
export function erasedEventIdDigest(eventId: string): string {
  return createHash('sha256').update(eventId, 'utf8').digest('base64url').slice(0, 22);
}

export class EmbeddedEventLog implements EventLog {
  private readonly log: AppendLog<InteractionEvent>;
  private readonly erasedLog: AppendLog<ErasureRecord>;
  /** Digests of erased event ids. */
  private readonly erased = new Set<string>();
  /** Ids being written right now, with the write that carries them: a concurrent retry waits on it. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * The acknowledged events, which also answer deduplication. Replaced, not changed in place, by an
   * erasure or a drop: a scan in progress keeps the table it started on.
   */
  private table: EventTable;
  /** The last erasure requested: erasures run one at a time. */
  private erasing: Promise<unknown> = Promise.resolve();
  /** What `dropBefore` does around the rewrite, unless the call passes its own hooks. */
  dropHooks: DropHooks | undefined;

  /**
   * `erasedIdsFile` defaults to erased-event-ids.log beside `file`; `itemIds` is the item-id pool
   * the store's other tables may share.
   */
  constructor(file: string, erasedIdsFile = path.join(path.dirname(file), ERASED_EVENT_IDS_FILE), itemIds?: StringPool) {
    this.table = new EventTable({ itemIds });
    this.log = new AppendLog<InteractionEvent>(file);
    this.erasedLog = new AppendLog<ErasureRecord>(erasedIdsFile);
  }

  /**
   * `dropped`: digests of the events of a retention drop a crash interrupted (see DropHooks).
   * `onEvent` sees each event the log keeps, in order, as it is replayed: the place to derive state
   * without making every event again afterwards.
   */
  async open(dropped: ReadonlySet<string> = new Set(), onEvent?: (event: InteractionEvent) => void): Promise<EventReplayResult> {
    // Digests of the last erasure when a crash kept it from finishing.
    let unfinished = new Set<string>();
    const erasures = await this.erasedLog.open((record) => {
      checkErasureRecord(record);
      if (record.op === 'done') {
        unfinished = new Set();
        return;
      }
      unfinished = new Set(record.ids);
      for (const id of record.ids) this.erased.add(id);
    });
    let duplicates = 0;
    let erased = 0;
    let droppedNow = 0;
    const result = await this.log.open((record) => {
      checkEvent(record, 'record');
      if (this.table.has(record.event_id)) {
        duplicates++;
        return;
      }
      if (unfinished.size > 0 && unfinished.has(erasedEventIdDigest(record.event_id))) {
        erased++;
        return;
      }
      if (dropped.size > 0 && dropped.has(erasedEventIdDigest(record.event_id))) {
        droppedNow++;
        return;
      }
      this.index(record);
      onEvent?.(record);
    });
    if (unfinished.size > 0 || droppedNow > 0) {
      await this.log.exclusive(async (log) => {
        if (erased > 0 || droppedNow > 0) await log.replace(eventLines(this.table, 0, this.table.length));
        if (unfinished.size > 0) await this.erasedLog.append([{ op: 'done' }]);
      });
    }
    return { records: result.records, tornBytes: result.tornBytes + erasures.tornBytes, duplicates, erased, dropped: droppedNow };
  }

  /**
   * Removes every event of the user, from memory and from the file, and returns how many. The file
   * is rewritten without them (temp file, fsync, rename, directory fsync). Appends go on while the
   * bulk of it is copied and wait only for the last step; those go to the new file afterwards, in
   * order. `onErased` runs once memory no longer holds the events and before any waiting append is
   * applied (even when the user had none): the place to correct state derived from the log, which
   * then matches `all()` exactly. A rejected call may have removed the events or not; calling again
   * completes it.
   */
  eraseUser(userId: string, onErased?: () => void): Promise<number> {
    try {
      checkUserId(userId, 'userId');
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.erasing.then(() => this.erase(userId, onErased));
    this.erasing = run.catch(() => undefined);
    return run;
  }

  private async erase(userId: string, onErased: (() => void) | undefined): Promise<number> {
    // Erasures and drops are serialised and only they replace `table`, so the table copied here is
    // the one that has grown by the time the writer is held.
    const events = this.table;
    const copied = events.length;
    let prepared: Replacement | undefined;
    if (events.hasUser(userId)) prepared = await this.log.prepareReplacement(eventLines(events, 0, copied, userId));
    try {
      return await this.log.exclusive(async (log) => {
        const theirs = events.rowsOf(userId);
        if (theirs.length > 0) {
          const ids = theirs.map((row) => erasedEventIdDigest(events.eventId(row)));
          // From here the erasure is committed: an open after a crash finishes it.
          await this.erasedLog.append([{ op: 'erase', ids }]);
          if (prepared) await log.install(prepared, eventLines(events, copied, events.length, userId));
          else await log.replace(eventLines(events, 0, events.length, userId)); // their first event came meanwhile
          prepared = undefined;
          this.table = events.withoutUser(userId);
          for (const id of ids) this.erased.add(id);
        }
        onErased?.();
        if (theirs.length > 0) await this.erasedLog.append([{ op: 'done' }]);
        return theirs.length;
      });
    } finally {
      if (prepared) await this.log.discardReplacement(prepared);
    }
  }

  /**
   * Retention: removes the events received before `epochMs` (see `receivedAt`) from memory and
   * from the file, like an erasure (copy while appends go on, install while they wait), after
   * the hooks kept what must outlive them. Their ids leave the deduplication set. Runs in turn with
   * erasures.
   */
  dropBefore(epochMs: number, hooks: DropHooks | undefined = this.dropHooks): Promise<number> {
    const run = this.erasing.then(() => this.drop(epochMs, hooks));
    this.erasing = run.catch(() => undefined);
    return run;
  }

  private async drop(epochMs: number, hooks: DropHooks | undefined): Promise<number> {
    const events = this.table;
    // Which rows are expired, worked out once per row (rows appended meanwhile are added later).
    const expiredRows = new Uint8Array(events.length);
    let found = false;
    for (let row = 0; row < expiredRows.length; row++) {
      if (events.receivedAt(row) < epochMs) {
        expiredRows[row] = 1;
        found = true;
      }
    }
    const expired = (row: number) => (row < expiredRows.length ? expiredRows[row] === 1 : events.receivedAt(row) < epochMs);
    const copied = events.length;
    if (!found) return 0;
    let prepared: Replacement | undefined = await this.log.prepareReplacement(keptLines(events, 0, copied, expired));
    try {
      return await this.log.exclusive(async (log) => {
        const dropped: InteractionEvent[] = [];
        for (let row = 0; row < events.length; row++) if (expired(row)) dropped.push(events.event(row));
        await hooks?.commit(dropped);
        await log.install(prepared!, keptLines(events, copied, events.length, expired));
        prepared = undefined;
        this.table = events.filter((row) => !expired(row));
        await hooks?.installed?.();
        return dropped.length;
      });
    } finally {
      if (prepared) await this.log.discardReplacement(prepared);
    }
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
      if (this.table.has(id) || batchIds.has(id) || inFlight || this.wasErased(id)) {
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

  /** False for an erased event: it is not in the log, though `append` reports a retry of it as a duplicate. */
  async has(eventId: string): Promise<boolean> {
    return this.table.has(eventId);
  }

  async count(): Promise<number> {
    return this.table.length;
  }

  /** Events acknowledged when the scan started, in append order. */
  async *scan(): AsyncIterable<InteractionEvent> {
    const events = this.table;
    const end = events.length;
    for (let row = 0; row < end; row++) yield events.event(row);
  }

  async forUser(userId: string): Promise<InteractionEvent[]> {
    return this.table.forUser(userId);
  }

  /**
   * Every event acknowledged when called, in append order, for in-process rebuilds: made one at a
   * time as the iteration goes (each a new object), so all of them are never in memory at once.
   */
  all(): Iterable<InteractionEvent> {
    return this.table.events(0, this.table.length);
  }

  userIds(): IterableIterator<string> {
    return this.table.userIds();
  }

  /** False once a failed write left the log unable to take appends. */
  get writable(): boolean {
    return !this.log.failed && !this.erasedLog.failed;
  }

  async close(): Promise<void> {
    await Promise.all([this.log.close(), this.erasedLog.close()]);
  }

  private wasErased(eventId: string): boolean {
    return this.erased.size > 0 && this.erased.has(erasedEventIdDigest(eventId));
  }

  private index(event: InteractionEvent): void {
    this.table.push(event);
  }
}

/** Log lines of rows [from, to), without those of `skipUser`. */
function* eventLines(events: EventTable, from: number, to: number, skipUser?: string): Iterable<string> {
  for (let row = from; row < to; row++) {
    if (events.userId(row) !== skipUser) yield JSON.stringify(events.event(row)) + '\n';
  }
}

/** Log lines of rows [from, to) that are not `expired`. */
function* keptLines(events: EventTable, from: number, to: number, expired: (row: number) => boolean): Iterable<string> {
  for (let row = from; row < to; row++) if (!expired(row)) yield JSON.stringify(events.event(row)) + '\n';
}

function checkErasureRecord(record: ErasureRecord): void {
  if (record?.op === 'done') return;
  if (record?.op !== 'erase' || !Array.isArray(record.ids) || !record.ids.every((id) => typeof id === 'string')) {
    throw new Error('expected {"op":"erase","ids":[...]} or {"op":"done"}');
  }
}

function checkUserId(userId: unknown, where: string): void {
  if (typeof userId !== 'string' || userId === '') throw new TypeError(`${where} must be a non-empty string`);
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
