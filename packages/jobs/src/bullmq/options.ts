import type { Redis, RedisOptions } from 'ioredis';

// Settings shared by the producer and consumer sides of the BullMQ job runner.

export interface BullMqConnectionOptions {
  /** The client the queues use (yours to close); workers open duplicates of it. */
  connection?: Redis;
  /** Otherwise a Redis URL; the runner opens and closes its clients. */
  url?: string;
  /** Key prefix of the queues; default "recsys:bull" (keys "recsys:bull:<job name>:..."). */
  prefix?: string;
}

export interface BullMqJobOptions {
  /** Runs of a job before it is marked failed; default 3. */
  attempts?: number;
  /** Delay before the first retry, doubled for each further one; default 10 s. */
  backoffMs?: number;
  /** Completed jobs kept for `get` per job name, oldest dropped first; default 200. */
  retainCompleted?: number;
  /** Failed jobs kept per job name; default 1000. */
  retainFailed?: number;
}

export const DEFAULT_BULL_PREFIX = 'recsys:bull';

/** Reconnection backoff of the clients the runner makes: 100 ms doubling up to 1 s, with jitter. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 1000) - Math.floor(Math.random() * 50);
}

/**
 * The producer client (queues: add, read, schedule) fails fast while Redis is unreachable, as
 * BullMQ recommends for callers that answer HTTP requests: no offline queue, so an enqueue is
 * refused at once instead of hanging until the reconnection.
 */
export const PRODUCER_CONNECTION_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: reconnectDelayMs,
} as const satisfies RedisOptions;

/**
 * Worker clients (duplicates of the producer client, so with its reconnection backoff) wait for the
 * reconnection instead: BullMQ requires maxRetriesPerRequest null for them.
 */
export const WORKER_CONNECTION_OPTIONS = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
} as const satisfies RedisOptions;

export interface ResolvedJobOptions {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: { count: number };
  removeOnFail: { count: number };
}

export function resolveJobOptions(options: BullMqJobOptions): ResolvedJobOptions {
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 10_000;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('attempts must be an integer >= 1');
  if (!(backoffMs >= 0)) throw new RangeError('backoffMs must be >= 0');
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { count: options.retainCompleted ?? 200 },
    removeOnFail: { count: options.retainFailed ?? 1000 },
  };
}
