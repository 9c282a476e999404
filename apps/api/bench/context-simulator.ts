// `pnpm bench context --part simulator`: context signals against planted effects, over HTTP.
//
// Builds a synthetic world in which users' choices depend on their context in known ways (device,
// time of day, region, friends, mood after a thriller, an abandoned search), sends the catalogue,
// preferences and history to the real service (a separate process) and retrains it through the
// API. Then, per signal, a service with every signal on and one with that signal's weight at 0
// (engine option `context.weights`: the defaults a variant's `SignalWeights.context` overrides)
// answer the same requests in turn: HR@10 of the planted next titles on vs. off, and p95 latency.
// Because HTTP latency on a shared machine mostly measures the machine, each signal's cost per
// request is also measured in-process, on vs. off: the p95 of the engine's own time per request
// (monotonic clock) and the mean CPU time per request (process CPU summed over all requests: the
// kernel counts CPU in scheduler ticks, too coarse to time one request of a few milliseconds). Prints Markdown.
//
// Options: --users 500  --cases 50 (per effect)  --rounds 2 (timed passes per signal)  --seed 7  --keep  --data <dir kept before>  --weights '{"temporal":0.2}'
//          --only temporal,mood (measure only these signals' effects)
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ContentType, type InteractionEvent, type Item, mulberry32 } from '@recsys/core';
import { type RecommendationRequest, RecommendationEngine } from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { freePort } from '../test/support/service-process.js';
import { BENCH_SERVICE_ENV } from './load.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '../../..');

// ---- service mode: the bench's service process ---------------------------------------------------
// The real embedded service (same composition root as `pnpm start`), with the context weights of
// this phase; started by the harness below as a child process.
async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { createEmbeddedService } = await import('../src/embedded-service.js');
  const config = loadConfig();
  const weights = JSON.parse(process.env.RECSYS_BENCH_CONTEXT_WEIGHTS ?? '{}') as Record<string, number>;
  const service = await createEmbeddedService(config, { context: { weights } });
  await service.app.listen({ host: config.host, port: config.port });
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

