import type { Artifacts, ModelRecord, Store } from '@recsys/core';
import { exactIndexFactory } from '@recsys/ann';
import { type AlsOptions, ImplicitALS, type NcfOptions, NeuMF } from '@recsys/models';
import { type LsaModel, StoryVectorBuilder } from '@recsys/content';
import {
  applyCalibration,
  type BlendedSignal,
  type Calibration,
  type CalibrationSample,
  calibrationToArtifact,
  CatalogView,
  expectedCalibrationError,
  fitIsotonic,
  fitPlatt, MfModel, NcfModel, type RankingContext, type SignalWeights, StorySignal } from '@recsys/ranking';
import { evaluateRanking, type RankingMetrics } from './evaluate.js';
import { HYBRID_WEIGHTS } from './experiments.js';
import { splitHoldout } from './holdout.js';
import { encodeBundle } from './model-bundle.js';
import { fitContextArtifacts } from './context/context-training.js';
import { fitStoryModel } from './story.js';
import { buildPopularity, itemFeaturesFrom } from './popularity.js';
import { collectTrainingData, type TrainingData } from './training-data.js';
import { type SegmentTrainingOptions, trainSegments } from './segments/segment-training.js';

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
  /** NeuMF, trained beside ALS when there are enough users; false turns it off. */
  ncf: (Partial<NcfOptions> & { minUsers: number }) | false;
  /** How the primary variant mixes the collaborative models (see COLLABORATIVE_BLEND). */
  blend: { ncf: number; mf: number };
  seed: number;
  /** User segments for cold start (KMeans over ALS user factors and profiles); false turns them off. */
  segments?: Partial<SegmentTrainingOptions> | false;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  als: {},
  regularizationGrid: [0.3, 3, 30],
  holdoutShare: 0.2,
  evalUsers: 500,
  weights: HYBRID_WEIGHTS,
  // Two threads: training runs in worker threads and leaves the event loop free.
  ncf: { minUsers: 20, threads: 2 },
  // Chosen on the MovieLens-100k validation split: NCF 1 : ALS 2 scored 0.2762 against 0.2752 for
  // ALS alone and 0.25 for NCF alone (docs/benchmarks.md, offline evaluation).
  blend: { ncf: 1, mf: 2 },
  seed: 42,
};

/** The collaborative models a variant serves: NCF blended with ALS, or ALS alone. */
export function collaborativeBlend(
  mf: BlendedSignal['signal'] | undefined,
  ncf: BlendedSignal['signal'] | undefined,
  blend: { ncf: number; mf: number },
): BlendedSignal[] {
  return [
    ...(ncf ? [{ signal: ncf, source: 'ncf_primary' as const, weight: blend.ncf }] : []),
    ...(mf ? [{ signal: mf, source: 'mf_fallback' as const, weight: ncf ? blend.mf : 1 }] : []),
  ];
}

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
  const ncfOptions = options.ncf === false ? undefined : ncfModelOptions(options.ncf, options.seed);
  const withNcf = ncfOptions !== undefined && data.userIds.length >= (options.ncf as { minUsers: number }).minUsers;
  const holdout = await evaluateOnHoldout(data, options, withNcf, story, (share) => reportProgress(0.05 + 0.55 * share));
  const alsOptions = { ...options.als, seed: options.seed, regularization: holdout.regularization };
  const als = await new ImplicitALS(alsOptions).fitAsync(data.matrix, (it, total) => reportProgress(0.6 + 0.15 * (it / total)));
  const ncf = withNcf
    ? await new NeuMF(ncfOptions).fitAsync(data.matrix, {
        onProgress: (epoch, epochs) => reportProgress(0.75 + 0.25 * (epoch / epochs)),
      })
    : undefined;
  const segments =
    options.segments === false
      ? undefined
      : await trainSegments(
          {
            data,
            userVector: (row) => als.userVector(row),
            preferences: (id) => store.users.getPreferences(id),
            itemScores: (vector) => als.scoreItems(vector),
          },
          { seed: options.seed, ...options.segments },
        );
  // Context aggregates (transitions, time-of-day shifts, trending counters) from the time-ordered log.
  const context = await fitContextArtifacts(store, data.items);
  return {
    record: {
      version,
      created_at: new Date().toISOString(),
      components: ['popularity', 'als', ...(ncf ? ['ncf'] : []), ...(story ? ['story'] : []), ...(segments ? ['segments'] : []), ...(Object.keys(context).length ? ['context'] : [])],
      metrics: {
        ...holdout.metrics,
        als_regularization: als.options.regularization,
        users: data.userIds.length,
        items: data.itemIds.length,
        interactions: data.matrix.nnz,
        ...(story && { story_dimensions: story.dimensions, story_terms: story.vocabulary.size }),
        ...segments?.metrics,
      },
      training_seconds: (performance.now() - started) / 1000,
    },
    artifacts: encodeBundle({
      als,
      userIds: data.userIds,
      itemIds: data.itemIds,
      ncf,
      story: story?.toArtifact(),
      calibration: holdout.calibration && calibrationToArtifact(holdout.calibration),
      segments: segments?.segments.toArtifact(),
      context,
    }),
  };
}

