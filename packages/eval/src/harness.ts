import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exactIndexFactory } from '@recsys/ann';
import { ArtifactFormatError } from '@recsys/core';
import { StoryVectorBuilder } from '@recsys/content';
import { buildPopularity, evaluateRanking, fitStoryModel, itemFeaturesFrom, type RankingMetrics } from '@recsys/engine';
import { ImplicitALS, ItemKNN, NeuMF, NMF, PureSVD } from '@recsys/models';
import {
  type BlendedSignal,
  CatalogView,
  FactorSignal,
  KnnSignal,
  MfModel,
  NcfModel,
  type PopularitySignal,
  type RankingContext,
  type SignalWeights,
  StorySignal,
} from '@recsys/ranking';
import type { EvalConfig } from './config.js';
import { type ExposureMetrics, exposureMetrics } from './exposure-report.js';
import type { EvaluationData } from './protocol.js';

export const MODELS = ['popularity', 'als', 'svd', 'nmf', 'item-knn', 'ncf', 'hybrid'] as const;
export type ModelName = (typeof MODELS)[number];
/** Models that leave an artifact the hybrid can load. */
type StoredModel = Exclude<ModelName, 'popularity' | 'hybrid'>;

export interface ResultRow {
  model: ModelName;
  diversity: number;
  /** The fairness bound the row was served with (max_popular_share); 1 = none. */
  maxPopularShare: number;
  metrics: RankingMetrics & ExposureMetrics;
  /** Seconds to train (for the hybrid: the sum of its members'); NaN when loaded from a file. */
  trainSeconds: number;
  /** Process RSS high-water mark in MiB when the row was measured. */
  peakRssMiB: number;
}

export interface HarnessOptions {
  data: EvaluationData;
  config: EvalConfig;
  k: number;
  /** NCF training threads. */
  threads: number;
  /** Where trained models are written (and read by the hybrid, or with `reuse`). */
  modelDir: string;
  /** Load models found in modelDir instead of training them. */
  reuse: boolean;
  /** Training seconds of models trained earlier (by another process), for the hybrid's total. */
  trainedSeconds?: Partial<Record<ModelName, number>>;
  progress: (message: string) => void;
  /** Extra rows at the served diversity, one per max_popular_share bound (fairness-aware re-ranking). */
  fairness?: readonly number[];
}

