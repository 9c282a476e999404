import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ErasureReport, Store } from '@recsys/core';
import { EmbeddedCatalogStore } from './catalog-store.js';
import { lockDataDir } from './dir-lock.js';
import { EmbeddedEventLog } from './event-log.js';
import { EmbeddedFeatureStore } from './feature-store.js';
import { RetainedFeatures } from './retained-features.js';
import { EmbeddedLearningStore, type EmbeddedLearningStoreOptions } from './learning-store.js';
import { StringPool } from './string-pool.js';
import { EmbeddedUserStore } from './user-store.js';

// The all-in-one store: everything in memory, made durable under one data directory:
//   events.log                      append-only event log (JSONL), the source of every model
//   erased-event-ids.log            digests of erased event ids (no user data), so retries stay erased
//   catalog.log, catalog.snapshot.jsonl   catalogue op log and its compacted snapshot
//   users.log, users.snapshot.jsonl       user preferences op log and its compacted snapshot
//   learning.log, learning.snapshot.jsonl  impressions, attributions, experiments, bandit (see learning-store.ts)
//   LOCK                            pid of the process that has the directory open
//   features.retained.jsonl, retention.done   aggregates of events dropped by retention (see retained-features.ts)
// Features are derived: rebuilt on open from events.log and the retained aggregates.
//
// Writes resolve only once durable. Features are not fed by `events.append`: like with any Store,
// the caller passes the events that append accepted to `features.record`.
//
// `eraseUser` removes a user from all of it: the event log is rewritten without their events, the
// preference log compacted without their preferences, their features dropped and the counters of
// the items they touched recomputed from the remaining events.

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** Half-life of the items' trending score; default 7 days. */
  trendingHalfLifeMs?: number;
  /** Catalogue / preference ops in a log at open from which it is compacted; default 1000. */
  compactAfterOps?: number;
  /** Refuse to open a data directory another live process holds; default true. */
  lock?: boolean;
  /** How long and how many impressions are held for attribution, how long attributions are kept. */
  learning?: Pick<EmbeddedLearningStoreOptions, 'impressionWindowMs' | 'maxImpressions' | 'retentionMs'>;
}

/** What `open()` found, for start-up logs. */
export interface EmbeddedStoreOpenReport {
  events: number;
  items: number;
  users: number;
  /** Bytes of unacknowledged torn tail dropped from the logs. */
  tornBytes: number;
  /** Logs compacted into snapshots during this open. */
  compacted: string[];
  /** Events removed on open to finish an erasure that a crash interrupted. */
  erasedEvents: number;
  durationMs: number;
}

export class EmbeddedStore implements Store {
  readonly catalog: EmbeddedCatalogStore;
  readonly events: EmbeddedEventLog;
  readonly users: EmbeddedUserStore;
  readonly features: EmbeddedFeatureStore;
  /** Per (user, item) aggregates of the events retention dropped: features outlive raw events. */
  readonly retained: RetainedFeatures;
  readonly learning: EmbeddedLearningStore;
  readonly dataDir: string;
  /** Set by `open()`. */
  openReport: EmbeddedStoreOpenReport | undefined;
  private readonly lock: boolean;
  private releaseLock: (() => Promise<void>) | undefined;
  private isOpen = false;
  private closed = false;
  /** The last erasure requested: erasures run one at a time. */
  private erasing: Promise<unknown> = Promise.resolve();
  /**
   * Item ids, interned once for the event log, the features and the learning state (a pool each
   * was three 100k-key Maps at 100k items, ~8 MB of heap). Item ids are not personal data, so an
   * erasure leaves them; user ids stay in per-table pools that erasure rebuilds.
   */
  private readonly itemIds = new StringPool();

