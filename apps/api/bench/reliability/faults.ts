// Fault injection on the distributed mode, everything real and on loopback: a redis-server with an
// append-only file (fsync always), two API processes and a worker process.
//   1. Mixed load (recommendations on both APIs; event batches by clients that retry a 503 after
//      its Retry-After), then Redis is killed (SIGKILL) and restarted after an outage: no 5xx on
//      reads, degraded answers meanwhile, writes refused with 503 + Retry-After and retried; the
//      recovery after Redis returns is measured per API.
//   2. The worker is killed (SIGKILL) in the middle of a retrain: the active model version is
//      untouched, and the job completes once a worker runs again.
//   3. Every acknowledged event is in the event log, counted by id.
//
//   pnpm bench reliability --part faults [--before 3] [--outage 3] [--readers 6] [--writers 2]
//                                        [--items 600] [--users 300] [--per-user 25]
import { randomUUID } from 'node:crypto';
import { createRedisStore } from '@recsys/store';
import { startRedisServer } from '@recsys/store/testing';
import {
  audience,
  catalogue,
  http,
  option,
  percentile,
  postEvents,
  putItems,
  retrain,
  sleep,
  startApi,
  startWorker,
  table,
  waitForJob,
  workerReady,
  type WorkerProcess,
} from './harness.js';

const BEFORE_MS = Number(option('before', '3')) * 1000;
const OUTAGE_MS = Number(option('outage', '3')) * 1000;
const READERS = Number(option('readers', '6'));
const WRITERS = Number(option('writers', '2'));
const ITEMS = Number(option('items', '600'));
const USERS = Number(option('users', '300'));
const PER_USER = Number(option('per-user', '25'));
/** The promise: serving normally again within this long after Redis returns. */
const RECOVERY_BOUND_MS = 5000;
/** A killed worker's job lock expires after this; expired locks are looked for every second. */
const JOB_LOCK_SECONDS = 10;

interface Request {
  api: number;
  kind: 'read' | 'write';
  sentAt: number;
  at: number;
  status: number;
  degraded?: boolean;
  /** For writes: which attempt of the batch this was (1 = first). */
  attempt?: number;
}

const redis = await startRedisServer({ persistent: true });
const keyPrefix = `bench:${randomUUID().slice(0, 8)}:`;
const env = { REDIS_URL: redis.url, RECSYS_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'warn' };
const workerEnv = {
  ...env,
  LOG_LEVEL: 'info', // workerReady waits for its "worker ready" line
  RECSYS_TRAIN_ON_START: '0',
  RECSYS_RETRAIN_INTERVAL_MINUTES: '0',
  RECSYS_INCREMENTAL_INTERVAL_MINUTES: '0',
  RECSYS_JOB_LOCK_SECONDS: String(JOB_LOCK_SECONDS),
  RECSYS_JOB_STALLED_CHECK_SECONDS: '1',
};
const apis = [await startApi(env, '/readyz'), await startApi(env, '/readyz')];
let worker: WorkerProcess = startWorker(workerEnv);
const results: (string | number)[][] = [];
let failures = 0;
const check = (what: string, value: string | number, ok: boolean) => {
  results.push([what, value, ok ? 'ok' : '**FAIL**']);
  if (!ok) failures++;
};

