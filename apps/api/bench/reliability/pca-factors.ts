// PCA compression of the ALS item factors (what the ANN index and the serving memory hold), measured
// on MovieLens-100k with the offline protocol (per-user 75/25 split, seed 42) through the served
// ranking: nDCG@10 and memory of the item factors at 64 dimensions and compressed to d.
// Users are folded in against the compressed factors, so serving needs nothing else.
//
//   pnpm bench reliability --part cold-start --pca [--data <ml-100k dir>]
import { encodeArtifact } from '@recsys/core';
import { exactIndexFactory } from '@recsys/ann';
import { buildPopularity, evaluateRanking, itemFeaturesFrom } from '@recsys/engine';
import { PcaCompressor } from '@recsys/insights';
import { ImplicitALS } from '@recsys/models';
// The ranking package is not a dependency of the API app; the bench reads it from the workspace.
import { CatalogView, MfModel } from '../../../../packages/ranking/src/index.js';
import { loadMovieLens100k } from '../../../../packages/eval/src/datasets.js';
import { evaluationData, splitPerUser } from '../../../../packages/eval/src/protocol.js';

/** An ALS model over the compressed factors: same options, `d` factors (the fold-in solves in d dimensions). */
function compressedAls(als: ImplicitALS, pca: PcaCompressor): ImplicitALS {
  const rows = (factors: Float32Array, n: number) =>
    Array.from({ length: n }, (_, i) => factors.subarray(i * als.factors, (i + 1) * als.factors));
  const bytes = encodeArtifact({
    kind: 'als',
    format: 1,
    meta: { nUsers: als.nUsers, nItems: als.nItems, options: { ...als.options, factors: pca.dimensions } },
    arrays: {
      user_factors: pca.projectAll(rows(als.userFactors, als.nUsers)),
      item_factors: pca.projectAll(rows(als.itemFactors, als.nItems)),
    },
  });
  return ImplicitALS.fromArtifact(bytes);
}

export async function measurePcaCompression(dir: string): Promise<void> {
  const started = performance.now();
  const dataset = loadMovieLens100k(dir);
  const data = evaluationData(dataset.items, splitPerUser(dataset.ratings, 0.25, 42));
  const catalog = new CatalogView(data.train.items);
  const features = itemFeaturesFrom(data.train.interactions.values());
  const popularity = buildPopularity(catalog, features, features[0]?.trending_at ?? 0);
  const als = new ImplicitALS({ seed: 42 }).fit(data.train.matrix);
  const itemRows = Array.from({ length: als.nItems }, (_, i) => als.itemFactors.subarray(i * als.factors, (i + 1) * als.factors));
  const evaluate = (model: ImplicitALS) =>
    evaluateRanking(
      { catalog, popularity, collaborative: { signal: new MfModel(model, data.train.itemIds, exactIndexFactory).bind(catalog), source: 'mf_fallback' } },
      data.train.interactions,
      data.heldOut,
      { weights: { collaborative: 1, popularity: 0, trending: 0 }, diversity: 0 },
    );
  const base = evaluate(als);
  const rows = [`| ${als.factors} (none) | 1.000 | ${(als.itemFactors.byteLength / 1024).toFixed(0)} KiB | ${base.ndcg_at_10.toFixed(4)} | - |`];
  for (const d of [32, 16, 8]) {
    const pca = PcaCompressor.fit(itemRows, { dimensions: d });
    const m = evaluate(compressedAls(als, pca));
    const kib = (d * als.nItems * 4) / 1024;
    rows.push(
      `| ${d} | ${pca.totalExplainedVariance.toFixed(3)} | ${kib.toFixed(0)} KiB (${((d / als.factors) * 100).toFixed(0)} %) | ${m.ndcg_at_10.toFixed(4)} | ${(((m.ndcg_at_10 - base.ndcg_at_10) / base.ndcg_at_10) * 100).toFixed(1)} % |`,
    );
  }
  console.log(
    `MovieLens-100k, per-user 75/25 split (seed 42), ALS alone (64 factors, λ 30) through the served ranking, ` +
      `${base.eval_users} users. Item factors projected on their top-d principal axes (uncentred PCA, which keeps ` +
      `inner products), users folded in against the projected factors.\n`,
  );
  console.log('| dimensions | variance kept | item factors (1,682 titles) | nDCG@10 | change |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
