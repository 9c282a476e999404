import { createVectorIndexFactory } from '@recsys/ann';
import type { CircuitBreaker } from '@recsys/core';
import { RecommendationEngine, type EngineOptions } from '@recsys/engine';
import { BullMqJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore, impressionWindowFor, type RedisModelRegistry, type RedisStore } from '@recsys/store';
import pino, { type Logger } from 'pino';
import type { App } from './app-types.js';
import type { ServiceConfig } from './config.js';
import { seedDemo } from './demo-seed.js';
import { SERVICE_VERSION } from './embedded-service.js';
import { retryInBackground } from './retry-in-background.js';
import { guardRedis } from './redis-breaker.js';
import { buildServer } from './server.js';
import { createPseudonymiser } from './plugins/observability.js';

export interface RedisSettings {
  url: string;
  /** Prefix of every Redis key; the workers must use the same. Default "recsys:". */
  keyPrefix?: string;
}

export interface DistributedService {
  app: App;
  engine: RecommendationEngine;
  store: RedisStore;
  registry: RedisModelRegistry;
  /** The circuit breaker the engine's Redis calls go through (state in /readyz and /metrics). */
  breaker: CircuitBreaker;
  logger: Logger;
  /**
   * Resolves once the replica reached Redis and serves normally (store open, active version
   * loaded, activations followed). Until then it answers: /readyz 503, recommendations 200 marked
   * degraded (from nothing loaded yet: an empty list), writes 503.
   */
  connected: Promise<void>;
  /** Stops accepting requests and closes the Redis connections. */
  close(): Promise<void>;
}

/** Waits between attempts to reach Redis at start: doubling from the first, capped. */
const CONNECT_RETRY = { initialDelayMs: 100, maxDelayMs: 1000 };

/**
 * Wires the distributed mode's API replica: the Redis store and model registry, a producer-only
 * BullMQ job runner (retrains run in apps/worker, which also owns the schedules) and the HTTP API.
 * Versions activated anywhere (a worker's retrain, another replica's rollback) are hot-swapped in
 * by the engine through the registry's pub/sub notice.
 *
 * Returns without waiting for Redis: the replica connects in the background, retrying with a
 * capped backoff (`connected` says when it is done), so it starts, answers /healthz and serves
 * degraded recommendations while Redis is unreachable. The Redis clients fail fast while
 * disconnected and reconnect by themselves; a replica that loses Redis later answers from what it
 * last loaded, marked degraded, and recovers as soon as a reconnection succeeds.
 */
export async function createDistributedService(
  config: ServiceConfig,
  redis: RedisSettings,
  engineOptions: Partial<EngineOptions> = {},
): Promise<DistributedService> {
  const logger = pino({ level: config.logLevel });
  const keyPrefix = redis.keyPrefix || 'recsys:';
  // Impressions expire once no event can be attributed to them any more.
  const store = createRedisStore({ url: redis.url, keyPrefix, learning: { impressionWindowMs: impressionWindowFor(config.learning.attributionWindowMs) } });
  const registry = createRedisModelRegistry({ url: redis.url, keyPrefix });
  const jobs = new BullMqJobRunner({ url: redis.url, prefix: `${keyPrefix}bull`, consume: false });
  const guarded = guardRedis(store, registry, jobs, logger);
  const engine = new RecommendationEngine(
    { store: guarded.store, registry: guarded.registry, jobs: guarded.jobs, logger, indexFactory: createVectorIndexFactory({ logger }) },
    // Workers schedule and train; a replica only enqueues what its clients ask for. Other replicas
    // write the same store: a user's state is re-read after a second, the catalogue view and
    // popularity after 30 s (rebuilt in the background: at 100k items a rebuild costs ~0.3 s of CPU).
    {
      servingStateMaxAgeMs: 30_000,
      userStateMaxAgeMs: 1_000,
      storyEmbeddingDimension: config.embeddingDimension,
      learning: config.learning,
      ...engineOptions,
      retrainEveryMs: 0,
      incrementalEveryMs: 0,
      trainOnStart: false,
    },
  );
  let closing = false;
  const connecting = retryInBackground(
    async () => {
      await store.open();
      if (config.demo) {
        const seeded = await seedDemo(engine, store);
        if (seeded) logger.info(seeded, 'demo catalogue loaded into the empty Redis store');
      }
      await engine.start();
      // From here on activations are heard and hot-swapped; one made while subscribing is caught up.
      await registry.subscribed();
      await engine.syncActiveVersion();
      await jobs.ready();
    },
    {
      ...CONNECT_RETRY,
      onFailure: (error, attempt, retryInMs) =>
        logger.warn({ err: error, attempt, retry_in_ms: retryInMs }, 'Redis unreachable at start: not ready, answering degraded; retrying'),
    },
  );
  void connecting.done.then(() => {
    logger.info({ key_prefix: keyPrefix, active_version: engine.activeVersion() ?? null }, 'distributed mode: store, registry and queues in Redis');
    logConnectionChanges(store, logger, () => closing);
  }, () => undefined);

  const app = await buildServer({
    engine,
    store: guarded.store,
    breakers: [guarded.breaker],
    logger: { level: config.logLevel },
    rateLimitPerMinute: config.rateLimitPerMinute,
    bodyLimitBytes: config.bodyLimitBytes,
    version: SERVICE_VERSION,
    queueDashboard: { queues: () => jobs.bullQueues() },
    security: config.security,
    pseudonymiser: createPseudonymiser(config.pseudonymKey, (message) => logger.warn(message)),
  });
  return {
    app,
    engine,
    store,
    registry,
    breaker: guarded.breaker,
    logger,
    connected: connecting.done,
    async close() {
      closing = true;
      connecting.stop();
      await app.close();
      await engine.close(); // writes buffered impressions before the store closes
      await jobs.close();
      await registry.close();
      await store.close();
    },
  };
}

/** Logs losing and regaining Redis once per outage (ioredis retries quietly in between). */
function logConnectionChanges(store: RedisStore, logger: Logger, closing: () => boolean): void {
  let lost = false;
  store.redis.on('close', () => {
    if (lost || closing()) return;
    lost = true;
    logger.warn('lost the connection to Redis: answering degraded, refusing writes (503) and reconnecting');
  });
  store.redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info('reconnected to Redis: serving normally');
  });
}
