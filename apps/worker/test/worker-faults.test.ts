// A worker killed outright (SIGKILL) in the middle of a retrain: the active model version stays
// what it was, no half-saved version shows up, and the job runs again on another worker once its
// lock expires. Real worker processes on a real Redis; a short job lock keeps the test fast.
import { randomUUID } from 'node:crypto';
import { acceptedEvents, type InteractionEvent, type JobInfo } from '@recsys/core';
import { BullMqJobRunner } from '@recsys/jobs';
import { createRedisModelRegistry, createRedisStore, type RedisModelRegistry, type RedisStore } from '@recsys/store';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, startWorker as startWorkerProcess, type WorkerProcess } from './worker-harness.js';

const keyPrefix = `test:${randomUUID().slice(0, 8)}:`;
/**
 * A retrain keeps the worker's event loop busy without a break for most of its run, so its lock is
 * not renewed meanwhile: the lock must outlast a whole retrain of the data below (a few seconds on
 * a busy machine). Expired locks are looked for every second.
 */
const LOCK_SECONDS = 10;

let server: RedisTestServer;
let store: RedisStore;
let registry: RedisModelRegistry;
let producer: BullMqJobRunner;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  store = createRedisStore({ url: server.url, keyPrefix });
  await store.open();
  registry = createRedisModelRegistry({ url: server.url, keyPrefix });
  // Enqueues and reads jobs as an API replica does.
  producer = new BullMqJobRunner({ url: server.url, prefix: `${keyPrefix}bull`, consume: false });
  producer.register('retrain', async () => undefined);
});
afterAll(async () => {
  for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await producer?.close();
  await registry?.close();
  await store?.close();
  await server?.stop();
});

function audience(users: number): InteractionEvent[] {
  const events: InteractionEvent[] = [];
  for (let u = 0; u < users; u++) {
    const taste = u % 2;
    for (let k = 0; k < 20; k++) {
      const i = 2 * ((u * 7 + k * 13) % 50) + taste;
      const at = new Date(Date.UTC(2026, 0, 1, 0, k)).toISOString();
      events.push({ event_id: `e${u}-${k}`, user_id: `u${u}`, item_id: `${taste ? 'anime' : 'crime'}-${i}`, type: 'complete', timestamp: at });
    }
  }
  return events;
}

function startWorker(): WorkerProcess {
  const worker = startWorkerProcess({
    REDIS_URL: server.url,
    RECSYS_KEY_PREFIX: keyPrefix,
    RECSYS_TRAIN_ON_START: '0',
    RECSYS_RETRAIN_INTERVAL_MINUTES: '0',
    RECSYS_JOB_LOCK_SECONDS: String(LOCK_SECONDS),
    RECSYS_JOB_STALLED_CHECK_SECONDS: '1',
  });
  workers.push(worker);
  return worker;
}

async function waitForJob(jobId: string, done: (job: JobInfo) => boolean, timeoutMs: number, interval = 20): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await producer.get(jobId);
    if (job && done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is ${JSON.stringify(job)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

describe('worker killed mid-retrain', () => {
  it('leaves the active version as it was, and the job completes on a restarted worker', async () => {
    // Enough users and titles that a retrain takes a noticeable moment (the kill lands inside it).
    await store.catalog.upsert(catalogue(100));
    const events = audience(80);
    await store.features.record(acceptedEvents(events, await store.events.append(events)));

    const first = startWorker();
    // A first version to protect.
    const initial = await producer.enqueue('retrain', { kind: 'full' });
    const trained = await waitForJob(initial.id, (job) => job.state === 'completed' || job.state === 'failed', 40_000, 100);
    expect(trained.state, first.output()).toBe('completed');
    const active = await registry.activeVersion();
    expect(active).toBe((trained.result as { version: string }).version);
    const trainingSeconds = (await registry.get(active!))!.training_seconds;

    const job = await producer.enqueue('retrain', { kind: 'full' });
    await waitForJob(job.id, (info) => info.state === 'running', 10_000, 5);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    // The kill landed before the retrain finished: nothing of it is in the registry.
    expect((await producer.get(job.id))!.state).not.toBe('completed');
    expect(await registry.activeVersion()).toBe(active);
    expect((await registry.list()).map((m) => m.version)).toEqual([active]);

    const second = startWorker();
    const done = await waitForJob(job.id, (info) => info.state === 'completed' || info.state === 'failed', 40_000, 50);
    const recoveredMs = Date.now() - killedAt;
    expect(done.state, second.output()).toBe('completed');
    expect(done.attempts).toBe(2); // the killed run and the one that finished
    const result = done.result as { version: string; activated: boolean };
    const versions = (await registry.list()).map((m) => m.version).sort();
    expect(versions).toEqual([active!, result.version].sort());
    expect(await registry.activeVersion()).toBe(result.activated ? result.version : active);
    console.log(
      `worker killed mid-retrain: a retrain takes ${trainingSeconds.toFixed(2)} s; job lock ${LOCK_SECONDS} s; ` +
        `the job completed on the restarted worker ${(recoveredMs / 1000).toFixed(1)} s after the kill`,
    );

    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});
