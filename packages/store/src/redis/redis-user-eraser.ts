import { randomUUID } from 'node:crypto';
import type { ErasureReport, InteractionEvent } from '@recsys/core';
import type { Redis } from 'ioredis';
import { runScript } from './lua-scripts.js';
import type { RedisEventLog } from './redis-event-log.js';
import { RedisFeatureStore } from './redis-feature-store.js';
import { RedisKeys } from './redis-keys.js';

// Erasing a user from Redis, in two atomic steps around a replay:
//   1. user-erase.lua removes the user's events, preferences and user-item features, and records
//      the erasure (the touched items' counters as they were, the last stream entry) in `erasures`;
//   2. the other users' events on the touched items, up to that entry, are replayed into scratch
//      keys (same Lua arithmetic as live ingestion, so the counters come out as a store that never
//      saw the user would have them);
//   3. erasure-commit.lua installs the rebuilt counters, plus whatever was recorded on those items
//      since step 1, and closes the erasure.
// A crash after step 1 leaves the erasure recorded; the next `erase` (any user) finishes it first.
// Erasures run one at a time across all processes; the replay reads the whole stream once.

/** Events replayed per script call, and the life of scratch keys left by a crash. */
const CHUNK = 500;
const SCRATCH_TTL_SECONDS = 3600;
const MAX_WAITS = 20;

interface PendingErasure {
  token: string;
  /** Last stream entry id when step 1 ran. */
  last: string;
  /** item_id, counters as step 1 saw them ('' when none), item_id, ... */
  before: string[];
}

export class RedisUserEraser {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEventLog,
    private readonly trendingHalfLifeMs: number,
  ) {}

  async erase(userId: string): Promise<ErasureReport> {
    for (let wait = 0; wait < MAX_WAITS; wait++) {
      await this.finishPending();
      const k = this.keys;
      const keys = [
        k.events,
        k.eventBodies,
        k.eventIds,
        k.erasedEventIds,
        k.userEvents(userId),
        k.preferences(userId),
        k.users,
        k.userFeatures(userId),
        k.itemFeatures,
        k.erasures,
      ];
      const result = (await runScript(this.redis, 'user-erase', keys, [userId, randomUUID()])) as [string, number?, number?, number?];
      if (result[0] === 'pending') continue; // another erasure started in between: finish it too
      const [, events = 0, preferences = 0, features = 0] = result;
      if (features > 0) await this.finishPending();
      return { user_id: userId, events, preferences: preferences === 1, features };
    }
    throw new Error(`could not start erasing ${userId}: other erasures kept starting first`);
  }

  /** Finishes every erasure a crash or another process left between its steps; returns how many. */
  async finishPending(): Promise<number> {
    const pending = await this.redis.hgetall(this.keys.erasures);
    for (const [userId, json] of Object.entries(pending)) await this.complete(userId, JSON.parse(json) as PendingErasure);
    return Object.keys(pending).length;
  }

  private async complete(userId: string, state: PendingErasure): Promise<void> {
    const touched = new Set(state.before.filter((_, i) => i % 2 === 0));
    const scratchKeys = new RedisKeys(`${this.keys.prefix}erasure:${randomUUID()}:`);
    const scratch = new RedisFeatureStore(this.redis, scratchKeys, { trendingHalfLifeMs: this.trendingHalfLifeMs });
    const users = new Set<string>();
    try {
      let batch: InteractionEvent[] = [];
      const flush = async () => {
        await scratch.record(batch);
        const expiring = this.redis
          .pipeline()
          .expire(scratchKeys.itemFeatures, SCRATCH_TTL_SECONDS)
          .expire(scratchKeys.users, SCRATCH_TTL_SECONDS);
        for (const user of new Set(batch.map((event) => event.user_id))) {
          expiring.expire(scratchKeys.userFeatures(user), SCRATCH_TTL_SECONDS);
        }
        await expiring.exec();
        batch = [];
      };
      for await (const event of this.events.range('-', state.last)) {
        if (event.user_id === userId || event.item_id === undefined || !touched.has(event.item_id)) continue;
        batch.push(event);
        users.add(event.user_id);
        if (batch.length >= CHUNK) await flush();
      }
      if (batch.length > 0) await flush();
      await runScript(
        this.redis,
        'erasure-commit',
        [this.keys.itemFeatures, scratchKeys.itemFeatures, this.keys.erasures],
        [userId, state.token, String(this.trendingHalfLifeMs)],
      );
    } finally {
      const scratchUserKeys = [...users].map((user) => scratchKeys.userFeatures(user));
      for (let start = 0; start < scratchUserKeys.length; start += CHUNK) {
        await this.redis.unlink(...scratchUserKeys.slice(start, start + CHUNK));
      }
      await this.redis.unlink(scratchKeys.itemFeatures, scratchKeys.users);
    }
  }
}
