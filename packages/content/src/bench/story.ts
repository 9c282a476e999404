// Story similarity benchmark: cold-item ranking on MovieLens-1M + TMDB overviews, story
// neighbours on the Netflix titles, and build time / memory at 8.8k and 100k items.
//
//   tsx packages/content/src/bench/story.ts --data <datasets dir> [--only cold,netflix,build8k,build100k]
//       [--dims 128] [--power 2] [--fit-docs 50000] [--items 100000]
//
// <datasets dir> holds movielens-1m/, movielens-1m-tmdb-overviews/ and netflix-titles/ as
// downloaded. Prints Markdown. Run the build sections in their own process for clean memory figures.
import { parseArgs } from 'node:util';
import { feedbackSignal, type Item, ndcgAt, recallAt, topK, type UserItemFeature } from '@recsys/core';
import { mulberry32 } from '@recsys/models';
import { LsaModel, type LsaOptions } from '../lsa-model.js';
import { storyProfile } from '../story-profile.js';
import { loadTextAnalyzer, type TextAnalyzer } from '../text-analyzer.js';
import { dotAt } from '../vector-math.js';
import { generateCatalogue, readMovieLensOverviews, readMovieLensRatings, readNetflixTitles } from './datasets.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    only: { type: 'string', default: 'cold,netflix,build8k,build100k' },
    dims: { type: 'string', default: '128' },
    power: { type: 'string', default: '2' },
    'fit-docs': { type: 'string', default: '50000' },
    items: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
  },
});
if (!args.data) {
  console.error('usage: story.ts --data <datasets dir> [--only cold,netflix,build8k,build100k] [--dims 128]');
  process.exit(2);
}
const dataDir = args.data;
const sections = new Set(args.only!.split(','));
const lsa: Partial<LsaOptions> = {
  dimensions: Number(args.dims),
  svd: { powerIterations: Number(args.power) },
  maxFitDocuments: Number(args['fit-docs']),
};
const seed = Number(args.seed);

const fmt = (x: number, digits = 4) => x.toFixed(digits);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function embedAll(model: LsaModel, items: readonly Item[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const item of items) {
    const v = model.embed(item);
    if (v) out.set(item.item_id, v);
  }
  return out;
}

interface Mean {
  add(x: number): void;
  readonly mean: number;
  /** Standard error of the mean. */
  readonly se: number;
}
function mean(): Mean {
  let n = 0;
  let sum = 0;
  let sq = 0;
  return {
    add(x) {
      n++;
      sum += x;
      sq += x * x;
    },
    get mean() {
      return n ? sum / n : 0;
    },
    get se() {
      if (n < 2) return 0;
      const m = sum / n;
      return Math.sqrt(Math.max(0, sq / n - m * m) / (n - 1));
    },
  };
}

// ---- 1. cold items: rank only never-trained movies by story score --------------------------