/** A model file that could not be loaded (another kind or format version, or damaged). */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** Trains (or loads) one model, then ranks every held-out user through the served pipeline. */
export async function trainAndEvaluate(model: ModelName, o: HarnessOptions): Promise<ResultRow[]> {
  const { data, config } = o;
  const catalog = new CatalogView(data.train.items);
  const started = performance.now();
  const popularity = servedPopularity(catalog, data);
  let context: RankingContext;
  let trainSeconds: number;
  let weights: SignalWeights = config.modelAloneWeights;
  if (model === 'popularity') {
    context = { catalog, popularity };
    trainSeconds = (performance.now() - started) / 1000;
  } else if (model === 'hybrid') {
    const members: BlendedSignal[] = [];
    trainSeconds = 0;
    for (const { model: member, weight } of config.hybrid.options.members ?? []) {
      const loaded = await obtain(member, { ...o, reuse: true }, catalog);
      trainSeconds += o.trainedSeconds?.[member] ?? loaded.trainSeconds;
      members.push({ signal: loaded.signal, source: member === 'ncf' ? 'ncf_primary' : 'mf_fallback', weight });
    }
    context = { catalog, popularity, collaborativeBlend: members, ...(await storySignal(catalog, data)) };
    weights = config.servedWeights;
  } else {
    const obtained = await obtain(model, o, catalog);
    trainSeconds = obtained.trainSeconds;
    context = { catalog, popularity, collaborative: { signal: obtained.signal, source: model === 'ncf' ? 'ncf_primary' : 'mf_fallback' } };
  }
  const rows: ResultRow[] = [];
  const settings = [
    { diversity: 0, maxPopularShare: 1 },
    { diversity: config.servedDiversity, maxPopularShare: 1 },
    ...(o.fairness ?? []).filter((share) => share < 1).map((maxPopularShare) => ({ diversity: config.servedDiversity, maxPopularShare })),
  ];
  for (const { diversity, maxPopularShare } of settings) {
    const bound = maxPopularShare < 1 ? `, max_popular_share ${maxPopularShare}` : '';
    o.progress(`${model}: ranking ${data.heldOut.size} users through the served pipeline (diversity ${diversity}${bound})`);
    const lists: string[][] = [];
    const fairness = maxPopularShare < 1 ? { maxPopularShare } : undefined;
    const ranking = evaluateRanking(context, data.train.interactions, data.heldOut, { weights, k: o.k, diversity, fairness, lists });
    const metrics = { ...ranking, ...exposureMetrics(lists, catalog, popularity) };
    rows.push({ model, diversity, maxPopularShare, metrics, trainSeconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
  }
  return rows;
}

/**
 * The served story signal: the text model fitted on the catalogue (here titles and genres only:
 * MovieLens has no plots), profiles decayed to the last training event.
 */
async function storySignal(catalog: CatalogView, data: EvaluationData): Promise<Pick<RankingContext, 'story' | 'now'>> {
  const model = await fitStoryModel(data.train.items);
  if (!model) return {};
  const vectors = new StoryVectorBuilder(model).build(catalog.items);
  const latest = itemFeaturesFrom(data.train.interactions.values())[0]?.trending_at;
  return { story: new StorySignal(catalog, vectors, exactIndexFactory, { themes: model }), now: latest };
}

/** Popularity and trending from the training interactions only, as of the last training event. */
export function servedPopularity(catalog: CatalogView, data: EvaluationData): PopularitySignal {
  const features = itemFeaturesFrom(data.train.interactions.values());
  return buildPopularity(catalog, features, features[0]?.trending_at ?? 0);
}

interface Obtained {
  signal: BlendedSignal['signal'];
  trainSeconds: number;
}

/** Trains the model and saves it, or loads it from modelDir (with `reuse`, when the file exists). */
async function obtain(model: StoredModel, o: HarnessOptions, catalog: CatalogView): Promise<Obtained> {
  const { itemIds, userIds } = o.data.train;
  const file = join(o.modelDir, `${model}.bin`);
  let bytes: Uint8Array | undefined;
  let trainSeconds = Number.NaN;
  if (o.reuse && existsSync(file)) {
    checkIds(o.modelDir, itemIds, userIds);
    bytes = new Uint8Array(readFileSync(file));
    o.progress(`${model}: loading ${file}`);
  } else {
    const started = performance.now();
    bytes = await train(model, o);
    trainSeconds = (performance.now() - started) / 1000;
    o.progress(`${model}: trained in ${trainSeconds.toFixed(1)} s`);
    mkdirSync(o.modelDir, { recursive: true });
    writeFileSync(file, bytes);
    writeFileSync(join(o.modelDir, 'ids.json'), JSON.stringify({ itemIds, userIds }));
  }
  try {
    switch (model) {
      case 'als':
        return { signal: new MfModel(ImplicitALS.fromArtifact(bytes), itemIds, exactIndexFactory).bind(catalog), trainSeconds };
      case 'svd':
        return { signal: new FactorSignal(PureSVD.fromArtifact(bytes), itemIds, catalog), trainSeconds };
      case 'nmf':
        return { signal: new FactorSignal(NMF.fromArtifact(bytes), itemIds, catalog), trainSeconds };
      case 'item-knn':
        return { signal: new KnnSignal(ItemKNN.fromArtifact(bytes), itemIds, catalog), trainSeconds };
      case 'ncf':
        return { signal: new NcfModel(NeuMF.fromArtifact(bytes), itemIds, userIds).bind(catalog), trainSeconds };
    }
  } catch (error) {
    if (error instanceof ArtifactFormatError || error instanceof RangeError) {
      throw new ModelFileError(`model file ${file} refused: ${error.message}`);
    }
    throw error;
  }
}

async function train(model: StoredModel, o: HarnessOptions): Promise<Uint8Array> {
  const { matrix } = o.data.train;
  const { config } = o;
  const every = (label: string) => (step: number, total: number) => o.progress(`${model}: ${label} ${step}/${total}`);
  switch (model) {
    case 'als':
      return new ImplicitALS(config.als.options).fit(matrix, every('sweep')).toArtifact();
    case 'svd':
      return new PureSVD(config.svd.options).fit(matrix).toArtifact();
    case 'nmf':
      return new NMF(config.nmf.options).fit(matrix, every('sweep')).toArtifact();
    case 'item-knn':
      return new ItemKNN(config.itemKnn.options).fit(matrix).toArtifact();
    case 'ncf': {
      const ncf = new NeuMF({ ...config.ncf.options, threads: o.threads });
      await ncf.fitAsync(matrix, {
        onProgress: (epoch, epochs, loss) => o.progress(`ncf: epoch ${epoch}/${epochs}, loss ${loss.toFixed(4)} (${o.threads} thread${o.threads > 1 ? 's' : ''})`),
      });
      return ncf.toArtifact();
    }
  }
}

function checkIds(dir: string, itemIds: readonly string[], userIds: readonly string[]): void {
  const file = join(dir, 'ids.json');
  if (!existsSync(file)) throw new ModelFileError(`model directory ${dir} has no ids.json: it was not written by this evaluation`);
  const ids = JSON.parse(readFileSync(file, 'utf8')) as { itemIds: string[]; userIds: string[] };
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, j) => x === b[j]);
  if (!same(ids.itemIds, itemIds) || !same(ids.userIds, userIds)) {
    throw new ModelFileError(`models in ${dir} were trained on other data (users or items differ): retrain them`);
  }
}
