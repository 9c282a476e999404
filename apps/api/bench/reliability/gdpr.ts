// GDPR erasure, checked from the outside in both run modes. A user with events (watches, a search
// with a distinctive query, a session id), onboarding preferences (with a distinctive value) and
// served recommendations (impressions) is trained into a model version, then erased with
// DELETE /v1/users/{id}. Then nothing may carry their id or their distinctive data:
//   - distributed: every Redis key and value (SCAN over the whole database, each value read by
//     type, binary-safe), and the Redis append-only file once it is rewritten;
//   - embedded: every file of the data directory, nothing excluded;
//   - the logs of every process (the API at info level, and the worker);
//   - the next model version (a retrain after the erasure): no vector for the user; and that
//     retrain scrubs the user's id out of the versions trained before (model-scrub.ts).
// The same search run before the erasure must find the user (so the search itself is shown to work).
//
//   pnpm bench reliability --part gdpr [--mode embedded|distributed|both] [--items 300] [--users 80]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRedisStore, type RedisStore } from '@recsys/store';
import { startRedisServer } from '@recsys/store/testing';
import { fileBytes, filesUnder, redisKeyBytes } from '../../test/support/stored-bytes.js';
import { audience, catalogue, http, option, postEvents, putItems, retrain, sleep, startApi, startWorker, table, titleOf, workerReady } from './harness.js';

const MODES = option('mode', 'both') === 'both' ? (['embedded', 'distributed'] as const) : ([option('mode', 'both')] as ('embedded' | 'distributed')[]);
const ITEMS = Number(option('items', '300'));
const USERS = Number(option('users', '80'));

/** The subject and what only they carry. */
function subject() {
  const tag = randomBytes(4).toString('hex');
  return {
    userId: `gdpr-subject-${tag}`,
    /** Distinctive data: a search query, a session id, a self-described gender, event ids. */
    query: `quokka lighthouse ${tag}`,
    session: `sess-${tag}`,
    gender: `g-${tag}`,
    eventPrefix: `gdpr-evt-${tag}-`,
  };
}
type Subject = ReturnType<typeof subject>;

function needles(s: Subject): [string, Buffer][] {
  return [
    ['user id', Buffer.from(s.userId)],
    ['search query', Buffer.from(s.query)],
    ['session id', Buffer.from(s.session)],
    ['preference value', Buffer.from(s.gender)],
    ['event id', Buffer.from(s.eventPrefix)],
  ];
}

/** What carries the subject: "where: what" strings. */
function findIn(where: string, bytes: Buffer, s: Subject): string[] {
  return needles(s)
    .filter(([, needle]) => bytes.includes(needle))
    .map(([what]) => `${where}: ${what}`);
}

async function seedSubject(baseUrl: string, s: Subject): Promise<void> {
  const now = Date.now();
  const events = Array.from({ length: 12 }, (_, k) => ({
    event_id: `${s.eventPrefix}${k}`,
    user_id: s.userId,
    item_id: titleOf(k % 2, k, ITEMS),
    type: k % 4 === 3 ? 'rate' : 'complete',
    ...(k % 4 === 3 ? { rating: 4.5 } : { completion: 1 }),
    session_id: s.session,
    device: 'tv',
    timestamp: new Date(now - (20 - k) * 60_000).toISOString(),
  }));
  events.push({
    event_id: `${s.eventPrefix}search`,
    user_id: s.userId,
    type: 'search',
    query: s.query,
    session_id: s.session,
    timestamp: new Date(now - 60_000).toISOString(),
  } as unknown as (typeof events)[number]);
  await postEvents(baseUrl, events);
  const prefs = await http(baseUrl, 'PUT', `/v1/users/${s.userId}/preferences`, {
    genres: ['Animation'],
    languages: ['ja'],
    age_bucket: '25-34',
    country: 'NZ',
    gender: s.gender,
    liked_item_ids: [titleOf(0, 40, ITEMS)],
  });
  if (prefs.status !== 200) throw new Error(`preferences answered ${prefs.status}`);
}

/** Recommendations served to the subject, and impression/click events naming the lists. */
async function serveSubject(baseUrl: string, s: Subject): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const list = await http(baseUrl, 'GET', `/v1/users/${s.userId}/recommendations?limit=10&session_id=${s.session}`);
    if (list.status !== 200) throw new Error(`recommendations answered ${list.status}`);
    const shown = (list.body.items as { item_id: string }[]).slice(0, 3);
    await postEvents(
      baseUrl,
      shown.map((item, k) => ({
        event_id: `${s.eventPrefix}imp-${i}-${k}`,
        user_id: s.userId,
        item_id: item.item_id,
        type: k === 0 ? 'click' : 'impression',
        recommendation_id: list.body.request_id,
        session_id: s.session,
      })),
    );
  }
}

