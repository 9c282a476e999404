// The training snapshot that live traffic is compared with for drift: the served-score, user
// activity and user-embedding-norm distributions of a sample of the training users, ranked by the
// new version through the served pipeline. Stored with the version as one additive JSON artifact.
import type { Store } from '@recsys/core';
import { DriftMonitor, type DriftMonitorJSON, vectorNorms } from '@recsys/insights';
import { CatalogView, type PopularitySignal, rank, type RankingContext, type RankOptions, type UserState } from '@recsys/ranking';
import { decodeJson, type ModelBundle } from './model-bundle.js';
import { buildPopularity } from './popularity.js';

export const DRIFT_ARTIFACT = 'drift-reference.json';

/** The signals drift is measured on. */
export const DRIFT_SIGNALS = ['scores', 'user_activity', 'embedding_norms'] as const;
export type DriftSignal = (typeof DRIFT_SIGNALS)[number];

export interface DriftReference {
  format: 1;
  /** Training users the reference was drawn from (ranked ones for scores and norms). */
  users: { activity: number; ranked: number };
  monitors: Partial<Record<DriftSignal, DriftMonitorJSON>>;
}

export interface DriftReferenceOptions {
  /** Training users ranked for the score and norm references (bounded: this runs at train time). */
  rankedUsers: number;
  /** Training users whose history length makes the activity reference. */
  activityUsers: number;
  /** Live observations each monitor keeps (its sliding window). */
  window: Record<DriftSignal, number>;
  /** Live observations below which a monitor reports not ready. */
  minLive: Record<DriftSignal, number>;
  limit: number;
}

export const DEFAULT_DRIFT_REFERENCE_OPTIONS: DriftReferenceOptions = {
  rankedUsers: 300,
  activityUsers: 5000,
  window: { scores: 10_000, user_activity: 5000, embedding_norms: 2000 },
  minLive: { scores: 500, user_activity: 200, embedding_norms: 100 },
  limit: 10,
};

/** How the engine ranks for a serving state: the same blend, weights and diversity as requests. */
export type ReferenceRanking = {
  context: (catalog: CatalogView, popularity: PopularitySignal) => RankingContext;
  options: Omit<RankOptions, 'limit'>;
};

/**
 * Draws the reference from the store as it is at train time. The first users the feature store
 * lists are used (no full scan): enough for stable quantile bins, cheap at any store size.
 */
export async function buildDriftReference(
  store: Store,
  bundle: ModelBundle,
  ranking: ReferenceRanking,
  now: number,
  options: DriftReferenceOptions = DEFAULT_DRIFT_REFERENCE_OPTIONS,
): Promise<Uint8Array> {
  const catalog = new CatalogView(await store.catalog.all());
  const popularity = buildPopularity(catalog, await store.features.items(), now);
  const context = ranking.context(catalog, popularity);
  const mf = bundle.mf?.bind(catalog);
  const activity: number[] = [];
  const scores: number[] = [];
  const vectors: Float32Array[] = [];
  let ranked = 0;
  for await (const [userId, interactions] of store.features.allUsers()) {
    activity.push(interactions.length);
    if (ranked < options.rankedUsers) {
      const user: UserState = { userId, interactions };
      const vector = mf?.userVector(user);
      if (vector) vectors.push(vector);
      for (const item of rank(context, user, { ...ranking.options, limit: options.limit, explore: false }).items) scores.push(item.predicted_score);
      ranked++;
    }
    if (activity.length >= options.activityUsers) break;
  }
  const monitor = (signal: DriftSignal, sample: ArrayLike<number>) =>
    sample.length === 0
      ? undefined
      : DriftMonitor.fromReference(sample, { window: options.window[signal], minLive: options.minLive[signal] }).toJSON();
  const reference: DriftReference = {
    format: 1,
    users: { activity: activity.length, ranked },
    monitors: {
      scores: monitor('scores', scores),
      user_activity: monitor('user_activity', activity),
      embedding_norms: monitor('embedding_norms', vectorNorms(vectors)),
    },
  };
  return new TextEncoder().encode(JSON.stringify(reference));
}

/** The monitors of a version's reference; empty for versions trained before references existed. */
export function driftMonitorsOf(artifact: Uint8Array | undefined): Partial<Record<DriftSignal, DriftMonitor>> {
  if (!artifact) return {};
  const reference = decodeJson<DriftReference>(artifact, DRIFT_ARTIFACT);
  if (reference.format !== 1) return {};
  const out: Partial<Record<DriftSignal, DriftMonitor>> = {};
  for (const signal of DRIFT_SIGNALS) {
    const json = reference.monitors[signal];
    if (json) out[signal] = DriftMonitor.load(json);
  }
  return out;
}
