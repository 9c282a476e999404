// `pnpm bench context [--part offline|simulator] [options]`: the context signals' benchmarks. Each
// part prints Markdown for docs/benchmarks.md ("Context signals").
//
//   offline    MovieLens-100k, time-ordered split (each user's last 20 % of ratings by time is the
//              test): HR@10 and nDCG@10 of the served ranking with and without the temporal and
//              sequential signals, and each alone; default weights tuned on a validation split cut
//              the same way from the training part. Then the cost of building and scoring every
//              registered context signal for one request at 100k items.
//              Options: --data <dir with u.data and u.item> (default ../shared/data/movielens-100k)
//                       --grid 0.02,0.05,0.1,0.2,0.4,0.7,1 (weights tried per signal on validation)
//                       --no-story (leave the story signal out: faster)  --cost-items 100000
//   simulator  planted context effects driving the running service over HTTP (context-simulator.ts,
//              run as its own process).
// Without --part both run, offline first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CONTEXT_WEIGHTS, HYBRID_WEIGHTS } from '@recsys/engine';
import { measureContextCost } from '../../../packages/engine/src/bench/context-cost.js';
import { OfflineContextBench, type OfflineResult, timeOrderedSplit, validationSplit } from '../../../packages/engine/src/bench/context-offline.js';
import { loadMovieLens100k } from '../../../packages/eval/src/datasets.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** nDCG@10 differences below this on the validation split are noise (about 1 user in 943 moving one rank). */
const TIE = 0.0005;
const ROOT = path.resolve(HERE, '../../..');

const args = process.argv.slice(2);
const at = args.indexOf('--part');
const part = at >= 0 ? args[at + 1] : undefined;
const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
if (part !== undefined && part !== 'offline' && part !== 'simulator') {
  console.error('unknown part; parts: offline, simulator');
  process.exit(2);
}

if (part === undefined || part === 'offline') await offline(rest);
if (part === undefined || part === 'simulator') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, 'context-simulator.ts'), ...(part ? rest : [])], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

