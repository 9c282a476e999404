// Cold start on MovieLens-100k: the service is trained on the other users, and each test user
// arrives new, known only by their demographics (u.user), by 3 titles they liked, or by both.
// Every list comes from RecommendationEngine.recommend (the served ranking with the context
// signals the engine builds); the segment signal is switched off by a variant weight of 0.
//
//   pnpm bench reliability --part cold-start [--data <ml-100k dir>] [--test-share 0.2] [--seed 42]
//                                            [--validate] [--weights 0,0.1,0.3,0.5,1] [--no-ncf]
//                                            [--segment-taste members|model] [--segment-raw-vectors] [--segment-k 8]
//                                            [--segment-demographics-weight 1]
//
// --pca measures PCA compression of the item factors instead (see pca-factors.ts).
// --validate measures on a validation split of the training users instead (the test users are not
// used at all): how the default segment weight was chosen.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type InteractionEvent, mulberry32, ndcgAt, type UserPreferences } from '@recsys/core';
import {
  DEFAULT_EXPERIMENT,
  DEFAULT_TRAINER_OPTIONS,
  type Experiment,
  RecommendationEngine,
  SEGMENT_SIGNAL,
} from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { loadMovieLens100k, type Rating } from '../../../../packages/eval/src/datasets.js';
import { measurePcaCompression } from './pca-factors.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const DATA = option('data', process.env.MOVIELENS_100K_DIR ?? path.resolve('../shared/data/movielens-100k'));
const TEST_SHARE = Number(option('test-share', '0.2'));
const SEED = Number(option('seed', '42'));
const VALIDATE = args.includes('--validate');
const WITH_NCF = !args.includes('--no-ncf');
const WEIGHTS = option('weights', '').split(',').filter(Boolean).map(Number);
// Segment training variants, for comparison (the defaults are the served ones).
const SEGMENTS = {
  ...(args.includes('--segment-taste') && { taste: option('segment-taste', 'members') as 'members' | 'model' }),
  ...(args.includes('--segment-raw-vectors') && { normalizeVectors: false }),
  ...(args.includes('--segment-k') && { k: Number(option('segment-k', '8')) }),
  ...(args.includes('--segment-demographics-weight') && {
    weights: Object.fromEntries(['age', 'gender', 'country'].map((b) => [b, Number(option('segment-demographics-weight', '1'))])),
  }),
};
const K = 10;
const LIKED = 3;

/** ML-100k ages in the buckets onboarding forms use. */
function ageBucket(age: number): string {
  if (age < 18) return 'under-18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  return '55+';
}

interface Person {
  age_bucket: string;
  gender: string;
}

function readUsers(dir: string): Map<string, Person> {
  const users = new Map<string, Person>();
  for (const line of readFileSync(path.join(dir, 'u.user'), 'latin1').split('\n')) {
    const [id, age, gender] = line.split('|');
    if (id && age && gender) users.set(id, { age_bucket: ageBucket(Number(age)), gender });
  }
  return users;
}

function shuffle<T>(values: T[], random: () => number): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

const preferencesOf = (extra: Partial<UserPreferences>): UserPreferences => ({
  genres: [],
  languages: [],
  content_types: [],
  liked_item_ids: [],
  disliked_item_ids: [],
  friends: [],
  updated_at: '1998-04-23T00:00:00.000Z',
  ...extra,
});

const rateEvent = (r: Rating, n: number): InteractionEvent => ({
  event_id: `ml-${n}`,
  user_id: r.user,
  item_id: r.item,
  type: 'rate',
  rating: r.rating,
  timestamp: new Date(r.timestamp * 1000).toISOString(),
});

/** The served experiment with the segment signal at `weight` in every variant (undefined: its default). */
const experimentWith = (weight: number | undefined): Experiment =>
  weight === undefined
    ? DEFAULT_EXPERIMENT
    : {
        ...DEFAULT_EXPERIMENT,
        variants: DEFAULT_EXPERIMENT.variants.map((v) => ({
          ...v,
          weights: { ...v.weights, context: { ...v.weights.context, [SEGMENT_SIGNAL]: weight } },
        })),
      };

