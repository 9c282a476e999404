import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { feedbackSignal, type InteractionEvent } from '@recsys/core';
import { erasedEventIdDigest } from './event-log.js';
import { eventTime } from './feature-store.js';
import { exists, writeFileAtomic } from './fs-durability.js';
import { readLines } from './jsonl-reader.js';

// Retention in the embedded store: features are rebuilt from events.log on open, so the events a
// retention run drops would take their features with them. Before they leave the log, their
// aggregates per (user, item) are folded into features.retained.jsonl, which open() folds in before
// the log. Its first line is a header, the rest one pair per line:
//   {"format":1,"generation":g,"pending":[digest, ...]}
//   {"user_id":..,"item_id":..,"preference":..,"events":..,"consumed":..,"last_at":..,
//    "positive_weight":..,"trending":..,"trending_at":..}
// A drop commits by renaming the new file (generation g + 1, with the digests of the events it
// folded in) into place, then rewrites the log, then writes g + 1 to retention.done. An open that
// finds generation ≠ done (a crash between the two) skips the pending events while replaying the
// log, so nothing is counted twice, and finishes the rewrite. User ids are in the file: an
// erasure rewrites it without the user.

export const RETAINED_FEATURES_FILE = 'features.retained.jsonl';
export const RETENTION_DONE_FILE = 'retention.done';

/** The aggregate of one user's dropped events on one item: enough to rebuild both feature kinds. */
export interface RetainedPair {
  user_id: string;
  item_id: string;
  preference: number;
  events: number;
  consumed: boolean;
  last_at: number;
  /** Sum of the positive preferences (the item's positive_weight share). */
  positive_weight: number;
  /** Decayed positive weight at `trending_at` (the item's trending share). */
  trending: number;
  trending_at: number;
}

interface Header {
  format: 1;
  generation: number;
  pending: string[];
}

const key = (userId: string, itemId: string) => `${userId}\u0000${itemId}`;

/** Adds `weight` at `at` to a decayed sum valid at `sumAt` (the feature store's arithmetic). */
export function addDecayed(sum: number, sumAt: number, weight: number, at: number, halfLifeMs: number): [number, number] {
  return at >= sumAt ? [sum * 2 ** (-(at - sumAt) / halfLifeMs) + weight, at] : [sum + weight * 2 ** (-(sumAt - at) / halfLifeMs), sumAt];
}

/** Folds `b` into `a` (same user and item). */
export function mergePair(a: RetainedPair, b: RetainedPair, halfLifeMs: number): void {
  a.preference += b.preference;
  a.events += b.events;
  a.consumed ||= b.consumed;
  a.last_at = Math.max(a.last_at, b.last_at);
  a.positive_weight += b.positive_weight;
  if (b.positive_weight > 0) [a.trending, a.trending_at] = addDecayed(a.trending, a.trending_at, b.trending, b.trending_at, halfLifeMs);
}

/** The pair aggregates of `events` (only those that carry a signal, as the feature store folds). */
export function pairsOf(events: Iterable<InteractionEvent>, halfLifeMs: number): Map<string, RetainedPair> {
  const pairs = new Map<string, RetainedPair>();
  for (const event of events) {
    const signal = feedbackSignal(event);
    if (!event.item_id || (signal.preference === 0 && !signal.consumed)) continue;
    const at = eventTime(event);
    const positive = signal.preference > 0 ? signal.preference : 0;
    const one: RetainedPair = {
      user_id: event.user_id,
      item_id: event.item_id,
      preference: signal.preference,
      events: 1,
      consumed: signal.consumed,
      last_at: at,
      positive_weight: positive,
      trending: positive,
      trending_at: at,
    };
    const k = key(event.user_id, event.item_id);
    const existing = pairs.get(k);
    if (existing) mergePair(existing, one, halfLifeMs);
    else pairs.set(k, one);
  }
  return pairs;
}