async function runBenchmark(): Promise<void> {
  const { values } = parseArgs({
    strict: false,
    options: {
      users: { type: 'string', default: '500' },
      cases: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '2' },
      seed: { type: 'string', default: '7' },
      keep: { type: 'boolean', default: false },
      // Reuse a data directory a previous run kept (--keep): same world (same --users, --cases, --seed), no load or retrain.
      data: { type: 'string' },
      // Context weights of every service in the run, as JSON (e.g. '{"temporal":0.2}'): to try weights.
      weights: { type: 'string', default: '{}' },
      // Measure only these signals' effects, comma-separated (e.g. 'temporal,mood'): to try weights quickly.
      only: { type: 'string' },
    },
  });
  const only = typeof values.only === 'string' ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
  const effects = EFFECTS.filter((e) => !only || only.has(e.signal));
  const nUsers = Number(values.users);
  const casesPerEffect = Number(values.cases);
  const rounds = Math.max(1, Number(values.rounds));
  const base = JSON.parse(String(values.weights)) as Record<string, number>;
  const log = (message: string) => console.error(`[bench context simulator] ${message}`);
  const world = buildWorld(nUsers, casesPerEffect, Number(values.seed));
  log(`${world.items.length} items, ${nUsers} users, ${world.events.length} events, ${world.cases.length} test cases`);

  const reuse = typeof values.data === 'string' ? values.data : undefined;
  const dataDir = reuse ?? (await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-context-')));
  const copies: string[] = [];
  /** Each service process gets its own copy of the trained data directory. */
  const copyOfData = async (name: string) => {
    const dir = `${dataDir}-${name}`;
    await rm(dir, { recursive: true, force: true });
    await cp(dataDir, dir, { recursive: true });
    copies.push(dir);
    return dir;
  };
  const started = performance.now();
  try {
    if (!reuse) {
      // Load the world and train, every signal at its default weight.
      const service = await startService(dataDir, base);
      try {
        await load(service.baseUrl, world, log);
        const t0 = performance.now();
        const version = await retrain(service.baseUrl);
        log(`trained ${version} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        await service.stop();
      }
    }
    // One service with every signal on runs throughout; per signal a second one runs with that
    // signal off, and each request goes to both in turn, so both see the same machine load.
    const on = await startService(await copyOfData('on'), base);
    const results: Paired[] = [];
    try {
      for (const effect of effects) {
        const off = await startService(await copyOfData(`off-${effect.signal}`), { ...base, [effect.signal]: 0 });
        try {
          results.push(await measure(on.baseUrl, off.baseUrl, world.cases, rounds));
        } finally {
          await off.stop();
        }
        log(`${effect.signal}: on vs. off measured`);
      }
    } finally {
      await on.stop();
    }
    const cpu = await measureInProcess(await copyOfData('in-process'), world.cases, rounds, base, effects);
    log('in-process CPU cost measured');
    report(effects, results, cpu, world, { nUsers, casesPerEffect, rounds, weights: values.weights === '{}' ? undefined : String(values.weights), seconds: (performance.now() - started) / 1000 });
  } finally {
    for (const dir of copies) await rm(dir, { recursive: true, force: true });
    if (values.keep || reuse) log(`data directory kept: ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- the planted world ------------------------------------------------------------------------------

const GENRES = ['Action', 'Comedy', 'Drama', 'Thriller', 'Romance', 'Horror', 'Sci-Fi', 'Documentary'] as const;
const G = GENRES.length;
const PER_GENRE = 100;
const THEMES_PER_GENRE = 3;
const REGIONS = ['BR', 'JP', 'DE', 'US'] as const;
const LOCAL_HITS = 12;
const GROUP_SIZE = 6;
const GROUP_FAVOURITES = 4;
/** Thrillers nobody watched in the history: mood triggers the transition model has never seen. */
const RESERVED_THRILLERS = 12;
const SESSIONS_PER_USER = 10;
/** Ground truth per case: this many titles the user would pick next (a hit is any of them in the top 10). */
const TARGETS = 5;
const WATCHES_PER_SESSION = 4;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const genreIndex = (name: (typeof GENRES)[number]) => GENRES.indexOf(name);

interface Effect {
  /** The planted effect, as the table names it. */
  effect: string;
  /** The context signal (registry name) that should pick it up. */
  signal: string;
}

const EFFECTS: readonly Effect[] = [
  { effect: 'device: short episodes on mobile, films on TV', signal: 'device' },
  { effect: 'time of day: documentaries mornings, horror nights', signal: 'temporal' },
  { effect: 'region: local hits (home and travelling)', signal: 'regional' },
  { effect: 'friends: what the friend group watches', signal: 'social' },
  { effect: 'mood: a comedy after a thriller', signal: 'mood' },
  { effect: 'search: abandoned query on an untouched theme', signal: 'search' },
];

interface TestCase {
  signal: string;
  userId: string;
  /** Titles the simulated user would pick next in this context (up to TARGETS, drawn from the planted set). */
  targets: string[];
  context: { device?: string; region?: string; timezone?: string; timestamp?: string };
}

interface World {
  items: Item[];
  preferences: Map<string, { country: string; friends: string[] }>;
  events: InteractionEvent[];
  cases: TestCase[];
}

/** Pseudo-words from syllables: theme and genre vocabularies that mean nothing outside this world. */
function wordList(random: () => number, count: number, taken: Set<string>): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ra', 'su', 'ne', 'to', 'vi', 'da', 'zo', 'pu', 'gre', 'bal', 'tor', 'fin', 'mex'];
  const out: string[] = [];
  while (out.length < count) {
    const word = Array.from({ length: 3 }, () => syllables[Math.floor(random() * syllables.length)]!).join('') + 'x';
    if (!taken.has(word)) {
      taken.add(word);
      out.push(word);
    }
  }
  return out;
}

function buildWorld(nUsers: number, casesPerEffect: number, seed: number): World {
  const random = mulberry32(seed);
  const targetRandom = mulberry32(seed + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const shuffle = <T>(list: T[]): T[] => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  };
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY;
  const stamp = new Date(today).toISOString();

  // Catalogue: 100 titles per genre in 3 themes; half films (long), 30 % series (short episodes),
  // 20 % TV shows. Plots mix theme, genre and common words.
  const taken = new Set<string>();
  const common = wordList(random, 10, taken);
  const genreWords = GENRES.map(() => wordList(random, 10, taken));
  const themeWords = Array.from({ length: G * THEMES_PER_GENRE }, () => wordList(random, 8, taken));
  const items: Item[] = [];
  const genreOf: number[] = [];
  const themeOf: number[] = [];
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < PER_GENRE; k++) {
      const theme = g * THEMES_PER_GENRE + (k % THEMES_PER_GENRE);
      const kind = k % 10;
      const content_type: ContentType = kind < 5 ? 'movie' : kind < 8 ? 'series' : 'tv_show';
      const duration_minutes = content_type === 'movie' ? 90 + Math.floor(random() * 60) : content_type === 'series' ? 22 + Math.floor(random() * 6) : 42 + Math.floor(random() * 14);
      const plot = Array.from({ length: 16 }, () => {
        const r = random();
        return pick(r < 0.5 ? themeWords[theme]! : r < 0.75 ? genreWords[g]! : common);
      }).join(' ');
      items.push({
        item_id: `t${g}-${k}`,
        title: `${GENRES[g]} ${themeWords[theme]![0]} ${k}`,
        content_type,
        plot,
        genres: [GENRES[g]!],
        languages: ['en'],
        cast: [],
        crew: [],
        regions: [],
        year: 1990 + Math.floor(random() * 35),
        duration_minutes,
        ...(content_type !== 'movie' && { episodes: 8 + Math.floor(random() * 16) }),
        available: true,
        updated_at: stamp,
      });
      genreOf.push(g);
      themeOf.push(theme);
    }
  }
  const n = items.length;
  const rowsWhere = (test: (row: number) => boolean) => Array.from({ length: n }, (_, r) => r).filter(test);
  const thriller = genreIndex('Thriller');
  const reserved = new Set(rowsWhere((r) => genreOf[r] === thriller).slice(0, RESERVED_THRILLERS));
  const pool = shuffle(rowsWhere((r) => !reserved.has(r)));
  const localHits = REGIONS.map(() => pool.splice(0, LOCAL_HITS));

  // Users: two favourite genres, a country, a friend group of six with its own favourites.
  const users = Array.from({ length: nUsers }, (_, u) => {
    const first = Math.floor(random() * G);
    let second = Math.floor(random() * (G - 1));
    if (second >= first) second++;
    return { id: `u${u}`, taste: [first, second], region: u % REGIONS.length, group: Math.floor(u / GROUP_SIZE) };
  });
  const groups = Math.ceil(nUsers / GROUP_SIZE);
  const groupFavourites = Array.from({ length: groups }, () => pool.splice(0, GROUP_FAVOURITES));
  // Friend groups mix regions and tastes: u and u+1 are in different regions.
  const preferences = new Map(
    users.map((user) => [
      user.id,
      {
        country: REGIONS[user.region]!,
        friends: users.filter((o) => o.group === user.group && o.id !== user.id).map((o) => o.id),
      },
    ]),
  );

  const byGenreType = new Map<string, number[]>();
  for (let r = 0; r < n; r++) {
    if (reserved.has(r)) continue;
    for (const key of [`${genreOf[r]}|${items[r]!.content_type}`, `${genreOf[r]}|*`]) {
      (byGenreType.get(key) ?? byGenreType.set(key, []).get(key)!).push(r);
    }
  }
  const partOfDay = (hour: number) => Math.floor(hour / 6); // night, morning, afternoon, evening
  /** The planted behaviour: what a user watches next at this hour, on this device, after `previous`. */
  const choose = (user: (typeof users)[number], hour: number, device: string, previous: number | undefined, seen: Set<number>): number | undefined => {
    const unseen = (rows: readonly number[] | undefined) => (rows ?? []).filter((r) => !seen.has(r));
    const r = random();
    if (r < 0.15) {
      const local = unseen(localHits[user.region]);
      if (local.length) return pick(local);
    } else if (r < 0.2) {
      const favourites = unseen(groupFavourites[user.group]);
      if (favourites.length) return pick(favourites);
    }
    let genre: number;
    const part = partOfDay(hour);
    if (previous !== undefined && genreOf[previous] === thriller && random() < 0.7) genre = genreIndex('Comedy');
    else if (part === 1 && random() < 0.5) genre = genreIndex('Documentary');
    else if (part === 0 && random() < 0.5) genre = genreIndex('Horror');
    else genre = random() < 0.8 ? pick(user.taste) : Math.floor(random() * G);
    const type = device === 'mobile' && random() < 0.8 ? 'series' : device === 'tv' && random() < 0.8 ? 'movie' : '*';
    const rows = unseen(byGenreType.get(`${genre}|${type}`));
    return rows.length ? pick(rows) : undefined;
  };

  let eventNo = 0;
  const events: InteractionEvent[] = [];
  const seenBy = new Map<string, Set<number>>();
  const watchEvent = (userId: string, row: number, at: number, extra: Partial<InteractionEvent>): InteractionEvent => ({
    event_id: `ev${eventNo++}`,
    user_id: userId,
    item_id: items[row]!.item_id,
    // Finished titles: nothing is left "in progress" for continuation to bring back.
    type: 'complete',
    timestamp: new Date(at).toISOString(),
    ...extra,
  });
  for (const user of users) {
    const seen = new Set<number>();
    seenBy.set(user.id, seen);
    for (let s = 0; s < SESSIONS_PER_USER; s++) {
      // Sessions start at a random hour of the four weeks before today (UTC), so one day's runs
      // generate the same world (--data reuses it).
      let at = today - 3 * HOUR - Math.floor(random() * 28 * DAY);
      const device = random() < 0.4 ? 'mobile' : random() < 0.67 ? 'tv' : 'desktop';
      const session = `${user.id}-s${s}`;
      let previous: number | undefined;
      for (let w = 0; w < WATCHES_PER_SESSION; w++) {
        const row = choose(user, new Date(at).getUTCHours(), device, previous, seen);
        if (row === undefined) break;
        seen.add(row);
        events.push(watchEvent(user.id, row, at, { device, session_id: session, region: REGIONS[user.region] }));
        previous = row;
        at += 25 * 60_000 + Math.floor(random() * 20 * 60_000);
      }
    }
  }

  // Test cases: each effect on its own users (one case per user, so effects do not mix).
  const testUsers = shuffle([...users]).slice(0, Math.min(nUsers, casesPerEffect * EFFECTS.length));
  const cases: TestCase[] = [];
  const lastHour = (hour: number) => {
    const d = new Date(now);
    d.setUTCHours(hour, 30, 0, 0);
    if (d.getTime() > now) d.setTime(d.getTime() - DAY);
    return d.toISOString();
  };
  testUsers.forEach((user, i) => {
    const effect = EFFECTS[i % EFFECTS.length]!;
    /** Alternates within the effect's own cases (mobile/TV, morning/night, home/travelling). */
    const even = Math.floor(i / EFFECTS.length) % 2 === 0;
    const seen = seenBy.get(user.id)!;
    const unseen = (rows: readonly number[]) => rows.filter((r) => !seen.has(r));
    let target: number[] = [];
    let context: TestCase['context'] = {};
    switch (effect.signal) {
      case 'device': {
        const device = even ? 'mobile' : 'tv';
        target = pickTargets(unseen(user.taste.flatMap((g) => byGenreType.get(`${g}|${device === 'mobile' ? 'series' : 'movie'}`) ?? [])));
        context = { device };
        break;
      }
      case 'temporal': {
        const morning = even;
        target = pickTargets(unseen(byGenreType.get(`${genreIndex(morning ? 'Documentary' : 'Horror')}|*`) ?? []));
        context = { timezone: 'UTC', timestamp: lastHour(morning ? 8 : 2) };
        break;
      }
      case 'regional': {
        // Half at home, half travelling: people watch what is popular where they are, which a
        // traveller's history cannot tell.
        const region = even ? user.region : (user.region + 1 + Math.floor(random() * (REGIONS.length - 1))) % REGIONS.length;
        target = pickTargets(unseen(localHits[region]!));
        context = { region: REGIONS[region] };
        break;
      }
      case 'social':
        target = pickTargets(unseen(groupFavourites[user.group]!));
        break;
      case 'mood': {
        // Just finished a thriller nobody else has watched: only the genre-level mood can tell.
        const trigger = pick([...reserved]);
        seen.add(trigger);
        events.push(watchEvent(user.id, trigger, now - 15 * 60_000, { device: 'tv', session_id: `${user.id}-now` }));
        target = pickTargets(unseen(byGenreType.get(`${genreIndex('Comedy')}|*`) ?? []));
        break;
      }
      case 'search': {
        // Searched for a theme outside their tastes (and outside the planted time/mood genres), found nothing worth a click.
        const excluded = new Set([...user.taste, genreIndex('Comedy'), genreIndex('Documentary'), genreIndex('Horror')]);
        const genres = Array.from({ length: G }, (_, g) => g).filter((g) => !excluded.has(g));
        const theme = pick(genres) * THEMES_PER_GENRE + Math.floor(random() * THEMES_PER_GENRE);
        const words = shuffle([...themeWords[theme]!]).slice(0, 3);
        const shown = shuffle(rowsWhere((r) => themeOf[r] !== theme && !seen.has(r))).slice(0, 5);
        events.push({
          event_id: `ev${eventNo++}`,
          user_id: user.id,
          type: 'search',
          query: words.join(' '),
          result_item_ids: shown.map((r) => items[r]!.item_id),
          timestamp: new Date(now - 10 * 60_000).toISOString(),
          device: 'desktop',
          session_id: `${user.id}-now`,
        });
        target = pickTargets(unseen(rowsWhere((r) => themeOf[r] === theme && !reserved.has(r))));
        break;
      }
    }
    if (target.length > 0) cases.push({ signal: effect.signal, userId: user.id, targets: target.map((r) => items[r]!.item_id), context });
  });
  return { items, preferences, events, cases };

  /** The ground truth of a case, from its own random stream (so a case's triggers do not depend on it). */
  function pickTargets(rows: number[]): number[] {
    const out = [...rows];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(targetRandom() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out.slice(0, TARGETS);
  }
}

// ---- talking to the service -------------------------------------------------------------------------

interface BenchService {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startService(dataDir: string, weights: Record<string, number>): Promise<BenchService> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
    cwd: ROOT,
    env: {
      ...process.env,
      RECSYS_BENCH_CONTEXT_SERVE: '1',
      RECSYS_BENCH_CONTEXT_WEIGHTS: JSON.stringify(weights),
      HOST: '127.0.0.1',
      PORT: String(port),
      RECSYS_DATA_DIR: dataDir,
      ...BENCH_SERVICE_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not start:\n${output}`);
    }
    await sleep(100);
  }
  return {
    baseUrl,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(baseUrl: string, method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

async function load(baseUrl: string, world: World, log: (m: string) => void): Promise<void> {
  for (let i = 0; i < world.items.length; i += 500) {
    await call(baseUrl, 'PUT', '/v1/items', { items: world.items.slice(i, i + 500).map(({ available: _, updated_at: __, ...item }) => item) });
  }
  for (const [userId, prefs] of world.preferences) await call(baseUrl, 'PUT', `/v1/users/${userId}/preferences`, prefs);
  for (let i = 0; i < world.events.length; i += 1000) {
    await call(baseUrl, 'POST', '/v1/events', { events: world.events.slice(i, i + 1000).map(({ received_at: _, ...e }) => e) });
  }
  log('catalogue, preferences and history sent over HTTP');
}

async function retrain(baseUrl: string): Promise<string> {
  const job = (await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' })) as { job_id: string };
  const deadline = Date.now() + 600_000;
  for (;;) {
    const state = (await call(baseUrl, 'GET', `/v1/models/jobs/${job.job_id}`)) as { state: string; error?: string; result?: { version?: string; activated?: boolean; reason?: string } };
    if (state.state === 'completed') {
      if (!state.result?.activated) throw new Error(`the trained version was not activated: ${state.result?.reason}`);
      return state.result.version ?? '?';
    }
    if (state.state === 'failed') throw new Error(`training failed: ${state.error}`);
    if (Date.now() > deadline) throw new Error('training did not finish within 10 minutes');
    await sleep(500);
  }
}

interface PhaseResult {
  /** Per signal's cases: hits, cases, and hits the signal's own reason explains. */
  hits: Map<string, { hits: number; cases: number; explained: number }>;
  /** Latencies (ms) of the timed passes, per signal's cases and overall ("*"). */
  latencies: Map<string, number[]>;
}

interface Paired {
  on: PhaseResult;
  off: PhaseResult;
}

/**
 * One untimed pass (JIT, serving state, user caches), then `rounds` timed passes over every case,
 * each request sent to both services in turn (alternating which goes first).
 */
async function measure(onUrl: string, offUrl: string, cases: readonly TestCase[], rounds: number): Promise<Paired> {
  const fresh = (): PhaseResult => ({ hits: new Map(), latencies: new Map([['*', []]]) });
  const result: Paired = { on: fresh(), off: fresh() };
  const ask = async (url: string, c: TestCase, round: number, into: PhaseResult) => {
    const t0 = performance.now();
    const body = (await call(url, 'POST', '/v1/recommendations', { user_id: c.userId, limit: 10, context: c.context })) as {
      items: { item_id: string; explanation_reasons: string[] }[];
    };
    const ms = performance.now() - t0;
    if (round === 0) return;
    (into.latencies.get(c.signal) ?? into.latencies.set(c.signal, []).get(c.signal)!).push(ms);
    into.latencies.get('*')!.push(ms);
    if (round !== 1) return;
    const h = into.hits.get(c.signal) ?? into.hits.set(c.signal, { hits: 0, cases: 0, explained: 0 }).get(c.signal)!;
    h.cases++;
    const hit = body.items.find((item) => c.targets.includes(item.item_id));
    if (hit) {
      h.hits++;
      if (hit.explanation_reasons.some((reason) => explains(c.signal, reason))) h.explained++;
    }
  };
  for (let round = 0; round <= rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const order: [string, PhaseResult][] = [
        [onUrl, result.on],
        [offUrl, result.off],
      ];
      if ((i + round) % 2 === 1) order.reverse();
      for (const [url, into] of order) await ask(url, c, round, into);
    }
  }
  return result;
}

/**
 * The signals' own cost without HTTP and without the machine's other load: the same requests
 * through two engines in this process (every signal on; one off), time per request (monotonic
 * clock, for its p95) and CPU time (summed, for the mean per request)
 * (process.cpuUsage, so time other processes take does not count), alternating on and off.
 */
async function measureInProcess(
  dataDir: string,
  cases: readonly TestCase[],
  rounds: number,
  base: Record<string, number>,
  effects: readonly Effect[],
): Promise<Map<string, InProcessTimes>> {
  const store = createEmbeddedStore({ dataDir });
  await store.open();
  const registry = createEmbeddedModelRegistry({ dir: path.join(dataDir, 'models') });
  const runners: InProcessJobRunner[] = [];
  const engine = async (weights: Record<string, number>) => {
    const jobs = new InProcessJobRunner();
    runners.push(jobs);
    const e = new RecommendationEngine(
      { store, registry, jobs },
      { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false, context: { weights } },
    );
    await e.start();
    return e;
  };
  const out = new Map<string, InProcessTimes>();
  const on = await engine(base);
  try {
    for (const effect of effects) {
      const off = await engine({ ...base, [effect.signal]: 0 });
      const times: InProcessTimes = { on: [], off: [], cpuOn: 0, cpuOff: 0 };
      for (let round = 0; round <= rounds; round++) {
        for (const [i, c] of cases.entries()) {
          const order: ['on' | 'off', RecommendationEngine][] = [
            ['on', on],
            ['off', off],
          ];
          if ((i + round) % 2 === 1) order.reverse();
          for (const [which, e] of order) {
            const before = process.cpuUsage();
            const started = performance.now();
            await e.recommend({ user_id: c.userId, limit: 10, ...c.context } as RecommendationRequest);
            const elapsed = performance.now() - started;
            const used = process.cpuUsage(before);
            if (round === 0) continue;
            times[which].push(elapsed);
            times[which === 'on' ? 'cpuOn' : 'cpuOff'] += (used.user + used.system) / 1000;
          }
        }
      }
      off.close();
      out.set(effect.signal, times);
    }
  } finally {
    on.close();
    for (const jobs of runners) await jobs.close();
    await store.close();
  }
  return out;
}

/** Whether an explanation reason comes from `signal` (its documented wording). */
function explains(signal: string, reason: string): boolean {
  switch (signal) {
    case 'device':
      return reason.startsWith('suits ');
    case 'regional':
      return reason.startsWith('popular in ');
    case 'social':
      return reason === 'popular with your friends';
    case 'search':
      return reason.startsWith('matches your search: ');
    case 'mood':
      return reason.startsWith('mood');
    case 'temporal':
      return / (at night|in the morning|in the afternoon|in the evening|on weekdays|at weekends|in winter|in spring|in summer|in autumn)/.test(reason);
    default:
      return false;
  }
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? NaN;
}

/** In-process cost of one signal: ms per request with it on and off, and the CPU ms summed over them. */
interface InProcessTimes {
  on: number[];
  off: number[];
  cpuOn: number;
  cpuOff: number;
}

function report(effects: readonly Effect[], results: readonly Paired[], cpu: ReadonlyMap<string, InProcessTimes>, world: World, run: { nUsers: number; casesPerEffect: number; rounds: number; weights?: string; seconds: number }): void {
  console.log('### Planted-effect simulator (over HTTP)\n');
  console.log(
    `Command: \`pnpm bench context --part simulator --users ${run.nUsers} --cases ${run.casesPerEffect} --rounds ${run.rounds}${run.weights ? ` --weights '${run.weights}'` : ''}\`; ` +
      `${world.items.length} titles, ${run.nUsers} users, ${world.events.length} events sent through \`POST /v1/events\`, one full retrain ` +
      `through \`POST /v1/models/retrain\`. Per signal, a service with every signal on and one with that signal's weight at 0 ` +
      `(engine option \`context.weights\`, the defaults a variant's \`SignalWeights.context\` overrides) answer the same ` +
      `${world.cases.length} requests (\`POST /v1/recommendations\`, limit 10) in turn: one untimed pass, then ${run.rounds} timed. ` +
      `HR@10: share of the effect's cases with at least one of their ${TARGETS} planted next titles in the list. ` +
      `In-process: the same requests through two engines in the bench process (on, off), alternating: the engine's time per request (p95) and CPU time per request (mean). Total ${run.seconds.toFixed(0)} s.\n`,
  );
  console.log('| planted effect | signal | cases | HR@10 off | HR@10 on | lift | hits explained by the signal | HTTP p95 off / on | HTTP Δ p95 | in-process p95 off / on | in-process Δ p95 | CPU mean off / on |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const verdicts: string[] = [];
  effects.forEach((effect, k) => {
    const { on, off } = results[k]!;
    const none = { hits: 0, cases: 0, explained: 0 };
    const hOn = on.hits.get(effect.signal) ?? none;
    const hOff = off.hits.get(effect.signal) ?? none;
    const hrOn = hOn.hits / Math.max(1, hOn.cases);
    const hrOff = hOff.hits / Math.max(1, hOff.cases);
    const allOn = p95(on.latencies.get('*')!);
    const allOff = p95(off.latencies.get('*')!);
    const delta = allOn - allOff;
    const times = cpu.get(effect.signal) ?? { on: [], off: [], cpuOn: NaN, cpuOff: NaN };
    const cpuOn = p95(times.on);
    const cpuOff = p95(times.off);
    const cpuDelta = cpuOn - cpuOff;
    const meanOn = times.cpuOn / Math.max(1, times.on.length);
    const meanOff = times.cpuOff / Math.max(1, times.off.length);
    const signed = (x: number, digits: number) => (x >= 0 ? '+' : '') + x.toFixed(digits);
    console.log(
      `| ${effect.effect} | \`${effect.signal}\` | ${hOn.cases} | ${hrOff.toFixed(3)} | ${hrOn.toFixed(3)} | ${signed(hrOn - hrOff, 3)} | ${hOn.explained} / ${hOn.hits} | ` +
        `${allOff.toFixed(1)} / ${allOn.toFixed(1)} ms | ${signed(delta, 1)} ms | ${cpuOff.toFixed(2)} / ${cpuOn.toFixed(2)} ms | ${signed(cpuDelta, 2)} ms | ${meanOff.toFixed(2)} / ${meanOn.toFixed(2)} ms |`,
    );
    if (!(hrOn > hrOff)) verdicts.push(`${effect.signal}: no positive lift`);
    if (cpuDelta > 2) verdicts.push(`${effect.signal}: costs ${cpuDelta.toFixed(1)} ms of in-process p95`);
    if (delta > 2) verdicts.push(`${effect.signal}: HTTP p95 ${delta.toFixed(1)} ms higher with it (machine load included)`);
  });
  console.log(`\n${verdicts.length === 0 ? 'Every signal lifts its planted effect and costs at most 2 ms of p95.' : `Not met: ${verdicts.join('; ')}.`}`);
}

// Last, once every constant above is initialised.
if (process.env.RECSYS_BENCH_CONTEXT_SERVE === '1') await serve();
else await runBenchmark();