  constructor(options: EmbeddedStoreOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.lock = options.lock ?? true;
    const compactAfterOps = options.compactAfterOps ?? 1000;
    this.events = new EmbeddedEventLog(path.join(this.dataDir, 'events.log'), undefined, this.itemIds);
    this.features = new EmbeddedFeatureStore({ trendingHalfLifeMs: options.trendingHalfLifeMs, itemIds: this.itemIds });
    this.retained = new RetainedFeatures(this.dataDir, this.features.trendingHalfLifeMs);
    this.events.dropHooks = {
      commit: (dropped) => this.retained.commitDrop(dropped),
      installed: () => this.retained.markDone(),
    };
    this.catalog = new EmbeddedCatalogStore({ dir: this.dataDir, compactAfterOps });
    this.users = new EmbeddedUserStore({
      dir: this.dataDir,
      compactAfterOps,
      eventUserIds: () => this.events.userIds(),
    });
    this.learning = new EmbeddedLearningStore({ dir: this.dataDir, compactAfterOps, ...options.learning, itemIds: this.itemIds });
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    // The in-memory state is built once: a closed store is not reopened, a new one is created.
    if (this.closed) throw new Error('this store was closed; create a new one to open it again');
    const started = performance.now();
    await fsp.mkdir(this.dataDir, { recursive: true });
    if (this.lock) this.releaseLock = await lockDataDir(this.dataDir);
    try {
      // The catalogue first: its ids seed the item pool, so the tables share the catalogue's strings
      // instead of keeping the copies parsed from events.
      const catalog = await this.catalog.open();
      for (const item of await this.catalog.all()) this.itemIds.intern(item.item_id);
      const pendingDrop = await this.retained.open();
      // Retained aggregates first, then each replayed event as it is read (the log keeps events
      // compactly and would otherwise make every one again).
      this.features.foldRetained(this.retained.all());
      const events = await this.events.open(pendingDrop, (event) => this.features.foldEvent(event));
      if (pendingDrop.size > 0) await this.retained.markDone();
      const users = await this.users.open();
      const learning = await this.learning.open();
      this.openReport = {
        events: events.records - events.duplicates - events.erased - events.dropped,
        items: await this.catalog.count(),
        users: (await this.users.userIds()).length,
        tornBytes: events.tornBytes + catalog.tornBytes + users.tornBytes + learning.tornBytes,
        compacted: [...(catalog.compacted ? ['catalog'] : []), ...(users.compacted ? ['users'] : []), ...(learning.compacted ? ['learning'] : [])],
        erasedEvents: events.erased,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      this.closed = true; // partly loaded memory: a retry must use a new store
      await this.closeParts();
      throw error;
    }
    this.isOpen = true;
  }

  /** Waits for pending writes, closes the files and releases the data directory. */
  async close(): Promise<void> {
    this.isOpen = false;
    this.closed = true;
    await this.erasing;
    await this.closeParts();
  }

  /**
   * Erases the user from the events, preferences and features, each durably, and resolves with what
   * was removed. Features are corrected while event appends are held, so callers must record
   * accepted events right after `events.append` resolves (as they do): an event appended before the
   * erasure but recorded after it would be counted twice on the items the user touched.
   * Erased event ids are kept as digests in erased-event-ids.log; other users' `friends` lists that
   * name the user are kept.
   */
  eraseUser(userId: string): Promise<ErasureReport> {
    if (typeof userId !== 'string' || userId === '') return Promise.reject(new TypeError('userId must be a non-empty string'));
    if (!this.isOpen) return Promise.reject(new Error('the store is not open'));
    const run = this.erasing.then(async (): Promise<ErasureReport> => {
      let features = 0;
      const events = await this.events.eraseUser(userId, () => {
        features = this.features.eraseUser(userId, this.events.all(), this.retained.all());
      });
      await this.retained.eraseUser(userId);
      const preferences = await this.users.erase(userId);
      const learning = await this.learning.eraseUser(userId);
      return { user_id: userId, events, preferences, features, learning };
    });
    this.erasing = run.catch(() => undefined);
    return run;
  }

  /** True when the store is open, its logs take appends and a file can be created in the data directory. */
  async healthy(): Promise<boolean> {
    if (!this.isOpen || !this.events.writable || !this.catalog.writable || !this.users.writable || !this.learning.writable) return false;
    // One file per probe: concurrent probes sharing a name removed each other's file and failed.
    const probe = path.join(this.dataDir, `.health-${process.pid}-${++healthProbes}`);
    try {
      await fsp.writeFile(probe, 'ok');
      await fsp.rm(probe);
      return true;
    } catch {
      return false;
    }
  }

  private async closeParts(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.catalog.close(), this.users.close(), this.learning.close()]);
    const release = this.releaseLock;
    this.releaseLock = undefined;
    await release?.();
  }
}

let healthProbes = 0;

export function createEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  return new EmbeddedStore(options);
}