try {
  await workerReady(worker);
  const main = apis[0]!.baseUrl;
  console.log(`seeding: ${ITEMS} titles, ${USERS} users x ${PER_USER} events; first model version trained by the worker`);
  await putItems(main, catalogue(ITEMS));
  await postEvents(main, audience(USERS, PER_USER, ITEMS));
  const first = await retrain(main);
  if (first.state !== 'completed') throw new Error(`first retrain ${first.state}: ${first.error}`);
  const trained = first.result.version as string;
  for (const api of apis) {
    while ((await http(api.baseUrl, 'GET', '/v1/models')).body?.active_version !== trained) await sleep(50);
  }

  // ---- 1. Redis killed under mixed load ------------------------------------------------------
  const requests: Request[] = [];
  const acknowledged: string[] = [];
  let stopped = false;
  let batchCounter = 0;
  const reader = async (client: number) => {
    for (let i = 0; !stopped; i++) {
      const api = (client + i) % apis.length;
      const sentAt = performance.now();
      const answer = await http(apis[api]!.baseUrl, 'GET', `/v1/users/user-${(client * 37 + i) % USERS}/recommendations?limit=10`);
      requests.push({ api, kind: 'read', sentAt, at: performance.now(), status: answer.status, degraded: answer.body?.degraded });
    }
  };
  // A well-behaved client: a refused batch is sent again, same event ids, after Retry-After.
  const writer = async (client: number) => {
    while (!stopped) {
      const batch = Array.from({ length: 5 }, (_, k) => ({
        event_id: `load-${client}-${++batchCounter}-${k}`,
        user_id: `user-${(batchCounter * 5 + k) % USERS}`,
        item_id: `anime-${6 * ((batchCounter + k) % Math.floor(ITEMS / 6))}`,
        type: 'watch',
        completion: 0.8,
      }));
      for (let attempt = 1; ; attempt++) {
        const api = (client + attempt) % apis.length;
        const sentAt = performance.now();
        const answer = await http(apis[api]!.baseUrl, 'POST', '/v1/events', { events: batch });
        requests.push({ api, kind: 'write', sentAt, at: performance.now(), status: answer.status, attempt });
        if (answer.status === 202) {
          acknowledged.push(...batch.map((e) => e.event_id));
          break;
        }
        if (stopped) break;
        const retryAfter = Number(answer.headers.get('retry-after'));
        await sleep(answer.status === 503 && retryAfter > 0 ? retryAfter * 1000 : 500);
      }
    }
  };
  const load = Promise.all([...Array.from({ length: READERS }, (_, c) => reader(c)), ...Array.from({ length: WRITERS }, (_, c) => writer(c))]);
  await sleep(BEFORE_MS);
  const killedAt = performance.now();
  await redis.kill();
  await sleep(OUTAGE_MS);
  await redis.restart();
  const backAt = performance.now();
  const recovered = (api: number, kind: Request['kind']) =>
    requests.find((r) => r.api === api && r.kind === kind && r.sentAt >= backAt && (kind === 'write' ? r.status === 202 : r.degraded === false));
  const allRecovered = () => apis.every((_, api) => recovered(api, 'read') && recovered(api, 'write'));
  while (!allRecovered() && performance.now() - backAt < RECOVERY_BOUND_MS + 10_000) await sleep(25);
  await sleep(1000);
  stopped = true;
  await load;

  const reads = requests.filter((r) => r.kind === 'read');
  const writes = requests.filter((r) => r.kind === 'write');
  const outage = (r: Request) => r.sentAt > killedAt + 50 && r.at < backAt;
  const outageReads = reads.filter(outage);
  const outageLatency = outageReads.map((r) => r.at - r.sentAt).sort((a, b) => a - b);
  const refused = writes.filter((r) => r.status === 503);
  console.log(`\nRedis killed for ${(OUTAGE_MS / 1000).toFixed(1)} s under load (${READERS} readers, ${WRITERS} writers, 2 API processes)\n`);
  check('read requests', reads.length, reads.length > 0);
  check('reads answered 5xx or not at all', reads.filter((r) => r.status >= 500 || r.status === 0).length, reads.every((r) => r.status === 200));
  // A replica re-reads a user's state at most once a second (userStateMaxAgeMs): within that second
  // after the kill a list can be computed from fresh state without touching Redis, and is then
  // rightly not marked degraded. Every read that needed Redis must be.
  const USER_STATE_MAX_AGE_MS = 1_000;
  const needingRedis = outageReads.filter((r) => r.sentAt > killedAt + USER_STATE_MAX_AGE_MS);
  const fromMemory = outageReads.filter((r) => !r.degraded);
  const lastFromMemory = Math.max(0, ...fromMemory.map((r) => r.sentAt - killedAt));
  check(
    `reads during the outage sent over ${USER_STATE_MAX_AGE_MS / 1000} s after the kill, all degraded`,
    `${needingRedis.filter((r) => r.degraded).length} of ${needingRedis.length}`,
    needingRedis.length > 0 && needingRedis.every((r) => r.degraded),
  );
  check(
    'reads during the outage answered normally from fresh in-memory state / the last sent at (ms after the kill)',
    `${fromMemory.length} of ${outageReads.length} / ${lastFromMemory.toFixed(0)}`,
    lastFromMemory <= USER_STATE_MAX_AGE_MS,
  );
  check('read latency during the outage, p50 / p99 / max (ms)', `${percentile(outageLatency, 0.5).toFixed(1)} / ${percentile(outageLatency, 0.99).toFixed(1)} / ${outageLatency.at(-1)?.toFixed(1)}`, (outageLatency.at(-1) ?? 0) < 1000);
  check('write requests (202 / 503 with Retry-After / other)', `${writes.filter((r) => r.status === 202).length} / ${refused.length} / ${writes.length - refused.length - writes.filter((r) => r.status === 202).length}`, writes.every((r) => r.status === 202 || r.status === 503));
  check('write retries by clients', writes.filter((r) => (r.attempt ?? 1) > 1).length, refused.length > 0);
  for (let api = 0; api < apis.length; api++) {
    const readMs = recovered(api, 'read') ? recovered(api, 'read')!.at - backAt : Number.POSITIVE_INFINITY;
    const writeMs = recovered(api, 'write') ? recovered(api, 'write')!.at - backAt : Number.POSITIVE_INFINITY;
    check(`API ${api + 1}: non-degraded read / accepted write after Redis returned (ms)`, `${readMs.toFixed(0)} / ${writeMs.toFixed(0)}`, Math.max(readMs, writeMs) < RECOVERY_BOUND_MS);
  }

  for (let api = 0; api < apis.length; api++) {
    const breaker = (await http(apis[api]!.baseUrl, 'GET', '/readyz')).body?.circuit_breakers?.redis;
    check(`API ${api + 1}: Redis circuit breaker now / times opened / calls refused without reaching Redis`, `${breaker?.state} / ${breaker?.opened_total} / ${breaker?.rejected_total}`, breaker?.state === 'closed');
  }

  // ---- 2. The worker killed in the middle of a retrain -----------------------------------------
  const activeBefore = await registryActive(main);
  const started = await http(main, 'POST', '/v1/models/retrain', { kind: 'full' });
  const jobId = started.body.job_id as string;
  await waitForJob(main, jobId, 60_000, ['running', 'completed', 'failed']);
  const killedMidRun = (await http(main, 'GET', `/v1/models/jobs/${jobId}`)).body.state === 'running';
  worker.child.kill('SIGKILL');
  await worker.exited;
  await sleep(500);
  const activeAfterKill = await registryActive(main);
  const jobAfterKill = (await http(main, 'GET', `/v1/models/jobs/${jobId}`)).body;
  const restartedAt = performance.now();
  worker = startWorker(workerEnv);
  await workerReady(worker);
  const readyMs = performance.now() - restartedAt;
  const job = await waitForJob(main, jobId, 180_000);
  const completedMs = performance.now() - restartedAt;
  const activeAfter = await registryActive(main);
  console.log(`\nWorker killed (SIGKILL) mid-retrain, then started again\n`);
  check('job was running when the worker was killed', killedMidRun ? 'yes' : 'no', killedMidRun);
  check('active version after the kill', activeAfterKill === activeBefore ? 'unchanged' : `changed to ${activeAfterKill}`, activeAfterKill === activeBefore);
  check('job state after the kill', jobAfterKill.state, jobAfterKill.state !== 'completed');
  check('job after the worker restarted', `${job.state} (attempts ${job.attempts})`, job.state === 'completed');
  const seconds = (j: { started_at?: string; finished_at?: string }) => (Date.parse(j.finished_at ?? '') - Date.parse(j.started_at ?? '')) / 1000;
  check(
    `job completed after the restart, s (worker up / lock ${JOB_LOCK_SECONDS} s expiry and rerun; an undisturbed retrain took ${seconds(first).toFixed(1)} s)`,
    `${(completedMs / 1000).toFixed(1)} (${(readyMs / 1000).toFixed(1)} / ${((completedMs - readyMs) / 1000).toFixed(1)})`,
    job.state === 'completed',
  );
  check('active version afterwards', job.result?.activated ? 'the retrained one' : `unchanged (${job.result?.reason})`, activeAfter === (job.result?.activated ? job.result.version : activeBefore));

  // ---- 3. No acknowledged event lost -------------------------------------------------------------
  const store = createRedisStore({ url: redis.url, keyPrefix });
  await store.open();
  let missing = 0;
  for (let start = 0; start < acknowledged.length; start += 500) {
    const present = await Promise.all(acknowledged.slice(start, start + 500).map((id) => store.events.has(id)));
    missing += present.filter((p) => !p).length;
  }
  await store.close();
  console.log('\nAcknowledged events\n');
  check('events acknowledged under load / missing from the log', `${acknowledged.length} / ${missing}`, acknowledged.length > 0 && missing === 0);

  console.log(`\n${table(['check', 'measured', ''], results)}\n`);
  console.log(failures === 0 ? 'all fault-injection checks passed' : `${failures} fault-injection check(s) failed`);
} finally {
  worker.child.kill('SIGKILL');
  for (const api of apis) await api.stop('SIGKILL');
  await redis.stop();
}
process.exit(failures === 0 ? 0 : 1);

/** The version the registry marks active (not one replica's memory). */
async function registryActive(baseUrl: string): Promise<string | undefined> {
  const answer = await http(baseUrl, 'GET', '/v1/models');
  return (answer.body.models as { version: string; status: string }[]).find((m) => m.status === 'active')?.version;
}