function coldStart(analyzer: TextAnalyzer): void {
  const items = readMovieLensOverviews(dataDir);
  const ratings = readMovieLensRatings(dataDir);
  const random = mulberry32(seed);
  const ids = items.map((i) => i.item_id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const hidden = new Set(ids.slice(0, Math.round(ids.length * 0.2)));
  const trainItems = items.filter((i) => !hidden.has(i.item_id));
  const hiddenItems = items.filter((i) => hidden.has(i.item_id));

  const started = performance.now();
  const model = LsaModel.fit(trainItems, analyzer, lsa);
  const fitMs = performance.now() - started;
  const vectors = embedAll(model, items);
  const vectorOf = (id: string) => vectors.get(id);

  // Popularity by genre: how often training titles of each genre were rated, per title.
  const ratingsPerItem = new Map<string, number>();
  for (const r of ratings) if (!hidden.has(r.item)) ratingsPerItem.set(r.item, (ratingsPerItem.get(r.item) ?? 0) + 1);
  const genreTotals = new Map<string, { ratings: number; titles: number }>();
  for (const item of trainItems) {
    for (const g of item.genres) {
      const t = genreTotals.get(g) ?? { ratings: 0, titles: 0 };
      t.ratings += ratingsPerItem.get(item.item_id) ?? 0;
      t.titles++;
      genreTotals.set(g, t);
    }
  }
  const genrePopularity = (g: string) => {
    const t = genreTotals.get(g);
    return t ? t.ratings / t.titles : 0;
  };
  const hiddenGenrePop = hiddenItems.map((item) =>
    item.genres.length ? item.genres.reduce((s, g) => s + genrePopularity(g), 0) / item.genres.length : 0,
  );
  const genresOf = new Map(items.map((i) => [i.item_id, i.genres]));

  const byUser = new Map<string, typeof ratings>();
  for (const r of ratings) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }

  type Ranker = 'story' | 'random' | 'genre_popularity' | 'user_genre_affinity';
  const rankers: Ranker[] = ['story', 'random', 'genre_popularity', 'user_genre_affinity'];
  const metrics = {
    liked: Object.fromEntries(rankers.map((r) => [r, { ndcg: mean(), recall: mean() }])) as Record<Ranker, { ndcg: Mean; recall: Mean }>,
    rated: Object.fromEntries(rankers.map((r) => [r, { ndcg: mean(), recall: mean() }])) as Record<Ranker, { ndcg: Mean; recall: Mean }>,
  };
  let usersLiked = 0;
  let usersRated = 0;
  let noProfile = 0;
  const hiddenIds = hiddenItems.map((i) => i.item_id);
  const rankStarted = performance.now();
  for (const [, list] of byUser) {
    const features: UserItemFeature[] = [];
    const liked = new Set<string>();
    const rated = new Set<string>();
    const affinity = new Map<string, number>();
    let now = 0;
    for (const r of list) {
      now = Math.max(now, r.at);
      if (hidden.has(r.item)) {
        rated.add(r.item);
        if (r.rating >= 4) liked.add(r.item);
        continue;
      }
      const signal = feedbackSignal({ event_id: '', user_id: '', item_id: r.item, type: 'rate', rating: r.rating, timestamp: '' });
      features.push({ item_id: r.item, preference: signal.preference, consumed: signal.consumed, events: 1, last_at: r.at });
      for (const g of genresOf.get(r.item) ?? []) affinity.set(g, (affinity.get(g) ?? 0) + signal.preference);
    }
    if (rated.size === 0) continue;
    const profile = storyProfile(features, vectorOf, now);
    if (!profile) {
      noProfile++;
      continue;
    }
    const userRandom = mulberry32(seed + list.length * 7919 + Number(list[0]!.user));
    const scores: Record<Ranker, Float32Array> = {
      story: Float32Array.from(hiddenIds, (id) => {
        const v = vectors.get(id);
        return v ? dotAt(profile.vector, v) : -1;
      }),
      random: Float32Array.from(hiddenIds, () => userRandom()),
      genre_popularity: Float32Array.from(hiddenGenrePop),
      user_genre_affinity: Float32Array.from(hiddenItems, (item, i) => {
        const a = item.genres.length ? item.genres.reduce((s, g) => s + (affinity.get(g) ?? 0), 0) / item.genres.length : 0;
        // Genre popularity breaks ties between titles of equally liked genres.
        return a + 1e-3 * hiddenGenrePop[i]!;
      }),
    };
    for (const ranker of rankers) {
      const top = Array.from(topK(scores[ranker], 10), (i) => hiddenIds[i]!);
      if (liked.size > 0) {
        metrics.liked[ranker].ndcg.add(ndcgAt(top, liked, 10));
        metrics.liked[ranker].recall.add(recallAt(top, liked, 10));
      }
      metrics.rated[ranker].ndcg.add(ndcgAt(top, rated, 10));
      metrics.rated[ranker].recall.add(recallAt(top, rated, 10));
    }
    if (liked.size > 0) usersLiked++;
    usersRated++;
  }
  const rankMs = performance.now() - rankStarted;

  console.log('### Cold-start items (MovieLens-1M users 1-2999 + TMDB overviews)\n');
  console.log(
    `${items.length} movies, ${hidden.size} (20 %, seed ${seed}) hidden from training entirely: the LSA model ` +
      `(${model.dimensions} dims, ${model.vocabulary.size} terms) is fitted on the other ${trainItems.length} in ${seconds(fitMs)}, ` +
      `and the hidden ones are embedded afterwards with \`embed()\`. Each user's story profile comes from their ` +
      `ratings of training movies only (rating → feedbackSignal preference, 120-day half-life); all ${hidden.size} hidden movies are ` +
      `ranked for every user (${seconds(rankMs)} for all users). ${noProfile} users had no profile.\n`,
  );
  for (const [label, key, users] of [
    ['relevant = hidden movies the user rated 4 or 5', 'liked', usersLiked],
    ['relevant = every hidden movie the user rated', 'rated', usersRated],
  ] as const) {
    console.log(`${label} (${users} users); ± is one standard error:\n`);
    console.log('| ranking | Recall@10 | nDCG@10 |');
    console.log('|---|---:|---:|');
    for (const ranker of rankers) {
      const m = metrics[key][ranker];
      console.log(`| ${ranker} | ${fmt(m.recall.mean)} ± ${fmt(m.recall.se)} | ${fmt(m.ndcg.mean)} ± ${fmt(m.ndcg.se)} |`);
    }
    console.log();
  }
}

