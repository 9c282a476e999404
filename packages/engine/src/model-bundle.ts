import type { Artifacts, VectorIndexFactory } from '@recsys/core';
import type { LsaModel } from '@recsys/content';
import { ImplicitALS, NeuMF } from '@recsys/models';
import { type Calibration, calibrationFromArtifact, MfModel, NcfModel } from '@recsys/ranking';
import { STORY_ARTIFACT } from './story.js';
import { SEGMENTS_ARTIFACT, SegmentModel } from './segments/segment-model.js';
import { ContextModels } from './context/context-models.js';
import { CONTEXT_LEARNERS } from './context/registry.js';

/** The trained models of one version, ready to serve. */
export interface ModelBundle {
  version: string;
  /** The items behind the collaborative models' rows (the users' are the NCF model's, when there is one). */
  itemIds: readonly string[];
  mf?: MfModel;
  ncf?: NcfModel;
  /** Maps the blended score to a probability of a like (fitted on the version's holdout). */
  calibration?: Calibration;
  /** The plot-embedding model (loaded separately, see decodeStoryModel: it needs the text analyzer). */
  story?: LsaModel;
  /** User segments: where new users are placed and whose tastes they are served (cold start). */
  segments?: SegmentModel;
  /** Aggregates of the context signals (transitions, time-of-day shifts, ...): one artifact per learner. */
  context?: ContextModels;
}

/** What a retrain produced, with the ids behind the models' rows. */
export interface TrainedModels {
  als: ImplicitALS;
  userIds: readonly string[];
  itemIds: readonly string[];
  ncf?: NeuMF;
  /** The text model's artifact, as written by LsaModel.toArtifact. */
  story?: Uint8Array;
  /** The score calibration's artifact (calibrationToArtifact). */
  calibration?: Uint8Array;
  /** The user segments' artifact (UserSegments.toArtifact; tastes index `itemIds`). */
  segments?: Uint8Array;
  /** The context learners' artifacts (ContextModels.fit), saved under their own names. */
  context?: Artifacts;
}

export const CALIBRATION_ARTIFACT = 'calibration.bin';
/** The MF model's ANN index as its backend serialised it (absent: built when the version loads). */
export const ANN_INDEX_ARTIFACT = 'ann-index.bin';

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
export const decodeJson = <T>(bytes: Uint8Array | undefined, name: string): T => {
  if (!bytes) throw new Error(`model artifact "${name}" is missing`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
};

export function encodeBundle(models: TrainedModels): Artifacts {
  return {
    'als.bin': models.als.toArtifact(),
    'item-ids.json': encodeJson(models.itemIds),
    'user-ids.json': encodeJson(models.userIds),
    ...(models.ncf && { 'ncf.bin': models.ncf.toArtifact() }),
    ...(models.story && { [STORY_ARTIFACT]: models.story }),
    ...(models.calibration && { [CALIBRATION_ARTIFACT]: models.calibration }),
    ...(models.segments && { [SEGMENTS_ARTIFACT]: models.segments }),
    ...models.context,
  };
}

/** Trained users an index is calibrated on. */
const CALIBRATION_USERS = 64;

/** Up to `n` trained user vectors, evenly spaced over the users, skipping empty ones; undefined when none. */
function sampleUserVectors(model: ImplicitALS, n: number): Float32Array | undefined {
  const k = model.factors;
  const rows: Float32Array[] = [];
  const step = Math.max(1, Math.floor(model.nUsers / n));
  for (let u = 0; u < model.nUsers && rows.length < n; u += step) {
    const vector = model.userVector(u);
    if (vector.some((x) => x !== 0)) rows.push(vector);
  }
  if (rows.length === 0) return undefined;
  const out = new Float32Array(rows.length * k);
  rows.forEach((row, i) => out.set(row, i * k));
  return out;
}

export function decodeBundle(version: string, artifacts: Artifacts, indexFactory: VectorIndexFactory): ModelBundle {
  const bundle: ModelBundle = {
    version,
    itemIds: decodeJson<string[]>(artifacts['item-ids.json'], 'item-ids.json'),
  };
  const als = artifacts['als.bin'];
  if (als) {
    const model = ImplicitALS.fromArtifact(als);
    const savedIndex = artifacts[ANN_INDEX_ARTIFACT];
    // An index built here tunes its search on trained users, what serving asks it: item-like
    // queries are harder, and at 1M titles they asked for twice the cells for the same recall.
    const calibrationQueries = savedIndex ? undefined : sampleUserVectors(model, CALIBRATION_USERS);
    // Serving folds users in from their history: the trained user factors stay in the artifact.
    model.dropUserFactors();
    bundle.mf = new MfModel(model, bundle.itemIds, indexFactory, { savedIndex, calibrationQueries });
  }
  const ncf = artifacts['ncf.bin'];
  // Only NCF embeds known users (ALS folds every user in): without it the user ids stay undecoded.
  if (ncf) bundle.ncf = new NcfModel(NeuMF.fromArtifact(ncf), bundle.itemIds, decodeJson<string[]>(artifacts['user-ids.json'], 'user-ids.json'));
  const calibration = artifacts[CALIBRATION_ARTIFACT];
  if (calibration) bundle.calibration = calibrationFromArtifact(calibration);
  const segments = artifacts[SEGMENTS_ARTIFACT];
  if (segments) bundle.segments = SegmentModel.fromArtifact(segments, bundle.itemIds);
  bundle.context = ContextModels.decode(artifacts, CONTEXT_LEARNERS);
  return bundle;
}