async function main(): Promise<void> {
  const started = performance.now();
  const dataset = loadMovieLens100k(DATA);
  const people = readUsers(DATA);
  const byUser = new Map<string, Rating[]>();
  for (const r of dataset.ratings) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const random = mulberry32(SEED);
  const allUsers = shuffle([...byUser.keys()].sort((a, b) => Number(a) - Number(b)), random);
  const cut = Math.round(allUsers.length * TEST_SHARE);
  // Validation: the held-out users are carved out of the training users; test users stay unseen.
  const pool = VALIDATE ? allUsers.slice(cut) : allUsers;
  const newUsers = pool.slice(0, cut);
  const trainUsers = pool.slice(cut);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'cold-start-'));
  const store = createEmbeddedStore({ dataDir: path.join(dir, 'store') });
  await store.open();
  const registry = createEmbeddedModelRegistry({ dir: path.join(dir, 'models') });
  const runners: InProcessJobRunner[] = [];
  const engineWith = async (weight: number | undefined) => {
    const jobs = new InProcessJobRunner();
    runners.push(jobs);
    const engine = new RecommendationEngine(
      { store, registry, jobs },
      {
        experiment: experimentWith(weight),
        trainer: { ...DEFAULT_TRAINER_OPTIONS, ...(WITH_NCF ? {} : { ncf: false }), segments: SEGMENTS },
        retrainEveryMs: 0,
        incrementalEveryMs: 0,
        trainOnStart: false,
      },
    );
    await engine.start();
    return engine;
  };
  try {
    const served = await engineWith(undefined);
    await served.upsertItems(dataset.items);
    let n = 0;
    const events = trainUsers.flatMap((u) => byUser.get(u)!.map((r) => rateEvent(r, n++)));
    for (let i = 0; i < events.length; i += 5000) await served.ingestEvents(events.slice(i, i + 5000));
    for (const u of trainUsers) await served.setPreferences(u, preferencesOf({ ...people.get(u)!, country: 'US' }));
    console.error(`cold-start: ${trainUsers.length} training users, ${events.length} ratings; training (NCF ${WITH_NCF ? 'on' : 'off'})...`);
    const job = await served.requestRetrain('full');
    let info = await served.getJob(job.id);
    while (info && info.state !== 'completed' && info.state !== 'failed') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      info = await served.getJob(job.id);
    }
    if (info?.state !== 'completed') throw new Error(`training failed: ${info?.error}`);
    const [record] = await served.listModels();
    console.error(`cold-start: trained ${record!.version} (${record!.training_seconds.toFixed(1)} s), segments ${record!.metrics.segments}`);

    // Each new user: 3 liked titles (rated 4+) at random; every other rating of theirs is relevant.
    const cases = newUsers.flatMap((u) => {
      const ratings = shuffle(byUser.get(u)!.slice(), random);
      const liked = ratings.filter((r) => r.rating >= 4).slice(0, LIKED);
      if (liked.length < LIKED) return [];
      const given = new Set(liked.map((r) => r.item));
      const relevant = new Set(ratings.filter((r) => !given.has(r.item)).map((r) => r.item));
      return relevant.size ? [{ user: u, person: people.get(u)!, liked: [...given], relevant }] : [];
    });

    const conditions: { name: string; prefs: (c: (typeof cases)[number]) => UserPreferences | undefined }[] = [
      { name: 'nothing known (popularity)', prefs: () => undefined },
      { name: 'demographics only', prefs: (c) => preferencesOf({ ...c.person, country: 'US' }) },
      { name: `${LIKED} liked titles only`, prefs: (c) => preferencesOf({ liked_item_ids: c.liked }) },
      { name: `demographics + ${LIKED} liked titles`, prefs: (c) => preferencesOf({ ...c.person, country: 'US', liked_item_ids: c.liked }) },
    ];
    const weights = WEIGHTS.length ? WEIGHTS : [0, undefined];
    const rows: string[] = [];
    const results = new Map<string, number>();
    for (const weight of weights) {
      const engine = weight === undefined ? served : await engineWith(weight);
      const label = weight === undefined ? 'on (served default)' : weight === 0 ? 'off' : `weight ${weight}`;
      for (const [ci, condition] of conditions.entries()) {
        // The segment signal needs something known: with nothing known it cannot change the list.
        if (ci === 0 && weight !== weights[0]) continue;
        let ndcg = 0;
        let hits = 0;
        let segmentReasons = 0;
        for (const c of cases) {
          const id = `new-${c.user}`;
          const prefs = condition.prefs(c);
          if (prefs) await engine.setPreferences(id, prefs);
          const response = await engine.recommend({ user_id: id, limit: K });
          const ids = response.items.map((i) => i.item_id);
          ndcg += ndcgAt(ids, c.relevant, K);
          if (ids.some((i) => c.relevant.has(i))) hits++;
          if (response.items.some((i) => i.explanation_reasons.some((r) => r.startsWith('popular with viewers like you')))) segmentReasons++;
        }
        const mean = ndcg / cases.length;
        results.set(`${ci}:${weight}`, mean);
        const base = results.get(`0:${weights[0]}`) ?? mean;
        rows.push(
          `| ${condition.name} | ${ci === 0 ? '-' : label} | ${mean.toFixed(4)} | ${(hits / cases.length).toFixed(4)} | ${
            ci === 0 ? '-' : `${(((mean - base) / base) * 100).toFixed(0)} %`
          } | ${((segmentReasons / cases.length) * 100).toFixed(0)} % |`,
        );
      }
    }
    console.log(
      `MovieLens-100k, ${VALIDATE ? 'validation split of the training users' : 'test users'}: ${cases.length} new users ` +
        `(${Math.round(TEST_SHARE * 100)} % of users, seed ${SEED}), the service trained on the other ${trainUsers.length} ` +
        `(${events.length} ratings, NCF ${WITH_NCF ? 'on' : 'off'}, ${record!.metrics.segments} segments chosen by silhouette` +
        `${record!.metrics.segments_silhouette !== undefined ? ` ${record!.metrics.segments_silhouette}` : ''}). ` +
        `Relevant: every other rating of the user. Lists from engine.recommend, served defaults (diversity 0.15).\n`,
    );
    console.log('| new user known by | segment signal | nDCG@10 | HR@10 | vs popularity | lists with a segment reason |');
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    for (const jobs of runners) await jobs.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.includes('--pca')) await measurePcaCompression(DATA);
else await main();
