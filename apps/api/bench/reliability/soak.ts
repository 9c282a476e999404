// Soak: mixed traffic for a long while against the embedded service (its own process, a temporary
// data directory): recommendations (GET and POST), event batches, preference updates, similar
// items and exports, at a steady rate. RSS of the service process is sampled every few seconds;
// growth is measured from the end of the warm-up (seeding and the first model version included)
// to the end of the run. Every answer must be a success.
//
// What the service retains grows with traffic by design (the events); impressions of served items
// are held in memory only for the attribution window and up to a cap, so they level off. To tell
// growth by design from a leak the run also reports the V8 heap's troughs (the live set after
// collections, from /metrics), the impressions held and evicted, and the bytes the data directory
// gained.
//
//   pnpm bench reliability --part soak [--minutes 10] [--rate 40] [--warmup-minutes 1]
//                                      [--sample-seconds 5] [--items 1000] [--users 500]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  audience,
  catalogue,
  http,
  option,
  percentile,
  postEvents,
  putItems,
  retrain,
  rssBytes,
  sleep,
  startApi,
  table,
  tasteOf,
  titleOf,
} from './harness.js';
import { BENCH_SERVICE_ENV } from '../load.js';

const MINUTES = Number(option('minutes', '10'));
const RATE = Number(option('rate', '40'));
const WARMUP_MS = Number(option('warmup-minutes', String(Math.min(1, MINUTES / 5)))) * 60_000;
const SAMPLE_MS = Number(option('sample-seconds', '5')) * 1000;
const ITEMS = Number(option('items', '1000'));
const USERS = Number(option('users', '500'));
const CLIENTS = 4;
/** Bound asked of the run: RSS growth after warm-up. */
const MAX_GROWTH = 0.1;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-soak-'));
const service = await startApi({ ...BENCH_SERVICE_ENV, RECSYS_DATA_DIR: dataDir });
const pid = service.child.pid!;
const base = service.baseUrl;
let exitCode = 1;

type Kind = 'recommend' | 'recommend_post' | 'events' | 'preferences' | 'similar' | 'export';
/** Share of each kind of request in the mix (cumulative draw below). */
const MIX: [Kind, number][] = [
  ['recommend', 0.6],
  ['recommend_post', 0.1],
  ['events', 0.12],
  ['preferences', 0.05],
  ['similar', 0.1],
  ['export', 0.03],
];

