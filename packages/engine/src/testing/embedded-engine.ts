// Test support: an engine over an embedded store in a temporary folder, closed and deleted after
// each test, and a retrain that waits for its job. Only test files import this module.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Item, JobInfo, ModelRegistry, Store } from '@recsys/core';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterEach } from 'vitest';
import { type EngineDependencies, type EngineOptions, RecommendationEngine, type RetrainKind, type RetrainResult } from '../engine.js';

export interface EmbeddedEngine {
  engine: RecommendationEngine;
  store: Store;
  registry: ModelRegistry;
}

export interface EmbeddedEngineSetup {
  /** Folder name prefix under the OS temporary folder. */
  dirPrefix?: string;
  /** Wraps the opened store, e.g. to make it fail on demand. */
  wrapStore?: (store: Store) => Store;
  indexFactory?: EngineDependencies['indexFactory'];
  now?: EngineDependencies['now'];
}

/**
 * Returns a starter for engines that are closed, with their job runner and store, and whose folder
 * is deleted after each test of the calling file. Each engine has `items` upserted and is started;
 * it retrains only when asked (`retrainEveryMs: 0`) unless `options` say otherwise.
 */
export function embeddedEngines(): (items: readonly Item[], options?: Partial<EngineOptions>, setup?: EmbeddedEngineSetup) => Promise<EmbeddedEngine> {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });
  return async (items, options = {}, setup = {}) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), setup.dirPrefix ?? 'engine-'));
    const opened = createEmbeddedStore({ dataDir: dir });
    await opened.open();
    const store = setup.wrapStore ? setup.wrapStore(opened) : opened;
    const registry = createEmbeddedModelRegistry({ dir: path.join(dir, 'models') });
    const jobs = new InProcessJobRunner();
    const dependencies: EngineDependencies = { store, registry, jobs };
    if (setup.indexFactory) dependencies.indexFactory = setup.indexFactory;
    if (setup.now) dependencies.now = setup.now;
    const engine = new RecommendationEngine(dependencies, { retrainEveryMs: 0, ...options });
    cleanup.push(async () => {
      await engine.close();
      await jobs.close();
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await engine.upsertItems([...items]);
    await engine.start();
    return { engine, store, registry };
  };
}

/** Requests a retrain and polls its job until it completes or fails; returns the final job. */
export async function retrainToEnd(engine: RecommendationEngine, kind: RetrainKind = 'full'): Promise<JobInfo> {
  const job = await engine.requestRetrain(kind);
  for (;;) {
    const state = await engine.getJob(job.id);
    if (state?.state === 'completed' || state?.state === 'failed') return state;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Like `retrainToEnd`, but a failed job throws; returns what the retrain reported. */
export async function retrained(engine: RecommendationEngine, kind: RetrainKind = 'full'): Promise<RetrainResult> {
  const job = await retrainToEnd(engine, kind);
  if (job.state === 'failed') throw new Error(`retrain failed: ${job.error}`);
  return job.result as RetrainResult;
}
