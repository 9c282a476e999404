// How the story weight changes what warm users get: MovieLens-1M ratings (users 1-2999) with TMDB
// plots, 20 % of each user's liked movies held out, ALS + popularity + story through the served
// ranking, for several story weights.
//
//   tsx packages/engine/src/bench/story-weight.ts --data <datasets dir> [--users 1000] [--weights 0,0.05,0.1,0.2,0.3]
import { parseArgs } from 'node:util';
import { exactIndexFactory } from '@recsys/ann';
import { LsaModel, loadTextAnalyzer, StoryVectorBuilder } from '@recsys/content';
import { readMovieLensOverviews, readMovieLensRatings } from '@recsys/content/bench-datasets';
import { feedbackSignal, type UserItemFeature } from '@recsys/core';
import { ImplicitALS, InteractionMatrix } from '@recsys/models';
import { CatalogView, MfModel, StorySignal } from '@recsys/ranking';
import { evaluateRanking } from '../evaluate.js';
import { splitHoldout } from '../holdout.js';
import { buildPopularity, itemFeaturesFrom } from '../popularity.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    users: { type: 'string', default: '1000' },
    weights: { type: 'string', default: '0,0.05,0.1,0.2,0.3' },
    regularization: { type: 'string', default: '30' },
  },
});
if (!args.data) {
  console.error('usage: story-weight.ts --data <datasets dir> [--users 1000] [--weights 0,0.1,0.2]');
  process.exit(2);
}

const items = readMovieLensOverviews(args.data);
const interactions = new Map<string, UserItemFeature[]>();
let now = 0;
for (const r of readMovieLensRatings(args.data)) {
  const signal = feedbackSignal({ event_id: '', user_id: r.user, item_id: r.item, type: 'rate', rating: r.rating, timestamp: '' });
  let list = interactions.get(r.user);
  if (!list) interactions.set(r.user, (list = []));
  list.push({ item_id: r.item, preference: signal.preference, consumed: signal.consumed, events: 1, last_at: r.at });
  now = Math.max(now, r.at);
}
const userIds = [...interactions.keys()];
const itemIds = items.map((i) => i.item_id);
const column = new Map(itemIds.map((id, c) => [id, c]));
const rows: number[] = [];
const cols: number[] = [];
const values: number[] = [];
userIds.forEach((userId, row) => {
  for (const f of interactions.get(userId)!) {
    rows.push(row);
    cols.push(column.get(f.item_id)!);
    values.push(f.preference);
  }
});
const matrix = InteractionMatrix.fromTriples(userIds.length, itemIds.length, rows, cols, values);
const { train, heldOut } = splitHoldout({ userIds, itemIds, matrix, interactions, items }, 0.2, 42);

const als = new ImplicitALS({ regularization: Number(args.regularization) }).fit(train.matrix);
const catalog = new CatalogView(items);
const popularity = buildPopularity(catalog, itemFeaturesFrom(train.interactions.values()), now);
const mf = new MfModel(als, train.itemIds, exactIndexFactory).bind(catalog);
const model = LsaModel.fit(items, await loadTextAnalyzer());
const story = new StorySignal(catalog, new StoryVectorBuilder(model).build(items), exactIndexFactory, { themes: model });

console.log('| story weight | nDCG@10 | Recall@10 | coverage@10 |');
console.log('|---:|---:|---:|---:|');
for (const w of args.weights!.split(',').map(Number)) {
  const m = evaluateRanking(
    { catalog, popularity, collaborative: { signal: mf, source: 'mf_fallback' }, story, now },
    train.interactions,
    heldOut,
    { weights: { collaborative: 0.85 - w, popularity: 0.1, trending: 0.05, story: w }, maxUsers: Number(args.users) },
  );
  console.log(`| ${w} | ${m.ndcg_at_10.toFixed(4)} | ${m.recall_at_10.toFixed(4)} | ${m.coverage_at_10.toFixed(3)} |`);
}
