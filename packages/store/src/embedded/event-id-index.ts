import { grownSize } from './typed-growth.js';

// The event ids of a table, row by row, with an exact lookup from id to row. An id is kept as its
// bytes in one buffer and found through an open-addressing hash table of row numbers that compares
// the bytes: no false positives (unlike a filter or a digest) at about a third of the memory of a
// Set of strings plus an array of them. Ids with a character beyond ASCII (rare: clients use uuids
// and the like) are kept as strings in a map, since only ASCII maps one byte to one UTF-16 unit
// (and UTF-8 would merge lone surrogates). Rows are only added: a table that loses rows is rebuilt.

const EMPTY = 0;
const MIN_SLOTS = 1024;
/** Not a hash: the id is empty or not ASCII. */
const WIDE = -1;

export class EventIdIndex {
  private bytes = Buffer.alloc(1 << 14);
  private used = 0;
  /** Row r's bytes are bytes[starts[r], starts[r + 1]); none for a wide id. */
  private starts = new Int32Array(1024 + 1);
  /** Row + 1 per slot, EMPTY for none; at most half full so probes stay short. */
  private slots = new Int32Array(MIN_SLOTS);
  /** Ids beyond ASCII: id to row and row to id. */
  private readonly wideRows = new Map<string, number>();
  private readonly wideIds = new Map<number, string>();
  private rows = 0;

  constructor(capacity = 0) {
    if (capacity > 0) {
      this.starts = new Int32Array(capacity + 1);
      this.bytes = Buffer.alloc(capacity * 12);
      this.slots = new Int32Array(slotsFor(capacity));
    }
  }

  get length(): number {
    return this.rows;
  }

  /** Adds `id` as the next row and returns the row, or -1 (adding nothing) when it is already in. */
  add(id: string): number {
    const row = this.rows;
    const hash = asciiHash(id);
    if (hash === WIDE) {
      if (this.wideRows.has(id)) return -1;
      this.wideRows.set(id, row);
      this.wideIds.set(row, id);
      this.pushStart(this.used);
      return row;
    }
    if ((row + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === EMPTY) {
        this.slots[slot] = row + 1;
        break;
      }
      if (this.equals(held - 1, id)) return -1;
    }
    if (this.used + id.length > this.bytes.length) {
      const grown = Buffer.alloc(grownSize(this.bytes.length, this.used + id.length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    for (let i = 0; i < id.length; i++) this.bytes[this.used + i] = id.charCodeAt(i);
    this.pushStart(this.used + id.length);
    return row;
  }

  /** The row of `id`, or -1. */
  find(id: string): number {
    const hash = asciiHash(id);
    if (hash === WIDE) return this.wideRows.get(id) ?? -1;
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === EMPTY) return -1;
      if (this.equals(held - 1, id)) return held - 1;
    }
  }

  at(row: number): string {
    const start = this.starts[row]!;
    const end = this.starts[row + 1]!;
    return start === end ? this.wideIds.get(row)! : this.bytes.toString('latin1', start, end);
  }

  private pushStart(end: number): void {
    this.used = end;
    this.rows++;
    if (this.rows + 1 > this.starts.length) {
      const grown = new Int32Array(grownSize(this.starts.length, this.rows + 2));
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.rows] = end;
  }

  private equals(row: number, id: string): boolean {
    const start = this.starts[row]!;
    if (this.starts[row + 1]! - start !== id.length) return false;
    for (let i = 0; i < id.length; i++) if (this.bytes[start + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let row = 0; row < this.rows; row++) {
      const start = this.starts[row]!;
      const end = this.starts[row + 1]!;
      if (start === end) continue; // wide
      let slot = hashBytes(this.bytes, start, end) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = row + 1;
    }
    this.slots = slots;
  }
}


function slotsFor(rows: number): number {
  let size = MIN_SLOTS;
  while (size < rows * 2 + 2) size *= 2;
  return size;
}

// FNV-1a with a final mix, over bytes (or, for ASCII, the same UTF-16 units); the low bits pick the slot.
function asciiHash(id: string): number {
  if (id.length === 0) return WIDE;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit > 0x7f) return WIDE;
    h = Math.imul(h ^ unit, 0x01000193);
  }
  return mix(h);
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return mix(h);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
