// Helpers shared by this folder's tests (temp directories, event builders).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventType, InteractionEvent } from '@recsys/core';

export function tempDir(prefix = 'recsys-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const BASE = Date.parse('2026-01-01T00:00:00Z');
export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;

export function event(
  event_id: string,
  user_id: string,
  item_id: string,
  type: EventType = 'complete',
  fields: Partial<InteractionEvent> & { at?: number } = {},
): InteractionEvent {
  const { at = 0, ...rest } = fields;
  return { event_id, user_id, item_id, type, timestamp: new Date(BASE + at).toISOString(), ...rest };
}

export function atMs(offset: number): number {
  return BASE + offset;
}

/** Files under `dir` (recursively) whose bytes contain `needle`, as paths relative to `dir`. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes(bytes)) found.push(path.relative(dir, file));
  }
  return found;
}
