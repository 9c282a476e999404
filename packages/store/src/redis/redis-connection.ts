import { type ChainableCommander, Redis, type RedisOptions } from 'ioredis';

// Who owns the client: one passed in stays the caller's to close; one made from a URL is closed
// by the adapter that made it.
//
// Clients made from a URL fail fast while Redis is unreachable: no offline queue (a command issued
// while disconnected is rejected at once instead of waiting for the reconnection), and commands in
// flight when the connection drops are rejected, not resent (a resent Lua write could apply twice).
// Callers turn those failures into degraded answers or retryable errors within milliseconds, while
// the client reconnects in the background with a capped backoff.

export interface RedisClientOptions {
  /** A client to use; it stays yours to close (and its retry settings are yours). */
  redis?: Redis;
  /** Otherwise a URL (redis://, rediss://) to connect to; the adapter closes that client. */
  url?: string;
}

/** Longest wait between two reconnection attempts: bounds the recovery once Redis is back. */
export const MAX_RECONNECT_DELAY_MS = 1000;

/** Reconnection backoff: 100 ms doubling up to MAX_RECONNECT_DELAY_MS, with jitter so replicas spread out. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS) - Math.floor(Math.random() * 50);
}

/** ioredis options of the clients the adapters make. */
export const FAIL_FAST_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: reconnectDelayMs,
} as const satisfies RedisOptions;

export class RedisClientHandle {
  readonly redis: Redis;
  readonly owned: boolean;
  private connecting: Promise<void> | undefined;
  private wasReady = false;

  constructor(options: RedisClientOptions) {
    if (options.redis) {
      this.redis = options.redis;
      this.owned = false;
    } else if (options.url) {
      this.redis = new Redis(options.url, FAIL_FAST_OPTIONS);
      this.owned = true;
      // Connection errors surface as failed commands; without a listener ioredis prints each one.
      this.redis.on('error', () => undefined);
    } else {
      throw new TypeError('pass either `redis` (a client) or `url`');
    }
    this.redis.on('ready', () => (this.wasReady = true));
  }

  /**
   * Resolves once an owned client is connected: starts the first connection, or waits for the
   * reconnection under way. Rejects when that attempt fails (the client keeps trying by itself).
   */
  connect(): Promise<void> {
    if (!this.owned || this.redis.status === 'ready') return Promise.resolve();
    this.connecting ??= this.attempt().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /**
   * Before commands of an adapter used without an explicit connect: until the client has been
   * ready once, waits for one connection attempt; afterwards resolves at once, so commands fail
   * fast while Redis is away.
   */
  async firstConnection(): Promise<void> {
    if (!this.wasReady) await this.connect();
  }

  /** Closes the client when it is owned (QUIT, or a hard disconnect when that fails). */
  async close(): Promise<void> {
    if (!this.owned || this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private attempt(): Promise<void> {
    const redis = this.redis;
    if (redis.status === 'wait') return redis.connect();
    if (redis.status === 'end') return Promise.reject(new Error('the Redis client is closed'));
    // Reconnecting: this attempt ends at the next 'ready', or at the next 'close' when it failed.
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        redis.off('ready', ready).off('close', closed).off('end', closed);
        if (error) reject(error);
        else resolve();
      };
      const ready = () => settle();
      const closed = () => settle(new Error('Redis is unreachable'));
      redis.once('ready', ready).once('close', closed).once('end', closed);
    });
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
