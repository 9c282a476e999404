import type { Artifacts, ModelRecord, Store } from '@recsys/core';
import { exactIndexFactory } from '@recsys/ann';
import { type AlsOptions, ImplicitALS } from '@recsys/models';
import { CatalogView, MfModel, type SignalWeights } from '@recsys/ranking';
import { evaluateRanking, type RankingMetrics } from './evaluate.js';
import { splitHoldout } from './holdout.js';
import { encodeBundle } from './model-bundle.js';
import { buildPopularity, itemFeaturesFrom } from './popularity.js';
import { collectTrainingData, type TrainingData } from './training-data.js';

export interface TrainerOptions {
  als: Partial<AlsOptions>;
  /** Share of each user's liked items hidden to measure a new version before it serves. */
  holdoutShare: number;
  /** Users ranked for the holdout metrics (a sample keeps retrains fast on big catalogues). */
  evalUsers: number;
  weights: SignalWeights;
  seed: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  als: {},
  holdoutShare: 0.2,
  evalUsers: 500,
  weights: { collaborative: 0.85, popularity: 0.1, trending: 0.05 },
  seed: 42,
};

export class NothingToTrainError extends Error {
  override name = 'NothingToTrainError';
}

export interface TrainedVersion {
  record: Omit<ModelRecord, 'status'>;
  artifacts: Artifacts;
}

/** Trains a new model version from the store: holdout evaluation first, then a fit on everything. */
export async function trainVersion(
  store: Store,
  version: string,
  options: TrainerOptions,
  reportProgress: (share: number) => void = () => {},
): Promise<TrainedVersion> {
  const started = performance.now();
  const data = await collectTrainingData(store);
  if (data.matrix.nnz === 0) {
    throw new NothingToTrainError('no interactions with catalogue items yet: send events before retraining');
  }
  reportProgress(0.05);
  const metrics = holdoutMetrics(data, options, (share) => reportProgress(0.05 + 0.45 * share));
  const als = new ImplicitALS({ ...options.als, seed: options.seed }).fit(data.matrix, (it, total) =>
    reportProgress(0.5 + 0.5 * (it / total)),
  );
  return {
    record: {
      version,
      created_at: new Date().toISOString(),
      components: ['popularity', 'als'],
      metrics: {
        ...metrics,
        users: data.userIds.length,
        items: data.itemIds.length,
        interactions: data.matrix.nnz,
      },
      training_seconds: (performance.now() - started) / 1000,
    },
    artifacts: encodeBundle(als, data.itemIds),
  };
}

function holdoutMetrics(data: TrainingData, options: TrainerOptions, progress: (share: number) => void): RankingMetrics | Record<string, never> {
  const { train, heldOut } = splitHoldout(data, options.holdoutShare, options.seed);
  if (heldOut.size === 0) return {};
  const als = new ImplicitALS({ ...options.als, seed: options.seed }).fit(train.matrix, (it, total) => progress(it / total));
  const catalog = new CatalogView(data.items);
  const itemFeatures = itemFeaturesFrom(train.interactions.values());
  const popularity = buildPopularity(catalog, itemFeatures, itemFeatures[0]?.trending_at ?? Date.now());
  const mf = new MfModel(als, train.itemIds, exactIndexFactory);
  return evaluateRanking(
    { catalog, popularity, collaborative: { signal: mf.bind(catalog), source: 'mf_fallback' } },
    train.interactions,
    heldOut,
    { weights: options.weights, maxUsers: options.evalUsers },
  );
}
