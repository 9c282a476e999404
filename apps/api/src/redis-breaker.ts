import { CircuitBreaker, type CircuitBreakerOptions, type JobRunner, type ModelRegistry, type Store } from '@recsys/core';
import { guardJobRunner, guardModelRegistry, guardStore, type RedisStore } from '@recsys/store';
import type { Logger } from 'pino';

// The API replica's circuit breaker on Redis: the store, the model registry and the job queues the
// engine uses go through it (a metrics scrape reading queue depths must not hang either). A killed Redis already fails fast (the clients keep no offline queue); a hung or
// overloaded one does not, and without the breaker every request would wait out its own timeout.

/** Defaults for Redis: a command normally answers in well under a millisecond. */
export const REDIS_BREAKER_DEFAULTS: Required<Omit<CircuitBreakerOptions, 'now' | 'isFailure'>> = {
  failureThreshold: 5,
  coolDownMs: 2000,
  callTimeoutMs: 1000,
};

export interface GuardedRedis {
  breaker: CircuitBreaker;
  store: Store;
  registry: ModelRegistry;
  jobs: JobRunner;
}

export function guardRedis(
  store: RedisStore,
  registry: ModelRegistry,
  jobs: JobRunner,
  logger: Logger,
  options: CircuitBreakerOptions = {},
): GuardedRedis {
  const breaker = new CircuitBreaker('redis', { ...REDIS_BREAKER_DEFAULTS, ...options });
  breaker.onStateChange((state, previous) => {
    if (state === 'open') logger.warn({ previous, cool_down_ms: breaker.coolDownMs }, 'Redis circuit breaker open: failing fast, answering degraded');
    else if (state === 'closed') logger.info({ previous }, 'Redis circuit breaker closed');
  });
  // A reconnection is the best moment for the probe: no need to wait out the rest of the cool-down.
  store.redis.on('ready', () => breaker.probeNow());
  return { breaker, store: guardStore(store, breaker), registry: guardModelRegistry(registry, breaker), jobs: guardJobRunner(jobs, breaker) };
}
