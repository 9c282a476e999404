// `pnpm bench ingest`: sustained event ingestion through POST /v1/events into Redis, with two API
// replica processes and a worker on a real redis-server, all on loopback. Prints Markdown.
//
// Options: --seconds 30  --concurrency 16  --batch 100  --users 5000
import { parseArgs } from 'node:util';
import { createRedisStore } from '@recsys/store';
import { startRedisServer } from '@recsys/store/testing';
import { startServiceProcess } from '../test/support/service-process.js';
import { ms, runClosedLoop } from './load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    users: { type: 'string', default: '5000' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const batch = Number(values.batch);
const users = Number(values.users);

const redis = await startRedisServer();
const env = { REDIS_URL: redis.url, RECSYS_DEMO: '0', LOG_LEVEL: 'warn', RECSYS_RATE_LIMIT_PER_MINUTE: '10000000' };
const [a, b] = await Promise.all([startServiceProcess(env, 60_000, '/readyz'), startServiceProcess(env, 60_000, '/readyz')]);
try {
  const items = Array.from({ length: 1000 }, (_, i) => ({ item_id: `i${i}`, title: `Title ${i}`, content_type: 'movie' }));
  await fetch(`${a.baseUrl}/v1/items`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });

  let sent = 0;
  const result = await runClosedLoop({
    concurrency,
    durationMs: seconds * 1000,
    maxRequests: 1_000_000,
    async send(i) {
      const events = Array.from({ length: batch }, (_, k) => ({
        event_id: `bench-${i}-${k}`,
        user_id: `u${(i * batch + k) % users}`,
        item_id: `i${(i * 7 + k * 13) % 1000}`,
        type: k % 3 ? 'watch' : 'complete',
        completion: 0.8,
      }));
      // Alternate replicas, as a load balancer would.
      const base = i % 2 ? b.baseUrl : a.baseUrl;
      const response = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
      const body = (await response.json()) as { accepted?: number };
      if (response.status !== 202 || body.accepted !== batch) return false;
      sent += batch;
      return true;
    },
  });

  // Lag between an acknowledgement on one replica and the feature showing on the other.
  const lags: number[] = [];
  for (let i = 0; i < 50; i++) {
    const user = `lag-${i}`;
    const t0 = performance.now();
    await fetch(`${a.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ event_id: `lag-${i}`, user_id: user, item_id: 'i1', type: 'complete' }] }),
    });
    const acked = performance.now();
    for (;;) {
      const exported = (await (await fetch(`${b.baseUrl}/v1/users/${user}/export`)).json()) as { interactions?: unknown[] };
      if (exported.interactions?.length) break;
      if (performance.now() - t0 > 5000) throw new Error('feature never became visible on the other replica');
    }
    lags.push(performance.now() - acked);
  }
  lags.sort((x, y) => x - y);

  // Every acknowledged event must be in the log exactly once.
  const store = createRedisStore({ url: redis.url });
  await store.open();
  const logged = (await store.events.count()) - lags.length;
  await store.close();
  console.log('## Ingestion (distributed mode, Redis)\n');
  console.log(`Command: \`pnpm bench ingest --seconds ${seconds} --concurrency ${concurrency} --batch ${batch}\``);
  console.log(`Two API replica processes and one redis-server on loopback; ${concurrency} closed-loop clients, ${batch} events per request.\n`);
  console.log('| events acknowledged | events/s | requests/s | p50 | p95 | p99 | errors | ack → visible on the other replica (p50 / p95) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(
    `| ${sent} | ${Math.round(sent / result.seconds)} | ${result.throughput.toFixed(0)} | ${ms(result.p50)} | ${ms(result.p95)} | ${ms(result.p99)} | ${result.errors} | ${ms(lags[25]!)} / ${ms(lags[47]!)} |`,
  );
  console.log(`\nEvents in the Redis log after the run: ${logged} (acknowledged: ${sent}${logged === sent ? ', none lost or doubled' : ', MISMATCH'}).`);
} finally {
  await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
  await redis.stop();
}
