import { type ChainableCommander, Redis } from 'ioredis';

// Who owns the client: one passed in stays the caller's to close; one made from a URL is closed
// by the adapter that made it.

export interface RedisClientOptions {
  /** A client to use; it stays yours to close. */
  redis?: Redis;
  /** Otherwise a URL (redis://, rediss://) to connect to; the adapter closes that client. */
  url?: string;
}

export class RedisClientHandle {
  readonly redis: Redis;
  readonly owned: boolean;

  constructor(options: RedisClientOptions) {
    if (options.redis) {
      this.redis = options.redis;
      this.owned = false;
    } else if (options.url) {
      this.redis = new Redis(options.url, { lazyConnect: true });
      this.owned = true;
    } else {
      throw new TypeError('pass either `redis` (a client) or `url`');
    }
  }

  /** Connects an owned client that is not connected yet. */
  async connect(): Promise<void> {
    if (this.owned && this.redis.status === 'wait') await this.redis.connect();
  }

  /** Closes the client when it is owned (QUIT, or a hard disconnect when that fails). */
  async close(): Promise<void> {
    if (!this.owned || this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export class RedisEvictionError extends Error {
  override name = 'RedisEvictionError';
  readonly code = 'REDIS_EVICTION_POLICY';
}

/**
 * Fails when Redis may evict keys: eviction would silently drop acknowledged events and queue
 * state. Reads INFO (managed services often disable CONFIG).
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new RedisEvictionError(
      `Redis maxmemory-policy is ${policy}: set it to noeviction, evicted keys would lose acknowledged data`,
    );
  }
}

/** Runs a MULTI transaction and throws the first command error instead of returning it. */
export async function execAll(transaction: ChainableCommander): Promise<unknown[]> {
  const results = await transaction.exec();
  if (!results) throw new Error('the Redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}