function scanDataDir(dataDir: string, s: Subject): string[] {
  return fileBytes(dataDir).flatMap(({ file, bytes }) => findIn(file, bytes, s));
}

/** Every key of the database and every value under it, read by type (binary-safe). */
async function scanRedis(redis: RedisStore['redis'], s: Subject): Promise<string[]> {
  const found: string[] = [];
  for await (const { key, bytes } of redisKeyBytes(redis)) found.push(...findIn(key, bytes, s));
  return found;
}

function scanLogs(name: string, output: string, s: Subject): string[] {
  return output
    .split('\n')
    .flatMap((line, i) => findIn(`${name} log line ${i + 1}`, Buffer.from(line), s));
}

/** Splits findings into those in stored model versions (by version) and the rest. */
function split(found: string[], versions: readonly string[]): { models: Map<string, number>; other: string[] } {
  const models = new Map<string, number>();
  const other: string[] = [];
  for (const entry of found) {
    const version = versions.find((v) => entry.includes(encodeURIComponent(v)) || entry.includes(`model:${v}:`));
    if (version) models.set(version, (models.get(version) ?? 0) + 1);
    else other.push(entry);
  }
  return { models, other };
}

interface Outcome {
  mode: string;
  before: number;
  erased: string;
  /** What GET /v1/users/{id}/export returned before the erasure; ok when its learning part matches what the erasure removed. */
  exported: { text: string; ok: boolean };
  /** Findings outside model versions right after the DELETE, and after the next retrain. */
  stores: string[];
  storesAfterRetrain: string[];
  logs: string[];
  /** Earlier versions naming the user right after the DELETE, and after the next retrain. */
  earlierVersionsAtOnce: string;
  earlierVersions: string;
  nextVersionHasUser: boolean;
  nextVersionUsers: number;
  extra: [string, string][];
}

async function userIdsOf(mode: 'embedded' | 'distributed', where: { dataDir?: string; redis?: RedisStore; prefix: string }, version: string): Promise<string[]> {
  const bytes =
    mode === 'embedded'
      ? readFileSync(path.join(where.dataDir!, 'models', 'versions', encodeURIComponent(version), `${encodeURIComponent('user-ids.json')}.bin`))
      : await where.redis!.redis.hgetBuffer(`${where.prefix}model:${version}:artifacts`, 'user-ids.json');
  return JSON.parse(bytes!.toString('utf8')) as string[];
}

