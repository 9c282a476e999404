import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppendLog } from './append-log.js';
import { exists, writeFileAtomic } from './fs-durability.js';
import { readLines } from './jsonl-reader.js';

// Durable in-memory state as "snapshot + op log": `<name>.snapshot.jsonl` holds the state as of the
// last compaction, `<name>.log` the operations since. Open loads the snapshot, replays the log and,
// when the log has grown past `compactAfterOps`, writes a new snapshot (temp file, fsync, rename)
// and empties the log, so start-up time follows the size of the state, not of its history.
//
// A crash between the rename and the emptying of the log replays the old log over the new
// snapshot, so ops must be idempotent (upserting a whole record, setting a field) — they are here.
//
// Compaction also removes data: an op that erases a record is followed by a compaction, after which
// neither file holds the record. A crash before that leaves the erasing op in the log; replaying it
// sets `mustCompact`, so the open compacts at once.

export class SnapshotCorruptError extends Error {
  override name = 'SnapshotCorruptError';
  readonly code = 'SNAPSHOT_CORRUPT';
}

export interface SnapshotLogOptions<Op, Rec> {
  dir: string;
  /** File name stem, e.g. "catalog". */
  name: string;
  /** Ops in the log at open from which a new snapshot is written. */
  compactAfterOps: number;
  /** Loads one snapshot record into memory. Throws on a malformed record. */
  restore(record: Rec): void;
  /** Applies one op to memory, on replay and once a committed op is durable. Throws on a malformed op. */
  apply(op: Op): void;
  /** The current state as snapshot records. */
  snapshot(): Iterable<Rec>;
  /** True when the replayed ops must not stay on disk (they erase data): open compacts at once. */
  mustCompact?(): boolean;
}

export interface SnapshotLogOpenResult {
  snapshotRecords: number;
  replayedOps: number;
  tornBytes: number;
  compacted: boolean;
}

interface SnapshotHeader {
  snapshot: string;
  format: number;
  records: number;
}

const SNAPSHOT_FORMAT = 1;

export class SnapshotLog<Op, Rec> {
  private readonly log: AppendLog<Op>;
  readonly snapshotFile: string;

  constructor(private readonly options: SnapshotLogOptions<Op, Rec>) {
    this.log = new AppendLog<Op>(path.join(options.dir, `${options.name}.log`));
    this.snapshotFile = path.join(options.dir, `${options.name}.snapshot.jsonl`);
  }

  async open(): Promise<SnapshotLogOpenResult> {
    await fsp.rm(`${this.snapshotFile}.tmp`, { force: true }); // left by a crash during compaction
    const snapshotRecords = await this.loadSnapshot();
    const { records: replayedOps, tornBytes } = await this.log.open((op) => this.options.apply(op));
    let compacted = false;
    if (replayedOps >= this.options.compactAfterOps || (replayedOps > 0 && this.options.mustCompact?.())) {
      await this.compact();
      compacted = true;
    }
    return { snapshotRecords, replayedOps, tornBytes, compacted };
  }

  /** Appends `ops`; they are applied to memory (in log order) once durable, before this resolves. */
  commit(ops: readonly Op[]): Promise<void> {
    return this.log.append(ops, () => ops.forEach((op) => this.options.apply(op)));
  }

  /**
   * Writes the current state as the snapshot and empties the op log. Commits made meanwhile wait and
   * go to the emptied log, so none is lost between the snapshot and the emptying.
   */
  compact(): Promise<void> {
    return this.log.exclusive(async (log) => {
      const records = [...this.options.snapshot()];
      const header: SnapshotHeader = { snapshot: this.options.name, format: SNAPSHOT_FORMAT, records: records.length };
      await writeFileAtomic(this.snapshotFile, lines(header, records));
      await log.clear();
    });
  }

  /** False once a failed write left the op log unable to take appends. */
  get writable(): boolean {
    return !this.log.failed;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private async loadSnapshot(): Promise<number> {
    if (!(await exists(this.snapshotFile))) return 0;
    const file = this.snapshotFile;
    const handle = await fsp.open(file, 'r');
    let header: SnapshotHeader | undefined;
    let records = 0;
    try {
      const { tailStart, size } = await readLines(handle, (text, line) => {
        try {
          const value = JSON.parse(text) as unknown;
          if (line === 1) {
            header = value as SnapshotHeader;
            if (header.snapshot !== this.options.name || header.format !== SNAPSHOT_FORMAT) {
              throw new Error(`expected a format ${SNAPSHOT_FORMAT} ${this.options.name} snapshot header`);
            }
          } else {
            this.options.restore(value as Rec);
            records++;
          }
        } catch (error) {
          throw new SnapshotCorruptError(`${file}: line ${line} is corrupt (${(error as Error).message})`);
        }
      });
      // Snapshots are renamed into place whole, so a short one means damage, never a torn write.
      if (tailStart !== size || !header || header.records !== records) {
        throw new SnapshotCorruptError(
          `${file} is incomplete: header announces ${header?.records ?? '?'} records, found ${records}`,
        );
      }
    } finally {
      await handle.close();
    }
    return records;
  }
}

function* lines(header: SnapshotHeader, records: readonly unknown[]): Iterable<string> {
  yield JSON.stringify(header) + '\n';
  for (const record of records) yield JSON.stringify(record) + '\n';
}
