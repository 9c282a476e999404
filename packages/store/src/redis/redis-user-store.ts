import type { UserPreferences, UserStore } from '@recsys/core';
import type { Redis } from 'ioredis';
import { execAll } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

// User preferences in Redis: one JSON string per user (replaced whole), plus the set of known user
// ids that event appends also add to.

export class RedisUserStore implements UserStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async getPreferences(userId: string): Promise<UserPreferences | undefined> {
    const json = await this.redis.get(this.keys.preferences(userId));
    return json === null ? undefined : (JSON.parse(json) as UserPreferences);
  }

  async setPreferences(userId: string, preferences: UserPreferences): Promise<void> {
    if (typeof userId !== 'string' || userId === '') throw new TypeError('userId must be a non-empty string');
    if (typeof preferences !== 'object' || preferences === null) throw new TypeError('preferences must be an object');
    await execAll(this.redis.multi().set(this.keys.preferences(userId), JSON.stringify(preferences)).sadd(this.keys.users, userId));
  }

  /** Every user id known from preferences or events (in no particular order). */
  async userIds(): Promise<string[]> {
    const ids = new Set<string>();
    for await (const page of this.redis.sscanStream(this.keys.users, { count: 1000 })) {
      for (const id of page as string[]) ids.add(id);
    }
    return [...ids];
  }
}
