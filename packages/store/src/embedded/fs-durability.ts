import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';

// Small helpers for crash-safe file updates. A rename is atomic, but it is only durable once the
// directory that holds the entry is fsynced too; the same goes for a newly created file.

/** Fsyncs a directory so that entries created, renamed or removed in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `bytes` at `position`, looping over short writes. */
export async function writeFully(handle: fsp.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, position + written);
    written += bytesWritten;
  }
}

/**
 * Writes `chunks` to `handle` from `start` and returns the position after them. Text is buffered
 * into ~1 MB writes: one write per record would be slow for large files.
 */
export async function writeChunks(
  handle: fsp.FileHandle,
  chunks: Iterable<string | Uint8Array>,
  start = 0,
): Promise<number> {
  let position = start;
  let pending: string[] = [];
  let pendingLength = 0;
  const flushText = async () => {
    if (pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingLength = 0;
    await writeFully(handle, bytes, position);
    position += bytes.byteLength;
  };
  for (const chunk of chunks) {
    if (typeof chunk === 'string') {
      pending.push(chunk);
      pendingLength += chunk.length;
      if (pendingLength >= 1 << 20) await flushText();
    } else {
      await flushText();
      await writeFully(handle, chunk, position);
      position += chunk.byteLength;
    }
  }
  await flushText();
  return position;
}

/** Writes `chunks` to `file` via a temp file that is fsynced and then renamed over it. */
export async function writeFileAtomic(file: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await fsp.open(temp, 'w');
  try {
    await writeChunks(handle, chunks);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(temp, file);
  await fsyncDir(path.dirname(file));
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
