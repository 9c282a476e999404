import path from 'node:path';
import { createVectorIndexFactory } from '@recsys/ann';
import { RecommendationEngine, type EngineOptions } from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore, impressionWindowFor, type EmbeddedStore } from '@recsys/store';
import pino, { type Logger } from 'pino';
import type { App } from './app-types.js';
import type { ServiceConfig } from './config.js';
import { seedDemo } from './demo-seed.js';
import { buildServer } from './server.js';
import { createPseudonymiser } from './plugins/observability.js';

export const SERVICE_VERSION = '0.1.0';

export interface EmbeddedService {
  app: App;
  engine: RecommendationEngine;
  store: EmbeddedStore;
  logger: Logger;
  /** Stops accepting requests, lets running jobs finish, flushes and closes the store. */
  close(): Promise<void>;
}

/** Wires the all-in-one mode: embedded store, in-process jobs, engine and HTTP API in one process. */
export async function createEmbeddedService(config: ServiceConfig, engineOptions: Partial<EngineOptions> = {}): Promise<EmbeddedService> {
  const logger = pino({ level: config.logLevel });
  // Impressions are held in memory only while an event can still be attributed to them.
  const store = createEmbeddedStore({ dataDir: config.dataDir, learning: { impressionWindowMs: impressionWindowFor(config.learning.attributionWindowMs) } });
  await store.open();
  logger.info({ data_dir: path.resolve(config.dataDir), ...store.openReport }, 'store opened');

  const registry = createEmbeddedModelRegistry({ dir: path.join(config.dataDir, 'models') });
  const jobs = new InProcessJobRunner();
  const engine = new RecommendationEngine(
    { store, registry, jobs, logger, indexFactory: createVectorIndexFactory({ logger }) },
    {
      retrainEveryMs: config.retrainIntervalMinutes * 60_000,
      incrementalEveryMs: config.incrementalIntervalMinutes * 60_000,
      storyEmbeddingDimension: config.embeddingDimension,
      learning: config.learning,
      eventRetentionMs: config.eventRetentionDays * 24 * 3600_000,
      ...engineOptions,
    },
  );
  if (config.demo) {
    const seeded = await seedDemo(engine, store);
    if (seeded) logger.info(seeded, 'demo catalogue loaded into the empty data directory');
  }
  await engine.start();

  const app = await buildServer({
    engine,
    store,
    logger: { level: config.logLevel },
    rateLimitPerMinute: config.rateLimitPerMinute,
    bodyLimitBytes: config.bodyLimitBytes,
    version: SERVICE_VERSION,
    security: config.security,
    pseudonymiser: createPseudonymiser(config.pseudonymKey, (message) => logger.warn(message)),
  });
  return {
    app,
    engine,
    store,
    logger,
    async close() {
      await app.close();
      await engine.close(); // writes buffered impressions before the store closes
      await jobs.close();
      await store.close();
    },
  };
}
