import type { promises as fsp } from 'node:fs';

// Streams a JSONL file line by line in fixed-size chunks, so a log larger than memory allows for
// one string (or for the heap of a small host) can still be replayed.

const READ_CHUNK = 4 << 20;
const NEWLINE = 0x0a;

export interface LinesRead {
  /** File offset just past the last "\n": anything after it is an unterminated tail. */
  tailStart: number;
  size: number;
}

/** Calls `onLine` for every "\n"-terminated line (1-based numbers, byte offset of the line start). */
export async function readLines(
  handle: fsp.FileHandle,
  onLine: (text: string, line: number, start: number) => void,
): Promise<LinesRead> {
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = 0;
  let readAt = 0;
  let line = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, readAt);
    if (bytesRead === 0) break;
    readAt += bytesRead;
    const buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const bufferStart = carryStart;
    let lineStart = 0;
    for (let end = buffer.indexOf(NEWLINE, lineStart); end !== -1; end = buffer.indexOf(NEWLINE, lineStart)) {
      line++;
      const start = bufferStart + lineStart;
      const text = buffer.toString('utf8', lineStart, end);
      lineStart = end + 1;
      onLine(text, line, start);
    }
    // The chunk buffer is reused by the next read, so keep a copy of the partial line.
    carry = Buffer.from(buffer.subarray(lineStart));
    carryStart = bufferStart + lineStart;
  }
  return { tailStart: carryStart, size: readAt };
}
