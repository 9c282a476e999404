import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { exists, fsyncDir, writeChunks, writeFully } from './fs-durability.js';
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
//
// `exclusive` holds the writer for a while (appends queue up meanwhile) so the file can be cleared
// or replaced whole: the replacement is written to `<file>.tmp`, fsynced, renamed over the file and
// the directory fsynced, so a crash leaves either the old file or the new one. A large replacement
// is prepared before taking the writer (`prepareReplacement`, appends go on meanwhile) and only
// completed with what was appended since and installed while appends wait (`LockedLog.install`).

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

/** What may be done to the file while `exclusive` holds the writer. */
export interface LockedLog {
  /** Empties the file. */
  clear(): Promise<void>;
  /**
   * Makes `lines` (whole "\n"-terminated records) the file's content, crash-atomically. Appends that
   * queued meanwhile go to the new file once the exclusive section ends.
   */
  replace(lines: Iterable<string | Uint8Array>): Promise<void>;
  /** Like `replace`, for a prepared replacement to which `tail` is added first. */
  install(replacement: Replacement, tail: Iterable<string | Uint8Array>): Promise<void>;
}

/** A replacement of the file written (and synced) while appends went on; see `prepareReplacement`. */
export interface Replacement {
  /** Bytes written so far. */
  readonly bytes: number;
}

interface PreparedFile extends Replacement {
  handle: fsp.FileHandle;
  bytes: number;
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
  /** True while an exclusive section holds the writer: the flush loop stops between rounds. */
  private locked = false;
  /** The last exclusive section requested; the next one starts after it. */
  private lockChain: Promise<void> = Promise.resolve();
  /** The replacement being prepared, if any: it owns the temp file. */
  private prepared: PreparedFile | undefined;
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
    // Left by a crash during `replace`: the old file is still the log, and the copy may hold records
    // that were removed from it since.
    await fsp.rm(this.tempFile, { force: true });
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
    if (text === '' && !this.flushing && this.queue.length === 0) {
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
    // An exclusive section waits for the round in progress, then has the file to itself; it restarts
    // the loop for whatever queued meanwhile.
    while (this.queue.length > 0 && !this.locked) {
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

  /**
   * Runs `fn` with the writer held: the write+sync round in progress completes first, appends made
   * meanwhile wait (in order) and go to the file as it is when `fn` settles. Sections run one at a
   * time, in call order.
   */
  exclusive<R>(fn: (log: LockedLog) => Promise<R>): Promise<R> {
    if (this.closed || !this.handle) return Promise.reject(new LogClosedError(`${this.file} is not open`));
    const run = this.lockChain.then(async () => {
      this.locked = true;
      try {
        await this.flushing;
        if (this.failure) throw this.failure;
        return await fn({
          clear: () => this.clearLocked(),
          replace: async (lines) => this.installLocked(await this.prepareReplacement(lines), []),
          install: (replacement, tail) => this.installLocked(replacement, tail),
        });
      } finally {
        this.locked = false;
        if (this.queue.length > 0) this.flushing ??= this.flushLoop();
      }
    });
    this.lockChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private get tempFile(): string {
    return `${this.file}.tmp`;
  }

  private async clearLocked(): Promise<void> {
    const handle = this.lockedHandle();
    await handle.truncate(0);
    await handle.datasync();
    this.size = 0;
  }

  /**
   * Writes `lines` to the temp file beside the log and syncs it, while appends go on; the caller
   * then installs it inside `exclusive` (adding what was appended meanwhile) or discards it. One
   * replacement at a time.
   */
  async prepareReplacement(lines: Iterable<string | Uint8Array>): Promise<Replacement> {
    if (this.closed || !this.handle) throw new LogClosedError(`${this.file} is not open`);
    if (this.prepared) throw new Error(`${this.file}: a replacement is already being prepared`);
    const handle = await fsp.open(this.tempFile, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
    const prepared: PreparedFile = { handle, bytes: 0 };
    this.prepared = prepared;
    try {
      prepared.bytes = await writeChunks(handle, lines);
      await handle.sync();
    } catch (error) {
      await this.discardReplacement(prepared);
      throw error;
    }
    return prepared;
  }

  /** Deletes a prepared replacement that will not be installed; nothing when it was installed. */
  async discardReplacement(replacement: Replacement): Promise<void> {
    if (this.prepared !== replacement) return;
    this.prepared = undefined;
    await (replacement as PreparedFile).handle.close().catch(() => {});
    await fsp.rm(this.tempFile, { force: true }).catch(() => {});
  }

  private async installLocked(replacement: Replacement, tail: Iterable<string | Uint8Array>): Promise<void> {
    const old = this.lockedHandle();
    if (this.prepared !== replacement) throw new Error(`${this.file}: not a replacement prepared for this log`);
    const prepared = replacement as PreparedFile;
    const { handle } = prepared;
    try {
      prepared.bytes = await writeChunks(handle, tail, prepared.bytes);
      await handle.sync();
      await fsp.rename(this.tempFile, this.file);
    } catch (error) {
      await this.discardReplacement(prepared);
      throw error;
    }
    // The name now points at the new file: appends must go there from here on, whatever follows.
    this.prepared = undefined;
    this.handle = handle;
    this.size = prepared.bytes;
    await old.close().catch(() => {});
    await fsyncDir(path.dirname(this.file));
  }

  private lockedHandle(): fsp.FileHandle {
    if (!this.locked || !this.handle) throw new Error(`${this.file}: only inside exclusive()`);
    return this.handle;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.lockChain;
    await this.flushing;
    if (this.prepared) await this.discardReplacement(this.prepared);
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