// ---- 2. Netflix titles: story neighbours of well-known titles ------------------------------

const WELL_KNOWN = [
  'Stranger Things',
  'Narcos',
  'The Crown',
  'Breaking Bad',
  'Black Mirror',
  'Ozark',
  'Inception',
  'Peaky Blinders',
  'The Irishman',
  'The Witcher',
  'Squid Game',
  'Naruto',
];

function neighbours(ids: readonly string[], vectors: Map<string, Float32Array>, query: string, k: number) {
  const q = vectors.get(query);
  if (!q) return [];
  const scores = Float32Array.from(ids, (id) => {
    const v = vectors.get(id);
    return id === query || !v ? -Infinity : dotAt(q, v);
  });
  return Array.from(topK(scores, k), (i) => ({ id: ids[i]!, score: scores[i]! }));
}

function netflix(analyzer: TextAnalyzer): void {
  const items = readNetflixTitles(dataDir);
  const byId = new Map(items.map((i) => [i.item_id, i]));
  const ids = items.map((i) => i.item_id);
  const shares = (vectors: Map<string, Float32Array>, queries: readonly string[]) => {
    let shared = 0;
    let total = 0;
    for (const q of queries) {
      const genres = new Set(byId.get(q)!.genres);
      for (const n of neighbours(ids, vectors, q, 5)) {
        total++;
        if (byId.get(n.id)!.genres.some((g) => genres.has(g))) shared++;
      }
    }
    return total ? shared / total : 0;
  };
  const randomShare = (queries: readonly string[], random: () => number) => {
    let shared = 0;
    let total = 0;
    for (const q of queries) {
      const genres = new Set(byId.get(q)!.genres);
      for (let k = 0; k < 5; k++) {
        let other = q;
        while (other === q) other = ids[Math.floor(random() * ids.length)]!;
        total++;
        if (byId.get(other)!.genres.some((g) => genres.has(g))) shared++;
      }
    }
    return shared / total;
  };

  const model = LsaModel.fit(items, analyzer, lsa);
  const vectors = embedAll(model, items);
  const plotOnly = LsaModel.fit(items, analyzer, { ...lsa, fields: { genres: 0, cast: 0, crew: 0 } });
  const plotVectors = embedAll(plotOnly, items);

  const known = WELL_KNOWN.map((title) => items.find((i) => i.title === title)).filter((i): i is Item => Boolean(i));
  const random = mulberry32(seed);
  const sample = Array.from({ length: 1000 }, () => ids[Math.floor(random() * ids.length)]!);

  console.log('### Similar titles (Netflix catalogue, 8,807 titles)\n');
  console.log(`Top-5 story neighbours (cosine of ${model.dimensions}-dim LSA vectors over description, title, genres, cast and director):\n`);
  for (const item of known) {
    const list = neighbours(ids, vectors, item.item_id, 5)
      .map((n) => `${byId.get(n.id)!.title} (${n.score.toFixed(2)})`)
      .join('; ');
    console.log(`- **${item.title}** [${item.genres.join(', ')}]: ${list}`);
  }
  console.log();
  console.log('Share of top-5 neighbours that share at least one `listed_in` genre with the query title:\n');
  console.log('| queries | story (all fields) | story (description + title only) | random titles |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| the ${known.length} titles above | ${fmt(shares(vectors, known.map((i) => i.item_id)), 3)} | ${fmt(shares(plotVectors, known.map((i) => i.item_id)), 3)} | ${fmt(randomShare(known.map((i) => i.item_id), mulberry32(seed + 1)), 3)} |`,
  );
  console.log(
    `| 1,000 random titles (seed ${seed}) | ${fmt(shares(vectors, sample), 3)} | ${fmt(shares(plotVectors, sample), 3)} | ${fmt(randomShare(sample, mulberry32(seed + 2)), 3)} |`,
  );
  console.log();
}

