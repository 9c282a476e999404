import type { Artifacts, ModelRecord, Store } from '@recsys/core';
import { exactIndexFactory } from '@recsys/ann';
import { type AlsOptions, ImplicitALS } from '@recsys/models';
import { type LsaModel, StoryVectorBuilder } from '@recsys/content';
import { CatalogView, MfModel, type SignalWeights, StorySignal } from '@recsys/ranking';
import { evaluateRanking, type RankingMetrics } from './evaluate.js';
import { splitHoldout } from './holdout.js';
import { encodeBundle } from './model-bundle.js';
import { fitStoryModel } from './story.js';
import { buildPopularity, itemFeaturesFrom } from './popularity.js';
import { collectTrainingData, type TrainingData } from './training-data.js';

export interface TrainerOptions {
  als: Partial<AlsOptions>;
  /**
   * ALS regularisation values tried on the holdout; the best by nDCG@10 trains the served model.
   * The right value grows with the size of the data (the penalty competes with a sum over all
   * users or items), so one fixed value cannot fit both a 25-user test and a million-user catalogue.
   */
  regularizationGrid: number[];
  /** Share of each user's liked items hidden to measure a new version before it serves. */
  holdoutShare: number;
  /** Users ranked for the holdout metrics (a sample keeps retrains fast on big catalogues). */
  evalUsers: number;
  weights: SignalWeights;
  seed: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  als: {},
  regularizationGrid: [0.3, 3, 30],
  holdoutShare: 0.2,
  evalUsers: 500,
  weights: { collaborative: 0.65, popularity: 0.1, trending: 0.05, story: 0.2 },
  seed: 42,
};

export class NothingToTrainError extends Error {
  override name = 'NothingToTrainError';
}

export interface TrainedVersion {
  record: Omit<ModelRecord, 'status'>;
  artifacts: Artifacts;
}

/** Trains a new model version from the store: holdout selection and evaluation, then a fit on everything. */
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
  // The text model learns from the catalogue only (no interactions), so the holdout can use it too.
  const story = await fitStoryModel(data.items);
  reportProgress(0.05);
  const selected = selectOnHoldout(data, options, (share) => reportProgress(0.05 + 0.6 * share), story);
  const alsOptions = { ...options.als, seed: options.seed, regularization: selected.regularization };
  const als = new ImplicitALS(alsOptions).fit(data.matrix, (it, total) => reportProgress(0.65 + 0.35 * (it / total)));
  return {
    record: {
      version,
      created_at: new Date().toISOString(),
      components: ['popularity', 'als', ...(story ? ['story'] : [])],
      metrics: {
        ...selected.metrics,
        als_regularization: als.options.regularization,
        users: data.userIds.length,
        items: data.itemIds.length,
        interactions: data.matrix.nnz,
        ...(story && { story_dimensions: story.dimensions, story_terms: story.vocabulary.size }),
      },
      training_seconds: (performance.now() - started) / 1000,
    },
    artifacts: encodeBundle(als, data.itemIds, story),
  };
}

interface Selection {
  regularization: number;
  metrics: Partial<RankingMetrics>;
}

/** Fits each grid value on the holdout's training part and keeps the best through the served ranking. */
function selectOnHoldout(
  data: TrainingData,
  options: TrainerOptions,
  progress: (share: number) => void,
  story: LsaModel | undefined,
): Selection {
  const grid = options.regularizationGrid.length ? options.regularizationGrid : [new ImplicitALS(options.als).options.regularization];
  const { train, heldOut } = splitHoldout(data, options.holdoutShare, options.seed);
  if (heldOut.size === 0) return { regularization: grid[grid.length - 1]!, metrics: {} };
  const catalog = new CatalogView(data.items);
  const itemFeatures = itemFeaturesFrom(train.interactions.values());
  const popularity = buildPopularity(catalog, itemFeatures, itemFeatures[0]?.trending_at ?? Date.now());
  const vectors = story && new StoryVectorBuilder(story).build(catalog.items);
  const storySignal = vectors && new StorySignal(catalog, vectors, exactIndexFactory, { themes: story });
  let best: Selection | undefined;
  grid.forEach((regularization, g) => {
    const als = new ImplicitALS({ ...options.als, seed: options.seed, regularization }).fit(train.matrix, (it, total) =>
      progress((g + it / total) / grid.length),
    );
    const mf = new MfModel(als, train.itemIds, exactIndexFactory);
    const metrics = evaluateRanking(
      { catalog, popularity, collaborative: { signal: mf.bind(catalog), source: 'mf_fallback' }, story: storySignal },
      train.interactions,
      heldOut,
      { weights: options.weights, maxUsers: options.evalUsers },
    );
    if (!best || metrics.ndcg_at_10 > best.metrics.ndcg_at_10!) best = { regularization, metrics };
  });
  return best!;
}
