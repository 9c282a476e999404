import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppendLog, LogCorruptError } from './append-log.js';

interface Rec {
  n: number;
}

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'append-log-'));
  dirs.push(dir);
  return path.join(dir, 'test.log');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function replay(file: string): Promise<{ log: AppendLog<Rec>; records: Rec[]; tornBytes: number }> {
  const log = new AppendLog<Rec>(file);
  const records: Rec[] = [];
  const { tornBytes } = await log.open((record) => records.push(record));
  return { log, records, tornBytes };
}

describe('AppendLog', () => {
  it('replays appended records in order after reopening', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }, { n: 2 }]);
    await log.append([{ n: 3 }]);
    await log.close();
    const again = await replay(file);
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await again.log.close();
  });

  it('coalesces concurrent appends into few write+sync rounds and keeps their order', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    const applied: number[] = [];
    await Promise.all(Array.from({ length: 500 }, (_, n) => log.append([{ n }], () => applied.push(n))));
    expect(log.syncs).toBeLessThan(50);
    expect(applied).toEqual(Array.from({ length: 500 }, (_, n) => n));
    await log.close();
    const { records, log: again } = await replay(file);
    expect(records.map((r) => r.n)).toEqual(applied);
    await again.close();
  });

  it('drops a torn last line, truncates it away and keeps appending after it', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }, { n: 2 }]);
    await log.close();
    const whole = fs.statSync(file).size;
    fs.appendFileSync(file, '{"n":3,"pad'); // crash in mid-write

    const torn = await replay(file);
    expect(torn.records).toEqual([{ n: 1 }, { n: 2 }]);
    expect(torn.tornBytes).toBe('{"n":3,"pad'.length);
    expect(fs.statSync(file).size).toBe(whole);
    await torn.log.append([{ n: 4 }]);
    await torn.log.close();

    const after = await replay(file);
    expect(after.records).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
    expect(after.tornBytes).toBe(0);
    await after.log.close();
  });

  it('treats an unterminated last line as torn even when it parses (its sync never returned)', async () => {
    const file = tempFile();
    fs.writeFileSync(file, '{"n":1}\n{"n":2}');
    const { records, log } = await replay(file);
    expect(records).toEqual([{ n: 1 }]);
    await log.close();
  });

  it('treats garbage after the last newline-terminated record (zero fill) as torn', async () => {
    const file = tempFile();
    fs.writeFileSync(file, Buffer.concat([Buffer.from('{"n":1}\n'), Buffer.alloc(100), Buffer.from('\n')]));
    const { records, log } = await replay(file);
    expect(records).toEqual([{ n: 1 }]);
    expect(fs.statSync(file).size).toBe(8);
    await log.close();
  });

  it('refuses a corrupt line that is not the last, naming the file and line', async () => {
    const file = tempFile();
    fs.writeFileSync(file, '{"n":1}\n{"n":2,,}\n{"n":3}\n');
    const log = new AppendLog<Rec>(file);
    const error = await log.open(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogCorruptError);
    expect((error as LogCorruptError).code).toBe('LOG_CORRUPT');
    expect((error as Error).message).toContain(`${file}: line 2`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2,,}\n{"n":3}\n'); // left untouched
  });

  it('reports a record its reader rejects as a corrupt line', async () => {
    const file = tempFile();
    fs.writeFileSync(file, '{"n":1}\n{"m":2}\n');
    const log = new AppendLog<Rec>(file);
    const error = await log
      .open((record) => {
        if (typeof record.n !== 'number') throw new Error('n is missing');
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/line 2 is corrupt \(n is missing\)/);
  });

  it('replays lines larger than its read chunk and across chunk boundaries', async () => {
    const file = tempFile();
    const big = 'x'.repeat(5 << 20);
    const lines = [JSON.stringify({ n: 1, big }), ...Array.from({ length: 1000 }, (_, i) => JSON.stringify({ n: i + 2 }))];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { records, log } = await replay(file);
    expect(records).toHaveLength(1001);
    expect((records[0] as Rec & { big: string }).big.length).toBe(big.length);
    expect(records.at(-1)).toEqual({ n: 1001 });
    await log.close();
  });

  it('rejects appends after close but flushes those queued before it', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    const queued = log.append([{ n: 1 }]);
    const closing = log.close();
    await expect(log.append([{ n: 2 }])).rejects.toThrow(/not open/);
    await queued;
    await closing;
    const { records, log: again } = await replay(file);
    expect(records).toEqual([{ n: 1 }]);
    await again.close();
  });

  it('cuts a failed partial write back so the log stays valid and appendable', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }]);
    const handle = (log as unknown as { handle: fs.promises.FileHandle }).handle;
    const write = handle.write.bind(handle);
    // Disk full after half the bytes.
    (handle as unknown as { write: unknown }).write = async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      await write(buffer, offset, Math.ceil(length / 2), position);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    await expect(log.append([{ n: 2 }, { n: 3 }])).rejects.toThrow(/ENOSPC/);
    (handle as unknown as { write: unknown }).write = write;
    expect(log.failed).toBe(false);
    await log.append([{ n: 4 }]);
    await log.close();
    const { records, tornBytes, log: again } = await replay(file);
    expect(records).toEqual([{ n: 1 }, { n: 4 }]);
    expect(tornBytes).toBe(0);
    await again.close();
  });

  it('holds appends during an exclusive section and writes them, in order, to the replaced file', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }, { n: 2 }]);
    const applied: number[] = [];
    const held: Promise<void>[] = [];
    await log.exclusive(async (locked) => {
      held.push(log.append([{ n: 3 }], () => applied.push(3)), log.append([{ n: 4 }], () => applied.push(4)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(applied).toEqual([]); // nothing is written while the section holds the file
      await locked.replace(['{"n":10}\n']);
    });
    await Promise.all(held);
    expect(applied).toEqual([3, 4]);
    await log.append([{ n: 5 }]);
    await log.close();
    const again = await replay(file);
    expect(again.records).toEqual([{ n: 10 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['test.log']);
    await again.log.close();
  });

  it('keeps the old file and stays appendable when a replacement fails half-written', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }]);
    function* failing(): Iterable<string> {
      yield '{"n":10}\n'.repeat(200_000); // flushed to the temp file before the failure
      throw new Error('source failed');
    }
    await expect(log.exclusive((locked) => locked.replace(failing()))).rejects.toThrow('source failed');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['test.log']);
    await log.append([{ n: 2 }]);
    await log.close();
    const again = await replay(file);
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }]);
    await again.log.close();
  });

  it('removes on open a temp file a crash left during a replacement', async () => {
    const file = tempFile();
    fs.writeFileSync(file, '{"n":1}\n');
    fs.writeFileSync(`${file}.tmp`, '{"n":9}\n');
    const { log, records } = await replay(file);
    expect(records).toEqual([{ n: 1 }]);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    await log.close();
  });

  it('runs exclusive sections one at a time and closes only after them', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    const order: string[] = [];
    const section = (name: string, ms: number) =>
      log.exclusive(async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} end`);
      });
    const first = section('a', 20);
    const second = section('b', 1);
    const closing = log.close().then(() => order.push('closed'));
    await Promise.all([first, second, closing]);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'closed']);
    await expect(log.exclusive(async () => {})).rejects.toThrow(/not open/);
  });

  it('prepares a replacement while appends go on and installs it with what they added', async () => {
    const file = tempFile();
    const { log } = await replay(file);
    await log.append([{ n: 1 }, { n: 2 }]);
    const prepared = await log.prepareReplacement(['{"n":20}\n']);
    await log.append([{ n: 3 }]); // lands in the old file; the caller carries it over
    await log.exclusive((locked) => locked.install(prepared, ['{"n":30}\n']));
    await log.append([{ n: 4 }]);
    await log.close();
    const again = await replay(file);
    expect(again.records).toEqual([{ n: 20 }, { n: 30 }, { n: 4 }]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['test.log']);
    await again.log.close();

    const other = await replay(file);
    const discarded = await other.log.prepareReplacement(['{"n":99}\n']);
    await other.log.discardReplacement(discarded);
    await expect(other.log.exclusive((locked) => locked.install(discarded, []))).rejects.toThrow(/not a replacement/);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['test.log']);
    await other.log.close();
  });
});