// ---- 3. build time and memory -------------------------------------------------------------

/** Wall and CPU (user + system) time of `run`, for figures that hold up on a shared machine. */
function timed<T>(run: () => T): { value: T; wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = run();
  const used = process.cpuUsage(cpu);
  return { value, wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}
const both = (t: { wall: number; cpu: number }) => `${seconds(t.wall)} / ${seconds(t.cpu)}`;

function build(label: string, items: readonly Item[], analyzer: TextAnalyzer, read: { wall: number; cpu: number }): void {
  const fit = timed(() => LsaModel.fit(items, analyzer, lsa));
  const model = fit.value;
  const embed = timed(() => {
    const flat = new Float32Array(items.length * model.dimensions);
    let embedded = 0;
    items.forEach((item, row) => {
      const v = model.embed(item);
      if (v) {
        flat.set(v, row * model.dimensions);
        embedded++;
      }
    });
    return { flat, embedded };
  });
  const artifact = model.toArtifact();
  const peak = process.resourceUsage().maxRSS * 1024;
  const perItem = (embed.cpu * 1000) / items.length;
  console.log(
    `| ${label} | ${items.length.toLocaleString('en')} | ${both(read)} | ${both(fit)} (${model.fitDocuments.toLocaleString('en')} fitted) | ` +
      `${both(embed)} (${perItem.toFixed(0)} µs/item) | ${model.vocabulary.size.toLocaleString('en')} | ${mb(embed.value.flat.byteLength)} | ${mb(artifact.byteLength)} | ${mb(peak)} |`,
  );
}

async function main(): Promise<void> {
  const loadStarted = performance.now();
  const analyzer = await loadTextAnalyzer();
  const loadMs = performance.now() - loadStarted;
  if (sections.has('cold')) coldStart(analyzer);
  if (sections.has('netflix')) netflix(analyzer);
  if (sections.has('build8k') || sections.has('build100k')) {
    console.log(`### Build time and memory (${lsa.dimensions} dims; loading \`natural\` took ${seconds(loadMs)} once per process)\n`);
    console.log('Times are wall / CPU.\n');
    console.log('| catalogue | items | read or generate | fit (tokenise + TF-IDF + SVD) | embed every item | terms | vectors (f32) | model artifact | peak RSS |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    if (sections.has('build8k')) {
      const read = timed(() => readNetflixTitles(dataDir));
      build('Netflix titles', read.value, analyzer, read);
    }
    if (sections.has('build100k')) {
      const read = timed(() => generateCatalogue(Number(args.items), seed));
      build('generated', read.value, analyzer, read);
    }
    console.log();
  }
}

await main();