async function offline(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: path.resolve(ROOT, '../shared/data/movielens-100k') },
      grid: { type: 'string', default: '0.02,0.05,0.1,0.2,0.4,0.7,1' },
      'no-story': { type: 'boolean', default: false },
      'cost-items': { type: 'string', default: '100000' },
    },
    strict: false,
  });
  const started = performance.now();
  const dataset = loadMovieLens100k(String(values.data));
  const ratings = dataset.ratings.map((r) => ({ user: r.user, item: r.item, rating: r.rating, at: r.timestamp * 1000 }));
  // MovieLens users are in the United States: their ratings' local times are read in its central zone.
  const options = { zone: 'America/Chicago', weights: HYBRID_WEIGHTS, k: 10, story: !values['no-story'], context: {} };
  const split = timeOrderedSplit(ratings, 0.2);
  const grid = String(values.grid).split(',').map(Number);
  // ML-100k has ratings only: no watch events, so "continue watching" never fires there.
  const tunable = ['temporal', 'trending_now', 'watched_next', 'mood'];

  console.log(`\n### MovieLens-100k, time-ordered split: weights tuned on validation\n`);
  const validation = await OfflineContextBench.prepare(dataset.items, validationSplit(split), options);
  const valBase = validation.evaluate([]);
  console.log('| signal | weight | HR@10 | nDCG@10 | nDCG@10 lift |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| none | - | ${f(valBase.hr_at_10)} | ${f(valBase.ndcg_at_10)} | - |`);
  const tuned: Record<string, number> = {};
  for (const name of tunable) {
    const tried: { weight: number; ndcg: number }[] = [];
    for (const weight of grid) {
      const r = validation.evaluate([name], { [name]: weight });
      console.log(`| ${name} | ${weight} | ${f(r.hr_at_10)} | ${f(r.ndcg_at_10)} | ${lift(r.ndcg_at_10, valBase.ndcg_at_10)} |`);
      tried.push({ weight, ndcg: r.ndcg_at_10 });
    }
    // On a plateau the smallest weight within TIE of the best wins: less of the list rides on one signal.
    const best = Math.max(...tried.map((t) => t.ndcg));
    const pick = tried.filter((t) => t.ndcg > valBase.ndcg_at_10 && t.ndcg >= best - TIE).sort((x, y) => x.weight - y.weight)[0];
    tuned[name] = pick?.weight ?? 0;
  }
  console.log(`\nTuned on validation (the smallest weight within ${TIE} nDCG@10 of the best; 0 = no weight beat the plain ranking): ${Object.entries(tuned).map(([n, w]) => `${n} ${w}`).join(', ')}; `
    + `served defaults: ${Object.entries(DEFAULT_CONTEXT_WEIGHTS).map(([n, w]) => `${n} ${w}`).join(', ')}`);

  console.log(`\n### MovieLens-100k, time-ordered split: test (${split.test.size} users)\n`);
  const test = await OfflineContextBench.prepare(dataset.items, split, options);
  test.evaluate([]); // warm-up: the first pass pays for compilation, which would bias its row's timing
  const on = (names: string[]) => names.filter((n) => (tuned[n] ?? 0) > 0);
  const served = Object.fromEntries(tunable.filter((n) => (DEFAULT_CONTEXT_WEIGHTS[n] ?? 0) > 0).map((n) => [n, DEFAULT_CONTEXT_WEIGHTS[n]!]));
  const configs: [string, string[], Record<string, number>?][] = [
    ['none (hybrid as served before)', []],
    ['served defaults (DEFAULT_CONTEXT_WEIGHTS)', Object.keys(served), served],
    ...(served.temporal ? [[`temporal alone at the served weight`, ['temporal'], { temporal: served.temporal }] as [string, string[], Record<string, number>]] : []),
    ['temporal (time buckets, and trending now if tuned on)', on(['temporal', 'trending_now'])],
    ['sequential (watched next + mood)', on(['watched_next', 'mood'])],
    ['temporal + sequential', on(tunable)],
    ...tunable.map((n): [string, string[]] => [`${n} alone`, [n]]),
  ];
  const rows: [string, string[], OfflineResult][] = [];
  for (const [label, names, fixed] of configs) {
    // A signal validation turned off is shown alone at the smallest weight tried, to say what it costs.
    const weights = fixed ?? Object.fromEntries(names.map((n) => [n, tuned[n]! > 0 ? tuned[n]! : Math.min(...grid)]));
    rows.push([label, names.map((n) => `${n} ${weights[n]}`), test.evaluate(names, weights)]);
  }
  const base = rows[0]![2];
  console.log('| signals | weights | HR@10 | nDCG@10 | HR@10 lift | nDCG@10 lift | ms per request, p50 / p95 |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [label, weights, r] of rows) {
    console.log(`| ${label} | ${weights.join(', ') || '-'} | ${f(r.hr_at_10)} | ${f(r.ndcg_at_10)} | ${lift(r.hr_at_10, base.hr_at_10)} | ${lift(r.ndcg_at_10, base.ndcg_at_10)} | ${r.p50_ms.toFixed(2)} / ${r.p95_ms.toFixed(2)} |`);
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s for the MovieLens part)`);
  await cost(Number(values['cost-items']));
}

async function cost(nItems: number): Promise<void> {
  const measured = await measureContextCost({ items: nItems });
  console.log(`\n### Cost per request at ${nItems.toLocaleString('en-US')} items (1,000 candidates, 100 recent events)\n`);
  console.log(
    `Aggregates fitted on ${measured.events.toLocaleString('en-US')} synthetic events in ${measured.fitSeconds.toFixed(1)} s CPU. ` +
      `Per request (monotonic clock): each signal's build, score of 1,000 rows, candidates and 10 reasons. ` +
      `CPU per request over the whole run (mean, every signal on): ${measured.cpuMeanMs.toFixed(3)} ms.\n`,
  );
  console.log('| signal | p50 ms | p95 ms |');
  console.log('|---|---:|---:|');
  for (const row of measured.rows) console.log(`| ${row.name} | ${row.p50.toFixed(3)} | ${row.p95.toFixed(3)} |`);
}

function f(x: number): string {
  return x.toFixed(4);
}
function lift(x: number, base: number): string {
  const d = x - base;
  return `${d >= 0 ? '+' : ''}${d.toFixed(4)} (${base > 0 ? `${d >= 0 ? '+' : ''}${((100 * d) / base).toFixed(1)} %` : '-'})`;
}
