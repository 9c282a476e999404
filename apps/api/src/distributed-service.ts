import { RecommendationEngine, type EngineOptions } from '@recsys/engine';
import { BullMqJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore, type RedisModelRegistry, type RedisStore } from '@recsys/store';
import pino, { type Logger } from 'pino';
import type { App } from './app-types.js';
import type { ServiceConfig } from './config.js';
import { seedDemo } from './demo-seed.js';
import { SERVICE_VERSION } from './embedded-service.js';
import { buildServer } from './server.js';

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
  logger: Logger;
  /** Stops accepting requests and closes the Redis connections. */
  close(): Promise<void>;
}

/**
 * Wires the distributed mode's API replica: the Redis store and model registry, a producer-only
 * BullMQ job runner (retrains run in apps/worker, which also owns the schedules) and the HTTP API.
 * Versions activated anywhere (a worker's retrain, another replica's rollback) are hot-swapped in
 * by the engine through the registry's pub/sub notice.
 */
export async function createDistributedService(
  config: ServiceConfig,
  redis: RedisSettings,
  engineOptions: Partial<EngineOptions> = {},
): Promise<DistributedService> {
  const logger = pino({ level: config.logLevel });
  const keyPrefix = redis.keyPrefix || 'recsys:';
  const store = createRedisStore({ url: redis.url, keyPrefix });
  await store.open();
  const registry = createRedisModelRegistry({ url: redis.url, keyPrefix });
  const jobs = new BullMqJobRunner({ url: redis.url, prefix: `${keyPrefix}bull`, consume: false });
  const engine = new RecommendationEngine(
    { store, registry, jobs, logger },
    // Workers schedule and train; a replica only enqueues what its clients ask for. Other replicas
    // write the same store, so cached state is re-read after a short while.
    { servingStateMaxAgeMs: 5_000, userStateMaxAgeMs: 1_000, ...engineOptions, retrainEveryMs: 0, trainOnStart: false },
  );
  if (config.demo) {
    const seeded = await seedDemo(engine, store);
    if (seeded) logger.info(seeded, 'demo catalogue loaded into the empty Redis store');
  }
  await engine.start();
  // From here on activations are heard and hot-swapped; one made while subscribing is caught up.
  await registry.subscribed();
  await engine.syncActiveVersion();
  logger.info({ key_prefix: keyPrefix, active_version: engine.activeVersion() ?? null }, 'distributed mode: store, registry and queues in Redis');

  const app = await buildServer({
    engine,
    store,
    logger: { level: config.logLevel },
    rateLimitPerMinute: config.rateLimitPerMinute,
    bodyLimitBytes: config.bodyLimitBytes,
    version: SERVICE_VERSION,
  });
  return {
    app,
    engine,
    store,
    registry,
    logger,
    async close() {
      await app.close();
      engine.close();
      await jobs.close();
      await registry.close();
      await store.close();
    },
  };
}
