import { RecommendationEngine, type EngineOptions } from '@recsys/engine';
import { BullMqJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore, type RedisModelRegistry, type RedisStore } from '@recsys/store';
import pino, { type Logger } from 'pino';
import type { WorkerConfig } from './config.js';

// The worker's composition root: the Redis store and model registry, a consuming BullMQ job runner
// and the engine, whose job handlers (the retrain) run here. The API enqueues; workers train,
// save and activate versions, and the activation reaches every API replica through Redis pub/sub.
//
// No event-ingestion queue: the API appends events to the log and updates features before it
// acknowledges them, so there is nothing left for a worker to do per event.

export interface WorkerService {
  engine: RecommendationEngine;
  store: RedisStore;
  registry: RedisModelRegistry;
  jobs: BullMqJobRunner;
  logger: Logger;
  /** Stops taking jobs, lets the running one finish or hands it back, and closes connections. */
  close(): Promise<void>;
}

export async function createWorkerService(config: WorkerConfig, engineOptions: Partial<EngineOptions> = {}): Promise<WorkerService> {
  const logger = pino({ level: config.logLevel });
  const redis = { url: config.redisUrl, keyPrefix: config.keyPrefix };
  const store = createRedisStore(redis);
  await store.open();
  const registry = createRedisModelRegistry(redis);
  const jobs = new BullMqJobRunner({
    url: config.redisUrl,
    prefix: `${config.keyPrefix}bull`,
    consume: true,
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
    lockDurationMs: config.jobLockSeconds * 1000,
    stalledIntervalMs: config.stalledCheckSeconds * 1000,
    onError: (error, jobName) => logger.warn({ err: error, job: jobName }, 'job worker error; retrying'),
  });
  const closeAll = async () => {
    await jobs.close();
    await registry.close();
    await store.close();
  };
  try {
    const finished = await store.finishPendingErasures();
    if (finished > 0) logger.info({ erasures: finished }, 'finished user erasures a crash had left half done');
    const engine = new RecommendationEngine(
      { store, registry, jobs, logger },
      {
        retrainEveryMs: config.retrainIntervalMinutes * 60_000,
        incrementalEveryMs: config.incrementalIntervalMinutes * 60_000,
        trainOnStart: config.trainOnStart,
        eventRetentionMs: config.eventRetentionDays * 24 * 3600_000,
        ...engineOptions,
      },
    );
    await engine.start();
    await jobs.ready();
    logger.info(
      { key_prefix: config.keyPrefix, retrain_interval_minutes: config.retrainIntervalMinutes, active_version: engine.activeVersion() ?? null },
      'worker ready: running jobs from the queues',
    );
    return { engine, store, registry, jobs, logger, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