async function runMode(mode: 'embedded' | 'distributed'): Promise<Outcome> {
  const s = subject();
  const prefix = 'recsys:';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-gdpr-'));
  const redisServer = mode === 'distributed' ? await startRedisServer({ persistent: true }) : undefined;
  const env: Record<string, string> = {
    LOG_LEVEL: 'info',
    RECSYS_RETRAIN_INTERVAL_MINUTES: '0',
    RECSYS_INCREMENTAL_INTERVAL_MINUTES: '0',
    ...(redisServer ? { REDIS_URL: redisServer.url, RECSYS_KEY_PREFIX: prefix } : { RECSYS_DATA_DIR: dataDir }),
  };
  const api = await startApi(env, '/readyz');
  const worker = redisServer ? startWorker({ ...env, RECSYS_TRAIN_ON_START: '0' }) : undefined;
  const redis = redisServer ? createRedisStore({ url: redisServer.url, keyPrefix: prefix }) : undefined;
  try {
    if (worker) await workerReady(worker);
    await redis?.open();
    const base = api.baseUrl;
    await putItems(base, catalogue(ITEMS));
    await postEvents(base, audience(USERS, 15, ITEMS));
    await seedSubject(base, s);
    await serveSubject(base, s);
    const first = await retrain(base);
    if (first.state !== 'completed') throw new Error(`retrain ${first.state}: ${first.error}`);
    const trainedWith = (await userIdsOf(mode, { dataDir, redis, prefix }, first.result.version)).includes(s.userId);
    if (!trainedWith) throw new Error('the subject is not in the model version trained before the erasure');
    const scan = () => (redis ? scanRedis(redis.redis, s) : Promise.resolve(scanDataDir(dataDir, s)));
    const before = await scan();

    // The export holds what the learning store keeps about the user; the erasure removes the same.
    const exported = await http(base, 'GET', `/v1/users/${s.userId}/export`);
    const learning = exported.body?.learning ?? { impressions: [], attributions: [], assignments: {} };
    const erased = await http(base, 'DELETE', `/v1/users/${s.userId}`);
    if (erased.status !== 200) throw new Error(`DELETE answered ${erased.status}: ${JSON.stringify(erased.body)}`);
    await sleep(200);
    const versionsBefore = ((await http(base, 'GET', '/v1/models')).body.models as { version: string }[]).map((m) => m.version);
    const afterErasure = split(await scan(), versionsBefore);

    const next = await retrain(base);
    if (next.state !== 'completed') throw new Error(`retrain after erasure ${next.state}: ${next.error}`);
    const nextUsers = await userIdsOf(mode, { dataDir, redis, prefix }, next.result.version);
    await sleep(200);
    const final = split(await scan(), versionsBefore);
    const logs = [...scanLogs('api', api.output(), s), ...(worker ? scanLogs('worker', worker.output(), s) : [])];

    const extra: [string, string][] = [];
    if (redis) {
      // Redis persistence: the append-only file logs every write, the erased values included,
      // until it is rewritten (BGREWRITEAOF, or Redis' own auto-rewrite).
      const [, dir] = (await redis.redis.config('GET', 'dir')) as [string, string];
      const aofHits = () => filesUnder(dir).flatMap((file) => findIn(path.basename(file), readFileSync(file), s)).length;
      const beforeRewrite = aofHits();
      await redis.redis.bgrewriteaof();
      for (let i = 0; i < 100 && (await redis.redis.info('persistence')).includes('aof_rewrite_in_progress:1'); i++) await sleep(50);
      await sleep(300);
      extra.push(["pieces of the user's data in the append-only file: before / after BGREWRITEAOF", `${beforeRewrite} / ${aofHits()}`]);
    }
    return {
      mode,
      before: before.length,
      erased: `${erased.body.events} events, preferences ${erased.body.preferences ? 'yes' : 'no'}, ${erased.body.features} features, learning ${JSON.stringify(erased.body.learning ?? null)}`,
      exported: {
        text: `${exported.body?.events?.length ?? 0} events; learning: ${learning.impressions.length} impressions, ${learning.attributions.length} attributions, ${Object.keys(learning.assignments).length} assignments`,
        ok:
          exported.status === 200 &&
          learning.impressions.length > 0 &&
          learning.impressions.length === (erased.body.learning?.impressions ?? -1) &&
          learning.attributions.length === (erased.body.learning?.attributions ?? -1),
      },
      stores: afterErasure.other,
      storesAfterRetrain: final.other,
      logs,
      earlierVersionsAtOnce: `${afterErasure.models.size} of ${versionsBefore.length}`,
      earlierVersions: `${final.models.size} of ${versionsBefore.length}`,
      nextVersionHasUser: nextUsers.includes(s.userId),
      nextVersionUsers: nextUsers.length,
      extra,
    };
  } finally {
    worker?.child.kill('SIGKILL');
    await api.stop('SIGTERM');
    await redis?.close();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

let failed = 0;
const rows: (string | number)[][] = [];
for (const mode of MODES) {
  console.log(`${mode}: seeding, serving, training, erasing, retraining`);
  const o = await runMode(mode);
  const where = mode === 'distributed' ? 'Redis keys/values' : 'data-dir files';
  const ok = (pass: boolean) => {
    if (!pass) failed++;
    return pass ? 'ok' : '**FAIL**';
  };
  rows.push([mode, `${where} carrying the user before erasure (search works)`, o.before, ok(o.before > 0)]);
  rows.push([mode, 'export before erasure (its learning part = what the erasure removed from the learning store)', o.exported.text, ok(o.exported.ok)]);
  rows.push([mode, 'erased (DELETE answer)', o.erased, '']);
  rows.push([mode, `${where} carrying the user right after erasure (model versions aside)`, o.stores.length === 0 ? 0 : o.stores.join('; '), ok(o.stores.length === 0)]);
  rows.push([mode, `${where} carrying the user after the next retrain (model versions aside)`, o.storesAfterRetrain.length === 0 ? 0 : o.storesAfterRetrain.join('; '), ok(o.storesAfterRetrain.length === 0)]);
  rows.push([mode, 'earlier model versions naming the user right after erasure (until the next retrain)', o.earlierVersionsAtOnce, '']);
  rows.push([mode, 'log lines carrying the user (API at info level' + (mode === 'distributed' ? ', worker' : '') + ')', o.logs.length === 0 ? 0 : o.logs.slice(0, 5).join('; '), ok(o.logs.length === 0)]);
  rows.push([mode, 'next model version: vector for the user', `${o.nextVersionHasUser ? 'yes' : 'none'} (${o.nextVersionUsers} users)`, ok(!o.nextVersionHasUser)]);
  rows.push([mode, 'earlier model versions naming the user after the next retrain (scrubbed)', o.earlierVersions, ok(o.earlierVersions.startsWith('0 '))]);
  for (const [what, value] of o.extra) rows.push([mode, what, value, '']);
}
console.log(`\n${table(['mode', 'check', 'measured', ''], rows)}\n`);
console.log(failed === 0 ? 'all erasure checks passed' : `${failed} erasure check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
