// `pnpm bench serve`: recommendation latency of the real service on a synthetic catalogue. Writes
// items, users' events and an ALS model version (64 factors) into a fresh data directory, starts
// the service on it as a separate process and drives GET /v1/users/:id/recommendations with a
// bounded closed loop on loopback, then optionally at fixed rates (open loop). Prints Markdown.
//
// Options: --items 100000  --users 100000  --events 5 (per user)  --seconds 30  --concurrency 32
//          --rate (requests a second, open loop; none by default)
//          --warmup 3 (seconds of unrecorded load first, for the JIT)  --limit 10  --queries 50 (recall sample)  --keep (leave the data directory)
// --concurrency and --rate take lists (e.g. 32,1 and 300,1000): one load phase per entry against the
// same service, closed-loop phases first. A closed loop measures capacity (latency is then the
// clients' queue, concurrency / throughput); a rate measures latency at that load.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExactIndex, FaissIndex, createVectorIndexFactory, recallAtK } from '@recsys/ann';
import { CONTENT_TYPES, encodeArtifact, type InteractionEvent, type Item, mulberry32 } from '@recsys/core';
import { ANN_INDEX_ARTIFACT, encodeBundle } from '@recsys/engine';
import { ImplicitALS } from '@recsys/models';
import { createEmbeddedModelRegistry, createEmbeddedStore, createRedisModelRegistry, createRedisStore } from '@recsys/store';
import { startRedisServer } from '@recsys/store/testing';
import { startServiceProcess } from '../test/support/service-process.js';
import { keepAliveClient, type LoadResult, ms, runClosedLoop, runOpenLoop } from './load.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    users: { type: 'string', default: '100000' },
    events: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string', default: '' },
    limit: { type: 'string', default: '10' },
    queries: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    // Distributed mode: the same data in a redis-server on loopback, served by an API replica.
    redis: { type: 'boolean', default: false },
  },
});
const nItems = Number(values.items);
const nUsers = Number(values.users);
const eventsPerUser = Number(values.events);
const seconds = Number(values.seconds);
const concurrencies = values.concurrency.split(',').map(Number);
const rates = values.rate === '' ? [] : values.rate.split(',').map(Number);
for (const [name, list] of [['--concurrency', concurrencies], ['--rate', rates]] as const) {
  const bad = list.find((x) => !Number.isInteger(x) || x < 1);
  if (bad !== undefined) throw new Error(`${name} takes positive integers, got ${bad}`);
}
const limit = Number(values.limit);
const queries = Number(values.queries);
const DIM = 64;
/** Connections an open-loop phase may open: enough for its requests in flight at once at the rates measured. */
const OPEN_LOOP_CONNECTIONS = 64;

// Deterministic randomness (mulberry32 + Box-Muller), so two runs measure the same data.
const random = mulberry32(20_261_126);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

// Factors around √n taste clusters, like trained embeddings; each user draws their history from
// their own cluster, so folding them in lands near the items they would be recommended.
const clusters = Math.max(1, Math.round(Math.sqrt(nItems)));
const centres = Float32Array.from({ length: clusters * DIM }, () => gaussian());
const clusterOfItem = Int32Array.from({ length: nItems }, () => Math.floor(random() * clusters));
const itemsOfCluster: number[][] = Array.from({ length: clusters }, () => []);
clusterOfItem.forEach((c, i) => itemsOfCluster[c]!.push(i));
const scale = 1 / Math.sqrt(DIM);
const itemFactors = new Float32Array(nItems * DIM);
for (let i = 0; i < nItems; i++) {
  const norm = Math.exp(0.3 * gaussian());
  for (let d = 0; d < DIM; d++) itemFactors[i * DIM + d] = norm * scale * (centres[clusterOfItem[i]! * DIM + d]! + 0.7 * gaussian());
}
const clusterOfUser = Int32Array.from({ length: nUsers }, () => Math.floor(random() * clusters));
const userFactors = new Float32Array(nUsers * DIM);
for (let u = 0; u < nUsers; u++) {
  for (let d = 0; d < DIM; d++) userFactors[u * DIM + d] = scale * (centres[clusterOfUser[u]! * DIM + d]! + 0.7 * gaussian());
}

