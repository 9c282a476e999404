// `pnpm bench learning`: the continuous-learning loop of the running service, driven over HTTP by
// simulated users with known preferences. Seeds the demo catalogue, users and events into a fresh
// data directory and trains one model version in this process, then starts the service on it as a
// separate process (no retrain runs while the bench does) and measures:
//   1. online updates: hit rate@10 of new users with a known taste over their first 20 events;
//   2. the bandit: share of slots of the best arm (known click rates per arm) within 20,000
//      impressions, and after the ground truth changes;
//   3. A/B: an experiment with a true +10 % CTR lift and an A/A experiment, both run over HTTP until
//      the results endpoint has the sample size it asks for; then the same stopping rule replayed on
//      simulated counts many times (power and false-winner rate).
// Prints Markdown for docs/benchmarks.md.
//
// Options: --impressions 20000 (per bandit phase)  --concurrency 6  --repeats 200 (simulated A/B and A/A)
//          --lift 0.1  --ctr 0.2 (A/B control CTR)  --keep (leave the data directory)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@recsys/core';
import { DEMO_PERSONAS, generateDemoDataset, matchesTaste } from '@recsys/demo';
import { experimentResults, RecommendationEngine, requiredSampleSize, simulateAbTest, simulatePopulation } from '@recsys/engine';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { startServiceProcess } from '../test/support/service-process.js';
import { BENCH_SERVICE_ENV } from './load.js';

const { values } = parseArgs({
  options: {
    impressions: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '6' },
    repeats: { type: 'string', default: '200' },
    lift: { type: 'string', default: '0.1' },
    ctr: { type: 'string', default: '0.2' },
    keep: { type: 'boolean', default: false },
  },
});
const PHASE = Number(values.impressions);
const CONCURRENCY = Number(values.concurrency);
const REPEATS = Number(values.repeats);
const LIFT = Number(values.lift);
const BASE_CTR = Number(values.ctr);
const WINDOW = 2_000;
const log = (message: string) => console.error(`[bench learning] ${message}`);
const random = mulberry32(20_261_207);

/** The arm behind each algorithm_source of a bandit slot. */
const SOURCE_ARM: Record<string, string> = {
  ncf_primary: 'ncf',
  mf_fallback: 'mf',
  story_similarity: 'story',
  trending_boost: 'trending',
  random_explore: 'random',
};

// ---- HTTP ----------------------------------------------------------------------------------------

let baseUrl = '';
async function call(method: string, url: string, body?: unknown): Promise<any> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}
let eventSeq = 0;
const postEvents = (events: Record<string, unknown>[]) =>
  events.length === 0 ? Promise.resolve() : call('POST', '/v1/events', { events: events.map((e) => ({ event_id: `bench-${++eventSeq}`, ...e })) });
interface Served {
  request_id: string;
  variant: string;
  items: { item_id: string; algorithm_source: string }[];
}
const recommend = (user: string, limit = 10): Promise<Served> => call('GET', `/v1/users/${encodeURIComponent(user)}/recommendations?limit=${limit}`);

/** Runs `step` until it returns false, `concurrency` at a time. */
async function drive(concurrency: number, step: () => Promise<boolean>): Promise<void> {
  let going = true;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (going) if (!(await step())) going = false;
    }),
  );
}

// ---- setup ---------------------------------------------------------------------------------------

