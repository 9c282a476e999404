import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { exists, fsyncDir, writeFully } from './fs-durability.js';
import { readLines } from './jsonl-reader.js';

// A durable append-only JSONL file with group commit.
//
// Every record is one line of JSON ending in "\n". `append` resolves only after the bytes are
// written and fdatasync'ed. Calls that arrive while a write+sync is in flight wait in a queue and
// all go out together in the next single write+sync, so the number of syncs per second stays
// bounded by the disk, not by the number of callers.
//
// A crash can leave a torn tail: a last line without its "\n" or one that does not parse. It was
// never acknowledged (its sync never returned), so replay drops it and truncates the file back to
// the last whole line. Damage anywhere else is not a torn write and is reported, never repaired.

export class LogCorruptError extends Error {
  override name = 'LogCorruptError';
  readonly code = 'LOG_CORRUPT';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(
      `${file}: line ${line} is corrupt (${reason}). Only a torn last line is repaired automatically; ` +
        'restore the file from a backup or remove the damaged line by hand.',
    );
  }
}

export class LogClosedError extends Error {
  override name = 'LogClosedError';
  readonly code = 'LOG_CLOSED';
}

export interface ReplayResult {
  /** Records read and passed to the callback. */
  records: number;
  /** Bytes of torn tail dropped from the end of the file (0 when it ended cleanly). */
  tornBytes: number;
}

interface PendingAppend {
  text: string;
  onDurable: (() => void) | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AppendLog<T> {
  private handle: fsp.FileHandle | undefined;
  /** Bytes known to be whole lines on disk; the next write goes here. */
  private size = 0;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  /** Set when a failed write could not be cut back: appending more would corrupt the log. */
  private failure: unknown;
  private closed = false;
  /** Write+sync rounds since open; with group commit far fewer than append calls under load. */
  syncs = 0;

  constructor(readonly file: string) {}

  /** True after a failed write could not be undone: the log refuses appends until reopened. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Bytes of whole records in the file. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Opens (creating if needed) the file and replays it: `onRecord` gets every record in order.
   * An error thrown by `onRecord` is reported as a corrupt line.
   */
  async open(onRecord: (record: T, line: number) => void): Promise<ReplayResult> {
    if (this.handle) throw new Error(`${this.file} is already open`);
    const created = !(await exists(this.file));
    const handle = await fsp.open(this.file, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      if (created) await fsyncDir(path.dirname(this.file));
      const result = await this.replay(handle, onRecord);
      this.handle = handle;
      this.closed = false;
      return result;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async replay(handle: fsp.FileHandle, onRecord: (record: T, line: number) => void): Promise<ReplayResult> {
    let records = 0;
    // A line that does not parse is only fatal when a whole line follows it; at the end it is torn.
    let unparsed: { line: number; start: number; reason: string } | undefined;
    const { tailStart, size } = await readLines(handle, (text, line, start) => {
      if (text.trim() === '') return;
      if (unparsed) throw new LogCorruptError(this.file, unparsed.line, unparsed.reason);
      let record: T;
      try {
        record = JSON.parse(text) as T;
      } catch (error) {
        unparsed = { line, start, reason: (error as Error).message };
        return;
      }
      try {
        onRecord(record, line);
      } catch (error) {
        throw new LogCorruptError(this.file, line, (error as Error).message);
      }
      records++;
    });
    const validEnd = unparsed ? unparsed.start : tailStart;
    if (validEnd < size) {
      await handle.truncate(validEnd);
      await handle.datasync();
    }
    this.size = validEnd;
    return { records, tornBytes: size - validEnd };
  }

  /**
   * Appends `records` and resolves once they are durable. `onDurable` runs right after the sync,
   * before the promise resolves, in log order across all callers: callers update in-memory state
   * there so that state never shows a record the disk does not have, nor applies two out of order.
   */
  append(records: readonly T[], onDurable?: () => void): Promise<void> {
    if (this.closed || !this.handle) return Promise.reject(new LogClosedError(`${this.file} is not open`));
    if (this.failure) return Promise.reject(this.failure);
    let text: string;
    try {
      text = records.map((record) => JSON.stringify(record) + '\n').join('');
    } catch (error) {
      return Promise.reject(error);
    }
    if (text === '' && !this.flushing) {
      onDurable?.();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, onDurable, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Yield once: `flushing` must be assigned before the loop can end (and reset it), and appends
    // made in the same tick join the first write.
    await undefined;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const handle = this.handle!;
      const bytes = Buffer.from(batch.map((pending) => pending.text).join(''), 'utf8');
      try {
        if (bytes.byteLength > 0) {
          await writeFully(handle, bytes, this.size);
          await handle.datasync();
          this.size += bytes.byteLength;
          this.syncs++;
        }
      } catch (error) {
        await this.cutBack(handle, error);
        for (const pending of batch) pending.reject(error);
        continue;
      }
      for (const pending of batch) {
        try {
          pending.onDurable?.();
        } catch (error) {
          pending.reject(error);
          continue;
        }
        pending.resolve();
      }
    }
    this.flushing = undefined;
  }

  /** After a failed write (e.g. disk full) removes any partial bytes so later appends stay valid. */
  private async cutBack(handle: fsp.FileHandle, cause: unknown): Promise<void> {
    try {
      await handle.truncate(this.size);
      await handle.datasync();
    } catch {
      this.failure = cause;
    }
  }

  /** Empties the file (after its content was compacted into a snapshot). */
  async clear(): Promise<void> {
    await this.flushing;
    if (!this.handle) throw new LogClosedError(`${this.file} is not open`);
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.size = 0;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