const GENRES = ['drama', 'comedy', 'action', 'thriller', 'romance', 'horror', 'sci-fi', 'fantasy', 'animation', 'documentary', 'crime', 'mystery', 'adventure', 'family', 'history', 'war', 'music', 'western', 'sport', 'biography'];
const LANGUAGES = ['en', 'en', 'en', 'fr', 'ja', 'es', 'de', 'ko'];
const stamp = new Date().toISOString();
const item = (i: number): Item => {
  const genres = new Set<string>();
  const g = 1 + Math.floor(random() * 3);
  for (let k = 0; k < g; k++) genres.add(GENRES[(clusterOfItem[i]! + Math.floor(random() * 4) * 5) % GENRES.length]!);
  return {
    item_id: `i${i}`,
    title: `Title ${i}`,
    content_type: CONTENT_TYPES[i % CONTENT_TYPES.length]!,
    genres: [...genres],
    languages: [LANGUAGES[Math.floor(random() * LANGUAGES.length)]!],
    cast: [],
    crew: [],
    regions: [],
    year: 1950 + Math.floor(random() * 75),
    available: true,
    updated_at: stamp,
  };
};
const nowMs = Date.now();
const historyOf = (u: number): InteractionEvent[] => {
  const own = itemsOfCluster[clusterOfUser[u]!]!;
  return Array.from({ length: eventsPerUser }, (_, j) => {
    // Mostly the user's own cluster, sometimes anything (what the popularity signal sees).
    const i = own.length > 0 && random() < 0.8 ? own[Math.floor(random() * own.length)]! : Math.floor(random() * nItems);
    return {
      event_id: `e${u}-${j}`,
      user_id: `u${u}`,
      item_id: `i${i}`,
      type: j % 3 === 0 ? 'complete' : 'watch',
      completion: j % 3 === 0 ? 1 : 0.6,
      timestamp: new Date(nowMs - Math.floor(random() * 30 * 86_400_000)).toISOString(),
    };
  });
};

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-serve-'));
const redis = values.redis ? await startRedisServer() : undefined;
const log = (message: string) => console.error(`[bench serve] ${message}`);
try {
  const t0 = performance.now();
  const store = redis ? createRedisStore({ url: redis.url }) : createEmbeddedStore({ dataDir });
  await store.open();
  for (let from = 0; from < nItems; from += 10_000) {
    await store.catalog.upsert(Array.from({ length: Math.min(10_000, nItems - from) }, (_, k) => item(from + k)));
  }
  const histories: InteractionEvent[][] = [];
  const calibrationHistories: InteractionEvent[][] = [];
  for (let from = 0; from < nUsers; from += 2_000) {
    const batch: InteractionEvent[] = [];
    for (let u = from; u < Math.min(nUsers, from + 2_000); u++) {
      const events = historyOf(u);
      if (u < queries) histories.push(events);
      else if (u < queries + 64) calibrationHistories.push(events);
      batch.push(...events);
    }
    await store.events.append(batch);
    // The embedded store derives features when it opens; Redis keeps them, written as the API would.
    if (redis) await store.features.record(batch);
  }
  await store.close();
  log(`catalogue and ${nUsers * eventsPerUser} events written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The model version, in the ALS artifact format the trainer writes.
  const itemIds = Array.from({ length: nItems }, (_, i) => `i${i}`);
  const alsBytes = encodeArtifact({
    kind: 'als',
    format: 1,
    meta: { nUsers, nItems, options: { factors: DIM, regularization: 30, alpha: 0.75, iterations: 10, cgSteps: 3, seed: 42 } },
    arrays: { user_factors: userFactors, item_factors: itemFactors },
  });
  const als = ImplicitALS.fromArtifact(alsBytes);
  // ANN as the service builds it, against exact search, on folded-in users (what serving queries).
  const foldIn = (events: InteractionEvent[]) =>
    als.foldIn(
      events.map((e) => Number(e.item_id!.slice(1))),
      events.map((e) => (e.type === 'complete' ? 1 : 0.6)),
    );
  // Tuned on 64 other users' vectors, as a retrain tunes the index on its trained users.
  const calibrationQueries = new Float32Array(calibrationHistories.length * DIM);
  calibrationHistories.forEach((events, q) => calibrationQueries.set(foldIn(events), q * DIM));
  const factory = createVectorIndexFactory({ logger: { warn: (obj, msg) => log(`${msg} ${JSON.stringify(obj)}`) } });
  const tBuild = performance.now();
  const index = factory.build(itemFactors, DIM, { calibrationQueries });
  const buildSeconds = (performance.now() - tBuild) / 1000;
  const registry = redis ? createRedisModelRegistry({ url: redis.url }) : createEmbeddedModelRegistry({ dir: path.join(dataDir, 'models') });
  const version = 'bench-synthetic-als';
  await registry.save(
    { version, created_at: stamp, components: ['popularity', 'als'], metrics: { users: nUsers, items: nItems }, training_seconds: 0 },
    {
      ...encodeBundle({ als, itemIds, userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`) }),
      // Saved with the version as a retrain saves it, so the service restores it instead of building it.
      ...(index.toBytes && { [ANN_INDEX_ARTIFACT]: index.toBytes() }),
    },
  );
  await registry.activate(version);
  if ('close' in registry) await registry.close();

  const exact = new ExactIndex(itemFactors, DIM);
  const k = Math.min(1000, nItems);
  let recall = 0;
  for (const events of histories) {
    const vector = foldIn(events);
    recall += recallAtK(index.search(vector, k).rows, exact.search(vector, k).rows);
  }
  recall /= Math.max(1, histories.length);
  const annLabel = index instanceof FaissIndex ? `${index.info.description}${index.info.nprobe ? ` nprobe ${index.info.nprobe}` : ''}` : 'exact';
  log(`index (${annLabel}) built in ${buildSeconds.toFixed(1)} s, recall@${k} ${recall.toFixed(3)}`);

  const tStart = performance.now();
  const service = await startServiceProcess(
    {
      ...(redis ? { REDIS_URL: redis.url } : { RECSYS_DATA_DIR: dataDir }),
      RECSYS_DEMO: '0',
      LOG_LEVEL: 'warn',
      RECSYS_RATE_LIMIT_PER_MINUTE: '10000000',
      RECSYS_RETRAIN_INTERVAL_MINUTES: '0',
    },
    600_000,
    redis ? '/readyz' : '/healthz',
  );
  const pid = service.child.pid!;
  const status = async () => {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/\d+/.exec(text.split('\n').find((l) => l.startsWith(key)) ?? '')?.[0] ?? NaN);
    return { rss: kb('VmRSS:') / 1024, hwm: kb('VmHWM:') / 1024 };
  };
  try {
    // The first request builds the serving state (catalogue view, popularity, index).
    const first = await fetch(`${service.baseUrl}/v1/users/u0/recommendations?limit=${limit}`);
    const firstBody = (await first.json()) as { model_version?: string; items?: unknown[] };
    if (first.status !== 200 || firstBody.model_version !== version) throw new Error(`first answer ${first.status}: ${JSON.stringify(firstBody).slice(0, 300)}`);
    const startSeconds = (performance.now() - tStart) / 1000;
    const idle = await status();
    log(`service ready in ${startSeconds.toFixed(1)} s, RSS ${idle.rss.toFixed(0)} MB; loading for ${seconds} s`);

    // The highest RSS sampled during the phase under way (each phase's own peak goes in its row).
    let peakRss = idle.rss;
    const sampler = setInterval(() => void status().then((s) => (peakRss = Math.max(peakRss, s.rss)), () => {}), 500);
    const results = [];
    // An open-loop phase opens connections as its requests overlap, up to this many.
    const client = keepAliveClient(service.baseUrl, Math.max(...concurrencies, rates.length > 0 ? OPEN_LOOP_CONNECTIONS : 0));
    const send = async () => {
      const user = Math.floor(random() * nUsers);
      const response = await client.get(`/v1/users/u${user}/recommendations?limit=${limit}`);
      const body = JSON.parse(response.body) as { items?: unknown[] };
      return response.status === 200 && body.items?.length === limit;
    };
    const phases: { load: string; run: (durationMs: number) => Promise<LoadResult> }[] = [
      ...concurrencies.map((concurrency) => ({
        load: `${concurrency} ${concurrency === 1 ? 'client' : 'clients'}`,
        run: (durationMs: number) => runClosedLoop({ concurrency, durationMs, maxRequests: 2_000_000, send }),
      })),
      ...rates.map((rate) => ({
        load: `${rate} req/s offered`,
        run: (durationMs: number) => runOpenLoop({ rate, durationMs, maxRequests: 2_000_000, send }),
      })),
    ];
    await phases[0]!.run(Number(values.warmup) * 1000);
    for (const { load, run } of phases) {
      // This process is the load client: its CPU comes out of the cores the service runs on.
      const cpuBefore = process.cpuUsage();
      peakRss = (await status()).rss;
      const result = await run(seconds * 1000);
      const cpu = process.cpuUsage(cpuBefore);
      peakRss = Math.max(peakRss, (await status()).rss);
      results.push({ load, result, peakRss, clientMs: (cpu.user + cpu.system) / 1000 / Math.max(1, result.requests) });
    }
    clearInterval(sampler);
    client.close();
    const end = await status();

    const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
    console.log(`### ${size(nItems)} items / ${size(nUsers)} users, ${redis ? 'distributed mode (Redis)' : 'embedded mode'}\n`);
    console.log(
      `Command: \`pnpm bench serve --items ${nItems} --users ${nUsers} --events ${eventsPerUser} --seconds ${seconds} --warmup ${values.warmup} --concurrency ${values.concurrency}${rates.length > 0 ? ` --rate ${values.rate}` : ''}${redis ? ' --redis' : ''}\`\n`,
    );
    console.log('| items | users | events | load | p50 | p95 | p99 | max | req/s | requests | errors | RSS idle / peak / VmHWM (MB) | ANN | build s | recall@1000 | ready s | client CPU / request |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|');
    for (const { load, result, peakRss, clientMs } of results) {
      console.log(
        `| ${nItems} | ${nUsers} | ${nUsers * eventsPerUser} | ${load} | ${ms(result.p50)} | ${ms(result.p95)} | ${ms(result.p99)} | ${ms(result.max)} | ${result.throughput.toFixed(0)} | ${result.requests} | ${result.errors} | ${idle.rss.toFixed(0)} / ${peakRss.toFixed(0)} / ${end.hwm.toFixed(0)} | ${annLabel} | ${buildSeconds.toFixed(1)} | ${recall.toFixed(3)} | ${startSeconds.toFixed(1)} | ${(clientMs * 1000).toFixed(0)} µs |`,
      );
    }
  } finally {
    await service.stop('SIGTERM');
  }
} finally {
  await redis?.stop();
  if (values.keep) log(`data directory kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