const demo = generateDemoDataset();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-learning-'));
let stop: (() => Promise<unknown>) | undefined;
const started = performance.now();
try {
  {
    const t0 = performance.now();
    const store = createEmbeddedStore({ dataDir });
    await store.open();
    const registry = createEmbeddedModelRegistry({ dir: path.join(dataDir, 'models') });
    const jobs = new InProcessJobRunner();
    const engine = new RecommendationEngine({ store, registry, jobs }, { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false });
    await engine.start();
    await engine.upsertItems(demo.items);
    for (const user of demo.users) await engine.setPreferences(user.user_id, user.preferences);
    for (let i = 0; i < demo.events.length; i += 1000) await engine.ingestEvents(demo.events.slice(i, i + 1000));
    const job = await engine.requestRetrain('full');
    for (;;) {
      const state = await engine.getJob(job.id);
      if (state?.state === 'completed') break;
      if (state?.state === 'failed') throw new Error(`training failed: ${state.error}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await engine.close();
    await jobs.close();
    await store.close();
    log(`demo data (${demo.items.length} items, ${demo.users.length} users, ${demo.events.length} events) seeded and trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const service = await startServiceProcess(
    {
      RECSYS_DATA_DIR: dataDir,
      ...BENCH_SERVICE_ENV,
      RECSYS_BANDIT_HALF_LIFE: '5000',
    },
    120_000,
  );
  stop = () => service.stop();
  baseUrl = service.baseUrl;
  const models = await call('GET', '/v1/models');
  log(`service up at ${baseUrl}, serving ${models.active_version}`);

  const rows: string[] = [];
  rows.push(...(await onlineUpdates()));
  rows.push(...(await banditPhases()));
  rows.push(...(await abTests()));

  console.log('\n### Continuous learning (`pnpm bench learning`)\n');
  console.log(`Service as a separate process (embedded mode) on the demo catalogue (${demo.items.length} items, ${demo.users.length} users), driven over HTTP with ${CONCURRENCY} concurrent simulated clients; total run ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
  console.log('| measure | target | result |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await stop?.();
  if (!values.keep) await rm(dataDir, { recursive: true, force: true });
}

// ---- 1. online updates ---------------------------------------------------------------------------

/**
 * New users with one persona's taste: each step they complete the best-ranked title of their taste
 * in their list (or, when none is, one found elsewhere in the catalogue); hit rate@10 is the share
 * of their list that fits the taste. No retrain runs: only the online updates act.
 */
async function onlineUpdates(): Promise<string[]> {
  const t0 = performance.now();
  const personas = DEMO_PERSONAS.filter((p) => !p.random_genres);
  const perPersona = 3;
  const checkpoints = [0, 1, 5, 10, 20];
  const sums = new Map<number, number>(checkpoints.map((c) => [c, 0]));
  let users = 0;
  await Promise.all(
    personas.flatMap((persona, p) =>
      Array.from({ length: perPersona }, async (_, k) => {
        const user = `online-${persona.id}-${k}`;
        const taste = { genres: [...persona.genres], languages: [...persona.languages], content_types: [...persona.content_types] };
        const onTaste = new Set(demo.items.filter((item) => matchesTaste(taste, item)).map((item) => item.item_id));
        const rng = mulberry32(1000 + p * 10 + k);
        const watched = new Set<string>();
        for (let events = 0; events <= 20; events++) {
          const list = await recommend(user);
          const hits = list.items.filter((i) => onTaste.has(i.item_id)).length / Math.max(1, list.items.length);
          if (sums.has(events)) sums.set(events, sums.get(events)! + hits);
          if (events === 20) break;
          const inList = list.items.find((i) => onTaste.has(i.item_id) && !watched.has(i.item_id));
          const pool = [...onTaste].filter((id) => !watched.has(id));
          const itemId = inList?.item_id ?? pool[Math.floor(rng() * pool.length)]!;
          watched.add(itemId);
          await postEvents([{ user_id: user, item_id: itemId, type: 'complete', ...(inList ? { recommendation_id: list.request_id } : {}) }]);
        }
        users++;
      }),
    ),
  );
  const at = (n: number) => sums.get(n)! / users;
  log(`online updates: ${users} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return [
    `| hit rate@10 of a new user with a known taste, after 0 / 1 / 5 / 10 / 20 events (${users} users, ${personas.length} personas, no retrain) | improves within 20 events | ${checkpoints.map((c) => at(c).toFixed(3)).join(' / ')} |`,
  ];
}

// ---- 2. bandit -----------------------------------------------------------------------------------

async function banditPhases(): Promise<string[]> {
  const t0 = performance.now();
  await call('POST', '/v1/experiments', {
    id: 'bench-bandit',
    description: 'every list composed by the bandit',
    variants: [{ name: 'bandit', allocation: 100, collaborative: 'ncf', policy: 'bandit' }],
  });
  // Known click rates per arm (the arm that filled the slot), times each user's propensity.
  const truth1: Record<string, number> = { ncf: 0.1, mf: 0.08, story: 0.06, trending: 0.05, random: 0.02 };
  const truth2: Record<string, number> = { ncf: 0.07, mf: 0.1, story: 0.06, trending: 0.05, random: 0.02 };
  const population = simulatePopulation({ users: demo.users.length }, random);
  const users = demo.users.map((u, i) => ({ id: u.user_id, propensity: population[i]!.propensity }));
  const windows: { start: number; counts: Record<string, number> }[] = [];
  let shown = 0;
  await drive(CONCURRENCY, async () => {
    if (shown >= 2 * PHASE) return false;
    const user = users[Math.floor(random() * users.length)]!;
    const list = await recommend(user.id);
    const truth = shown < PHASE ? truth1 : truth2;
    const clicks: Record<string, unknown>[] = [];
    for (const item of list.items) {
      const arm = SOURCE_ARM[item.algorithm_source] ?? 'other';
      const w = Math.floor(shown / WINDOW);
      windows[w] ??= { start: w * WINDOW, counts: {} };
      windows[w]!.counts[arm] = (windows[w]!.counts[arm] ?? 0) + 1;
      shown++;
      if (random() < Math.min(1, (truth[arm] ?? 0) * user.propensity)) {
        clicks.push({ user_id: user.id, item_id: item.item_id, type: 'click', recommendation_id: list.request_id });
      }
    }
    await postEvents(clicks);
    return true;
  });
  const bandit = await call('GET', '/v1/bandit');
  await call('POST', '/v1/experiments/bench-bandit/stop', {});
  const share = (w: { counts: Record<string, number> }, arm: string) => (w.counts[arm] ?? 0) / Object.values(w.counts).reduce((a, b) => a + b, 0);
  const trace = windows.map((w) => `${w.start / 1000}k:${share(w, w.start < PHASE ? 'ncf' : 'mf').toFixed(2)}`).join(' ');
  log(`bandit: ${shown} impressions in ${((performance.now() - t0) / 1000).toFixed(1)} s; best-arm share per ${WINDOW}: ${trace}`);
  log(`bandit posteriors: ${bandit.arms.map((a: any) => `${a.arm} ${a.mean.toFixed(3)} (${(a.traffic_share * 100).toFixed(0)} %)`).join(', ')}`);
  /** Impressions from `from` until the first window where `arm` had >= 70 % of slots. */
  const reach = (arm: string, from: number) => {
    const w = windows.find((x) => x.start >= from && share(x, arm) >= 0.7);
    return w ? `${((w.start + WINDOW - from) / 1000).toFixed(0)}k` : 'not reached';
  };
  const before = windows.filter((w) => w.start >= PHASE - WINDOW && w.start < PHASE);
  const after = windows.filter((w) => w.start >= 2 * PHASE - WINDOW);
  const other = windows.reduce((n, w) => n + (w.counts.other ?? 0), 0);
  return [
    `| bandit: best arm's share of slots, impressions ${((PHASE - WINDOW) / 1000).toFixed(0)}k-${(PHASE / 1000).toFixed(0)}k (best: ncf, CTR 0.10 vs mf 0.08, story 0.06, trending 0.05, random 0.02) | ≥ 70 % within 20,000 | ${(share(before[0]!, 'ncf') * 100).toFixed(1)} % (first ${WINDOW.toLocaleString('en')}-impression window ≥ 70 %: after ${reach('ncf', 0)}) |`,
    `| bandit: new best arm's share after the ground truth changes (mf 0.10, ncf 0.07), last ${WINDOW.toLocaleString('en')} of the next ${PHASE.toLocaleString('en')} impressions | ≥ 70 % within 20,000 | ${(share(after[0]!, 'mf') * 100).toFixed(1)} % (first window ≥ 70 %: ${reach('mf', PHASE)} after the change) |`,
    `| bandit: slots not filled by an arm (no candidate for any arm) | 0 | ${other} of ${shown.toLocaleString('en')} |`,
  ];
}

// ---- 3. A/B and A/A --------------------------------------------------------------------------------

async function abTests(): Promise<string[]> {
  const rows: string[] = [];
  for (const [id, lift] of [
    ['bench-ab', LIFT],
    ['bench-aa', 0],
  ] as const) {
    const t0 = performance.now();
    await call('POST', '/v1/experiments', {
      id,
      variants: [
        { name: 'control', allocation: 50, collaborative: 'ncf' },
        { name: 'treatment', allocation: 50, collaborative: 'ncf' },
      ],
    });
    const ctr: Record<string, number> = { control: BASE_CTR, treatment: BASE_CTR * (1 + lift) };
    let requests = 0;
    let done = false;
    let results: any;
    await drive(CONCURRENCY, async () => {
      if (done) return false;
      // New users (cold lists): the variant, not the list, decides the click rate here.
      const user = `${id}-u${Math.floor(random() * 20_000)}`;
      const list = await recommend(user);
      const clicks = list.items
        .filter(() => random() < ctr[list.variant]!)
        .map((item) => ({ user_id: user, item_id: item.item_id, type: 'click', recommendation_id: list.request_id }));
      await postEvents(clicks);
      if (++requests % 100 === 0 && !done) {
        results = await call('GET', `/v1/experiments/${id}/results?min_detectable_lift=${LIFT}`);
        if (results.enough_data) done = true;
      }
      return !done;
    });
    results = await call('GET', `/v1/experiments/${id}/results?min_detectable_lift=${LIFT}`);
    await call('POST', `/v1/experiments/${id}/stop`, {});
    const [c, t] = results.variants;
    log(`${id}: ${requests} lists in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${JSON.stringify({ winner: results.winner, p: results.p_value, required: results.required_impressions_per_variant, reason: results.reason })}`);
    const what = lift > 0 ? `A/B, true CTR ${BASE_CTR} vs ${(BASE_CTR * (1 + lift)).toFixed(3)} (+${lift * 100} %)` : `A/A, both CTR ${BASE_CTR}`;
    const expected = lift > 0 ? 'winner treatment' : 'no winner';
    const got = results.winner ? `winner ${results.winner}` : 'no winner';
    rows.push(
      `| ${what}, over HTTP until every variant has the required ${results.required_impressions_per_variant.toLocaleString('en')} impressions | ${expected} | ${got}: CTR ${c.ctr.toFixed(4)} [${c.ctr_interval_95.map((x: number) => x.toFixed(4)).join(', ')}] vs ${t.ctr.toFixed(4)} [${t.ctr_interval_95.map((x: number) => x.toFixed(4)).join(', ')}], ${c.impressions.toLocaleString('en')} / ${t.impressions.toLocaleString('en')} impressions, P(best) ${t.probability_best.toFixed(3)}, p ${results.p_value === null ? 'n/a' : results.p_value < 1e-4 ? '< 0.0001' : results.p_value.toFixed(4)} |`,
    );
  }

  // The same stopping rule on simulated counts, many times: power and false-winner rate at the
  // sample size the results endpoint asks for (baseline = the true control CTR); P(best) from 4,000
  // draws instead of the endpoint's 20,000, to keep the bench short.
  const t0 = performance.now();
  const required = requiredSampleSize({ baselineRate: BASE_CTR, minDetectableLift: LIFT });
  const users = simulatePopulation({ users: 20_000, arms: ['A', 'B'], tasteSpread: 0 }, random);
  let power = 0;
  let falseWinners = 0;
  for (let r = 0; r < REPEATS; r++) {
    for (const lift of [LIFT, 0]) {
      const salt = `sim-${r}-${lift}`;
      const counts = simulateAbTest(
        {
          experiment: { salt, variants: [{ name: 'A', allocation: 50 }, { name: 'B', allocation: 50 }] },
          users,
          ctr: { A: BASE_CTR, B: BASE_CTR * (1 + lift) },
          impressionsPerVariant: required,
        },
        random,
      );
      // baselineRate: the true control CTR, as `?baseline_rate=` would give it (the observed one
      // moves the required size around the fixed size simulated here).
      const result = experimentResults(counts, random, { minDetectableLift: LIFT, baselineRate: BASE_CTR, probabilityBestThreshold: 0.975, draws: 4_000 });
      if (lift > 0 && result.winner === 'B') power++;
      if (lift === 0 && result.winner !== null) falseWinners++;
    }
  }
  log(`simulated A/B and A/A: ${REPEATS} each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  rows.push(
    `| the results endpoint's stopping rule on ${REPEATS} simulated A/B tests (+${LIFT * 100} %) at ${required.toLocaleString('en')} impressions per variant: right winner called | ≈ 80 % (the power the sample size is computed for) | ${((power / REPEATS) * 100).toFixed(1)} % |`,
    `| … and on ${REPEATS} simulated A/A tests: a winner called | ≈ 5 % (alpha) | ${((falseWinners / REPEATS) * 100).toFixed(1)} % |`,
  );
  return rows;
}
