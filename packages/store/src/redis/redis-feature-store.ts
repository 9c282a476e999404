import {
  feedbackSignal,
  type FeatureStore,
  type InteractionEvent,
  type ItemFeature,
  type UserItemFeature,
} from '@recsys/core';
import type { Redis } from 'ioredis';
import { DEFAULT_TRENDING_HALF_LIFE_MS, eventTime, POSITIVE_EPSILON } from '../embedded/feature-store.js';
import { decodeItemFeature, decodeUserItemFeature } from './feature-codec.js';
import { runScript } from './lua-scripts.js';

// Features in Redis, persisted (not a cache: serving reads them and they are updated as events
// arrive, no TTL): one hash per user (item -> aggregate) and one hash of item counters. A batch
// of events is folded by one Lua script, atomically, with the embedded store's arithmetic: the
// feedback mapping runs here, the script only adds numbers up.

/** Where a feature store keeps its hashes (the live ones, or a scratch copy while rebuilding). */
export interface FeatureKeys {
  readonly itemFeatures: string;
  /** Set of user ids, added to as features are recorded (and by event appends). */
  readonly users: string;
  userFeatures(userId: string): string;
}

export interface RedisFeatureStoreOptions {
  /** Half-life of the trending score; default 7 days. */
  trendingHalfLifeMs?: number;
}

/** Signals per script call. */
const RECORD_CHUNK = 500;
/** Users per round trip in `allUsers`. */
const PAGE = 200;

export class RedisFeatureStore implements FeatureStore {
  readonly trendingHalfLifeMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FeatureKeys,
    options: RedisFeatureStoreOptions = {},
  ) {
    this.trendingHalfLifeMs = options.trendingHalfLifeMs ?? DEFAULT_TRENDING_HALF_LIFE_MS;
    if (!(this.trendingHalfLifeMs > 0)) throw new RangeError('trendingHalfLifeMs must be > 0');
  }

  async record(events: InteractionEvent[]): Promise<void> {
    const signals = events.flatMap((event) => {
      const signal = feedbackSignal(event);
      if (!event.item_id || (signal.preference === 0 && !signal.consumed)) return [];
      return [{ userId: event.user_id, itemId: event.item_id, ...signal, at: eventTime(event) }];
    });
    for (let start = 0; start < signals.length; start += RECORD_CHUNK) {
      const chunk = signals.slice(start, start + RECORD_CHUNK);
      const keys = [this.keys.itemFeatures, this.keys.users, ...chunk.map((s) => this.keys.userFeatures(s.userId))];
      const args = [
        String(this.trendingHalfLifeMs),
        String(POSITIVE_EPSILON),
        ...chunk.flatMap((s) => [s.userId, s.itemId, String(s.preference), s.consumed ? '1' : '0', String(s.at)]),
      ];
      await runScript(this.redis, 'features-record', keys, args);
    }
  }

  async userItems(userId: string): Promise<UserItemFeature[]> {
    const fields = await this.redis.hgetall(this.keys.userFeatures(userId));
    return Object.entries(fields).map(([itemId, raw]) => decodeUserItemFeature(itemId, raw));
  }

  /** Every item's counters, read with HSCAN so a large catalogue never blocks Redis. */
  async items(): Promise<ItemFeature[]> {
    const items = new Map<string, ItemFeature>();
    for await (const page of this.redis.hscanStream(this.keys.itemFeatures, { count: 1000 })) {
      const flat = page as string[];
      for (let i = 0; i < flat.length; i += 2) items.set(flat[i]!, decodeItemFeature(flat[i]!, flat[i + 1]!));
    }
    return [...items.values()];
  }

  async *allUsers(): AsyncIterable<[userId: string, items: UserItemFeature[]]> {
    const seen = new Set<string>(); // SSCAN may return an id twice
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.sscan(this.keys.users, cursor, 'COUNT', PAGE);
      cursor = next;
      const fresh = ids.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      const pipeline = this.redis.pipeline();
      for (const id of fresh) pipeline.hgetall(this.keys.userFeatures(id));
      const results = (await pipeline.exec()) ?? [];
      for (let i = 0; i < fresh.length; i++) {
        const [error, fields] = results[i]!;
        if (error) throw error;
        const entries = Object.entries(fields as Record<string, string>);
        if (entries.length > 0) yield [fresh[i]!, entries.map(([itemId, raw]) => decodeUserItemFeature(itemId, raw))];
      }
    } while (cursor !== '0');
  }
}
