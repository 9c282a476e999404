import type { AppendResult, ErasureReport, InteractionEvent, Store } from '@recsys/core';
import type { Redis } from 'ioredis';
import { DEFAULT_TRENDING_HALF_LIFE_MS } from '../embedded/feature-store.js';
import { assertNoEviction, RedisClientHandle, type RedisClientOptions } from './redis-connection.js';
import { RedisCatalogStore } from './redis-catalog-store.js';
import { RedisEventLog } from './redis-event-log.js';
import { RedisFeatureStore } from './redis-feature-store.js';
import { RedisLearningStore, type RedisLearningStoreOptions } from './redis-learning-store.js';
import { ingestEvents } from './redis-ingest.js';
import { DEFAULT_KEY_PREFIX, RedisKeys } from './redis-keys.js';
import { RedisUserEraser } from './redis-user-eraser.js';
import { RedisUserStore } from './redis-user-store.js';

// The distributed-mode store: catalogue, event log, preferences and features in Redis, shared by
// every API and worker process (key layout in docs/redis-keys.md). Nothing is held in process
// memory, so any number of stores may be open on one Redis at once.
//
// As with any Store, `events.append` does not feed the features: the caller passes the events
// append accepted (`acceptedEvents`) to `features.record`, or calls `ingest`, which does both in
// one atomic script (what the engine does here).

export interface RedisStoreOptions extends RedisClientOptions {
  /** Prefix of every key; default "recsys:". */
  keyPrefix?: string;
  /** Half-life of the items' trending score; default 7 days. Every process must use the same. */
  trendingHalfLifeMs?: number;
  /** Refuse to open when Redis may evict keys (maxmemory-policy other than noeviction); default true. */
  requireNoEviction?: boolean;
  /** How long impressions and attributions are kept (see RedisLearningStoreOptions). */
  learning?: RedisLearningStoreOptions;
}

export class RedisStore implements Store {
  readonly catalog: RedisCatalogStore;
  readonly events: RedisEventLog;
  readonly users: RedisUserStore;
  readonly features: RedisFeatureStore;
  readonly learning: RedisLearningStore;
  readonly keys: RedisKeys;
  private readonly client: RedisClientHandle;
  private readonly eraser: RedisUserEraser;
  private readonly requireNoEviction: boolean;
  /** The last erasure requested here: this process runs them one at a time. */
  private erasing: Promise<unknown> = Promise.resolve();
  private isOpen = false;

  constructor(options: RedisStoreOptions) {
    this.client = new RedisClientHandle(options);
    this.keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.requireNoEviction = options.requireNoEviction ?? true;
    const halfLife = options.trendingHalfLifeMs ?? DEFAULT_TRENDING_HALF_LIFE_MS;
    const redis = this.client.redis;
    this.catalog = new RedisCatalogStore(redis, this.keys);
    this.events = new RedisEventLog(redis, this.keys);
    this.users = new RedisUserStore(redis, this.keys);
    this.features = new RedisFeatureStore(redis, this.keys, { trendingHalfLifeMs: halfLife });
    this.eraser = new RedisUserEraser(redis, this.keys, this.events, halfLife);
    this.learning = new RedisLearningStore(redis, this.keys.prefix, options.learning);
  }

  get redis(): Redis {
    return this.client.redis;
  }

  /** Appends the new events and folds them into the features in one atomic script (see redis-ingest.ts). */
  ingest(events: InteractionEvent[]): Promise<AppendResult> {
    return ingestEvents(this.redis, this.keys, events, this.features.trendingHalfLifeMs);
  }

  /** Connects (when the store made the client) and checks that Redis will not evict its keys. */
  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.client.connect();
    if (this.requireNoEviction) await assertNoEviction(this.redis);
    this.isOpen = true;
  }

  /** Closes the client when the store made it; a client passed in stays open. */
  async close(): Promise<void> {
    this.isOpen = false;
    await this.erasing;
    await this.client.close();
  }

  /** True while open and Redis answers a PING within a second. */
  async healthy(): Promise<boolean> {
    if (!this.isOpen || this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
    try {
      return await Promise.race([this.redis.ping().then((reply) => reply === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Erases the user's events, preferences and features, and corrects the counters of the items
   * they touched (see RedisUserEraser). Erased event ids are kept as SHA-1 digests, so a retry of
   * one is reported as a duplicate. Finishes an erasure a crash left half done first.
   */
  eraseUser(userId: string): Promise<ErasureReport> {
    if (typeof userId !== 'string' || userId === '') return Promise.reject(new TypeError('userId must be a non-empty string'));
    if (!this.isOpen) return Promise.reject(new Error('the store is not open'));
    const run = this.erasing.then(async () => ({ ...(await this.eraser.erase(userId)), learning: await this.learning.eraseUser(userId) }));
    this.erasing = run.catch(() => undefined);
    return run;
  }

  /** Finishes erasures that a crash left between their steps (the worker runs this at start). */
  finishPendingErasures(): Promise<number> {
    return this.eraser.finishPending();
  }
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