function ncfModelOptions({ minUsers: _, ...options }: Partial<NcfOptions> & { minUsers: number }, seed: number): Partial<NcfOptions> {
  return { ...options, seed };
}

interface Holdout {
  regularization: number;
  calibration?: Calibration;
  /** `ndcg_at_10` etc. describe what the primary variant serves; `mf_*` the ALS-only variant. */
  metrics: Record<string, number>;
}

/**
 * Measures on held-out likes, through the served ranking: picks the ALS regularisation, then
 * scores the primary variant's blend with NCF when NCF is trained.
 */
async function evaluateOnHoldout(
  data: TrainingData,
  options: TrainerOptions,
  withNcf: boolean,
  story: LsaModel | undefined,
  progress: (share: number) => void,
): Promise<Holdout> {
  const grid = options.regularizationGrid.length ? options.regularizationGrid : [new ImplicitALS(options.als).options.regularization];
  const { train, heldOut } = splitHoldout(data, options.holdoutShare, options.seed);
  if (heldOut.size === 0) return { regularization: grid[grid.length - 1]!, metrics: {} };
  const catalog = new CatalogView(data.items);
  const itemFeatures = itemFeaturesFrom(train.interactions.values());
  const base: RankingContext = {
    catalog,
    popularity: buildPopularity(catalog, itemFeatures, itemFeatures[0]?.trending_at ?? Date.now()),
  };
  const vectors = story && new StoryVectorBuilder(story).build(catalog.items);
  if (vectors) base.story = new StorySignal(catalog, vectors, exactIndexFactory, { themes: story });
  const evaluate = (collaborativeBlend: BlendedSignal[], sample?: CalibrationSample & { scores: number[]; labels: number[] }) =>
    evaluateRanking({ ...base, collaborativeBlend }, train.interactions, heldOut, {
      weights: options.weights,
      maxUsers: options.evalUsers,
      sample,
    });
  const steps = grid.length + (withNcf ? 1 : 0);

  let best: { regularization: number; mf: MfModel; metrics: RankingMetrics } | undefined;
  for (const [g, regularization] of grid.entries()) {
    const als = await new ImplicitALS({ ...options.als, seed: options.seed, regularization }).fitAsync(train.matrix, (it, total) =>
      progress((g + it / total) / steps),
    );
    const mf = new MfModel(als, train.itemIds, exactIndexFactory);
    const metrics = evaluate(collaborativeBlend(mf.bind(catalog), undefined, options.blend));
    if (!best || metrics.ndcg_at_10 > best.metrics.ndcg_at_10) best = { regularization, mf, metrics };
  }
  const mfMetrics = Object.fromEntries(Object.entries(best!.metrics).map(([name, value]) => [`mf_${name}`, value]));
  // The primary variant's lists, scored again with every shown item labelled: the calibration sample.
  const sample = { scores: [] as number[], labels: [] as number[] };
  let metrics: RankingMetrics;
  if (withNcf) {
    const ncf = await new NeuMF(ncfModelOptions(options.ncf as { minUsers: number }, options.seed)).fitAsync(train.matrix, {
      onProgress: (epoch, epochs) => progress((grid.length + epoch / epochs) / steps),
    });
    const ncfSignal = new NcfModel(ncf, train.itemIds, train.userIds).bind(catalog);
    metrics = evaluate(collaborativeBlend(best!.mf.bind(catalog), ncfSignal, options.blend), sample);
  } else {
    metrics = evaluate(collaborativeBlend(best!.mf.bind(catalog), undefined, options.blend), sample);
  }
  const calibration = fitCalibration(sample);
  return {
    regularization: best!.regularization,
    calibration: calibration.model,
    metrics: { ...metrics, ...mfMetrics, ...calibration.metrics },
  };
}

/**
 * Isotonic regression when the sample is large enough to trust its steps, Platt scaling below
 * that; the calibration error before and after is recorded with the version.
 */
function fitCalibration(sample: { scores: number[]; labels: number[] }): { model?: Calibration; metrics: Record<string, number> } {
  if (sample.scores.length < 50 || !sample.labels.includes(1)) return { metrics: {} };
  const model = sample.scores.length >= 200 ? fitIsotonic(sample) : fitPlatt(sample);
  const calibrated = sample.scores.map((score) => applyCalibration(model, score));
  return {
    model,
    metrics: {
      calibration_ece_before: expectedCalibrationError(sample.scores, sample.labels),
      calibration_ece_after: expectedCalibrationError(calibrated, sample.labels),
    },
  };
}