try {
  console.log(`seeding ${ITEMS} titles and ${USERS} users, training the first model version`);
  await putItems(base, catalogue(ITEMS));
  await postEvents(base, audience(USERS, 20, ITEMS));
  const first = await retrain(base);
  if (first.state !== 'completed') throw new Error(`first retrain ${first.state}: ${first.error}`);

  const counts = new Map<Kind, { ok: number; errors: number; latencies: number[] }>(MIX.map(([kind]) => [kind, { ok: 0, errors: 0, latencies: [] }]));
  const errorSamples: string[] = [];
  let eventCounter = 0;
  let n = 0;
  const send = async (kind: Kind): Promise<boolean> => {
    const i = n++;
    const user = `user-${(i * 7919) % USERS}`;
    const taste = tasteOf((i * 7919) % USERS);
    switch (kind) {
      case 'recommend': {
        const diversity = (i % 5) / 4;
        const answer = await http(base, 'GET', `/v1/users/${user}/recommendations?limit=20&diversity=${diversity}`);
        served += answer.body?.items?.length ?? 0;
        return answer.status === 200 && answer.body.items.length > 0;
      }
      case 'recommend_post': {
        const answer = await http(base, 'POST', '/v1/recommendations', { user_id: user, limit: 10, exclude_item_ids: [titleOf(taste, i, ITEMS)] });
        served += answer.body?.items?.length ?? 0;
        return answer.status === 200;
      }
      case 'events': {
        const events = Array.from({ length: 2 }, (_, k) => ({
          event_id: `soak-${++eventCounter}`,
          user_id: i % 10 === 0 ? `newcomer-${i}` : user,
          item_id: titleOf(taste, i + k * 11, ITEMS),
          type: k === 0 ? 'click' : 'watch',
          completion: 0.6,
        }));
        return (await http(base, 'POST', '/v1/events', { events })).status === 202;
      }
      case 'preferences': {
        const answer = await http(base, 'PUT', `/v1/users/${user}/preferences`, { genres: [['Animation', 'Crime', 'Family'][i % 3]], languages: ['en'] });
        return answer.status === 200;
      }
      case 'similar': {
        const mode = ['story', 'collaborative', 'hybrid'][i % 3];
        return (await http(base, 'GET', `/v1/items/${titleOf(i % 6, i, ITEMS)}/similar?mode=${mode}&limit=10`)).status === 200;
      }
      case 'export':
        return (await http(base, 'GET', `/v1/users/${user}/export`)).status === 200;
    }
  };
  const pick = (r: number): Kind => {
    for (const [kind, share] of MIX) if ((r -= share) < 0) return kind;
    return 'recommend';
  };

  const startedAt = performance.now();
  const endAt = startedAt + MINUTES * 60_000;
  const samples: { t: number; rss: number; heap: number; disk: number; served: number; held: number; evicted: number }[] = [];
  let served = 0;
  const sample = async () => {
    const t = performance.now() - startedAt;
    const rss = rssBytes(pid);
    const metrics = await http(base, 'GET', '/metrics');
    const metric = (name: string) => Number(new RegExp(`^recsys_${name} (\\S+)`, 'm').exec(String(metrics.body))?.[1] ?? Number.NaN);
    const heap = metric('nodejs_heap_size_used_bytes');
    samples.push({ t, rss, heap, disk: dirBytes(dataDir), served, held: metric('impressions_in_memory'), evicted: metric('impressions_evicted_total') });
  };
  const sampler = setInterval(() => void sample(), SAMPLE_MS);
  await sample();
  const intervalMs = (1000 * CLIENTS) / RATE;
  let draws = 0x2545f491;
  const client = async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      draws = (Math.imul(draws, 1103515245) + 12345) >>> 0;
      const kind = pick(draws / 2 ** 32);
      const ok = await send(kind).catch(() => false);
      const entry = counts.get(kind)!;
      entry.latencies.push(performance.now() - t0);
      if (ok) entry.ok++;
      else {
        entry.errors++;
        if (errorSamples.length < 5) errorSamples.push(kind);
      }
      await sleep(Math.max(0, intervalMs - (performance.now() - t0)));
    }
  };
  let lastReport = startedAt;
  const progress = setInterval(() => {
    if (performance.now() - lastReport < 60_000) return;
    lastReport = performance.now();
    const done = [...counts.values()].reduce((s, c) => s + c.ok + c.errors, 0);
    console.log(`  ${((performance.now() - startedAt) / 60_000).toFixed(1)} min: ${done} requests, RSS ${(samples.at(-1)!.rss / 2 ** 20).toFixed(0)} MiB`);
  }, 5000);
  await Promise.all(Array.from({ length: CLIENTS }, client));
  clearInterval(sampler);
  clearInterval(progress);
  await sample();

  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  // Medians over a window (a minute of samples, less in a short run), so the garbage collector's
  // ups and downs do not decide the figure: the first window after warm-up against the last.
  const afterWarmup = samples.filter((s) => s.t >= WARMUP_MS);
  const window = Math.max(1, Math.min(Math.round(60_000 / SAMPLE_MS), Math.floor(afterWarmup.length / 4)));
  const baseline = median(afterWarmup.slice(0, window).map((s) => s.rss));
  const final = median(afterWarmup.slice(-window).map((s) => s.rss));
  const growth = final / baseline - 1;
  const firstWindow = afterWarmup.slice(0, window);
  const lastWindow = afterWarmup.slice(-window);
  const trough = (list: typeof samples) => Math.min(...list.map((s) => s.heap));
  const heapGrowth = trough(lastWindow) / trough(firstWindow) - 1;
  const servedBetween = lastWindow.at(-1)!.served - firstWindow[0]!.served;
  const diskBetween = lastWindow.at(-1)!.disk - firstWindow[0]!.disk;
  const total = [...counts.values()].reduce((s, c) => s + c.ok + c.errors, 0);
  const errors = [...counts.values()].reduce((s, c) => s + c.errors, 0);
  const seconds = (performance.now() - startedAt) / 1000;
  const rows = [...counts].map(([kind, c]) => {
    const sorted = [...c.latencies].sort((a, b) => a - b);
    return [kind, c.ok + c.errors, c.errors, percentile(sorted, 0.5).toFixed(1), percentile(sorted, 0.99).toFixed(1)];
  });
  console.log(`\nSoak: ${(seconds / 60).toFixed(1)} min of mixed traffic at ~${(total / seconds).toFixed(0)} req/s against the embedded service\n`);
  console.log(table(['request', 'count', 'errors', 'p50 ms', 'p99 ms'], rows));
  console.log();
  console.log(
    table(
      ['figure', 'value', ''],
      [
        ['requests / errors', `${total} / ${errors}`, errors === 0 ? 'ok' : '**FAIL**'],
        ['events stored at the end', String(eventCounter * 2 + USERS * 20), ''],
        [`RSS at the start of traffic / median of the first and of the last ${((window * SAMPLE_MS) / 1000).toFixed(0)} s after warm-up (MiB)`, `${mib(samples[0]!.rss)} / ${mib(baseline)} / ${mib(final)}`, ''],
        ['RSS min / max after warm-up (MiB)', `${mib(Math.min(...afterWarmup.map((s) => s.rss)))} / ${mib(Math.max(...afterWarmup.map((s) => s.rss)))}`, ''],
        [`RSS growth after warm-up (bound ${MAX_GROWTH * 100} %)`, `${(growth * 100).toFixed(1)} %`, growth < MAX_GROWTH ? 'ok' : '**FAIL**'],
        ['V8 heap troughs (live set), first / last window after warm-up (MiB)', `${mib(trough(firstWindow))} / ${mib(trough(lastWindow))} (${(heapGrowth * 100).toFixed(1)} %)`, ''],
        ['items served (impressions) / data-directory growth over the same span', `${servedBetween} / ${mib(diskBetween)} MiB`, ''],
        ['impressions held in memory at the end / evicted (window, cap)', `${samples.at(-1)!.held} / ${samples.at(-1)!.evicted}`, ''],
        ['RSS growth per 100k impressions served (MiB)', servedBetween > 0 ? mib(((final - baseline) / servedBetween) * 100_000) : '-', ''],
      ],
    ),
  );
  if (errorSamples.length > 0) console.log(`\nfirst failing requests: ${errorSamples.join(', ')}`);
  exitCode = errors === 0 && growth < MAX_GROWTH ? 0 : 1;
} finally {
  await service.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

/** Bytes of every file under `dir`. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    total += stat.isDirectory() ? dirBytes(full) : stat.size;
  }
  return total;
}