export class RetainedFeatures {
  readonly file: string;
  private readonly doneFile: string;
  private pairs = new Map<string, RetainedPair>();
  private generation = 0;
  /** Digests of events folded in by a drop whose log rewrite has not been confirmed yet. */
  private pending = new Set<string>();
  /** Writes run one at a time (a drop and an erasure may overlap). */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    dir: string,
    private readonly halfLifeMs: number,
  ) {
    this.file = path.join(dir, RETAINED_FEATURES_FILE);
    this.doneFile = path.join(dir, RETENTION_DONE_FILE);
  }

  /** Loads the file; resolves with the digests of events a crash left in the log although folded here. */
  async open(): Promise<Set<string>> {
    await fsp.rm(`${this.file}.tmp`, { force: true });
    if (!(await exists(this.file))) return new Set();
    const handle = await fsp.open(this.file, constants.O_RDONLY);
    let header: Header | undefined;
    try {
      await readLines(handle, (text, line) => {
        if (text.trim() === '') return;
        const record = JSON.parse(text) as Header | RetainedPair;
        if (line === 1) {
          header = record as Header;
          if (header.format !== 1) throw new Error(`${this.file}: unsupported format ${String(header.format)}`);
          return;
        }
        const pair = record as RetainedPair;
        this.pairs.set(key(pair.user_id, pair.item_id), pair);
      });
    } finally {
      await handle.close();
    }
    this.generation = header?.generation ?? 0;
    const done = (await exists(this.doneFile)) ? Number(await fsp.readFile(this.doneFile, 'utf8')) : 0;
    this.pending = done === this.generation ? new Set() : new Set(header?.pending ?? []);
    return new Set(this.pending);
  }

  all(): Iterable<RetainedPair> {
    return this.pairs.values();
  }

  get size(): number {
    return this.pairs.size;
  }

  /** Folds `dropped` in and makes it durable: from here the drop is committed. */
  commitDrop(dropped: readonly InteractionEvent[]): Promise<void> {
    return this.serial(() => this.commit(dropped));
  }

  private async commit(dropped: readonly InteractionEvent[]): Promise<void> {
    // Events an earlier drop folded in but failed to remove from the log are not folded twice.
    const digests = dropped.map((e) => erasedEventIdDigest(e.event_id));
    const fresh = dropped.filter((_, i) => !this.pending.has(digests[i]!));
    const pending = new Set([...this.pending, ...digests]);
    const next = new Map([...this.pairs].map(([k, p]) => [k, { ...p }]));
    for (const [k, pair] of pairsOf(fresh, this.halfLifeMs)) {
      const existing = next.get(k);
      if (existing) mergePair(existing, pair, this.halfLifeMs);
      else next.set(k, pair);
    }
    const generation = this.generation + 1;
    await this.write(next, { format: 1, generation, pending: [...pending] });
    this.pairs = next;
    this.generation = generation;
    this.pending = pending;
  }

  /** Records that the log no longer holds the events of the last committed drop. */
  markDone(): Promise<void> {
    return this.serial(async () => {
      await writeFileAtomic(this.doneFile, [String(this.generation)]);
      this.pending = new Set();
    });
  }

  /** Removes the user's pairs (from memory and disk); false when there were none. */
  eraseUser(userId: string): Promise<boolean> {
    return this.serial(() => this.erase(userId));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async erase(userId: string): Promise<boolean> {
    const next = new Map([...this.pairs].filter(([, p]) => p.user_id !== userId));
    if (next.size === this.pairs.size) return false;
    await this.write(next, { format: 1, generation: this.generation, pending: [...this.pending] });
    this.pairs = next;
    return true;
  }

  private async write(pairs: Map<string, RetainedPair>, header: Header): Promise<void> {
    function* lines(): Iterable<string> {
      yield JSON.stringify(header) + '\n';
      for (const pair of pairs.values()) yield JSON.stringify(pair) + '\n';
    }
    await writeFileAtomic(this.file, lines());
  }
}
