import { randomUUID } from 'node:crypto';
import type { JobInfo } from '@recsys/core';
import { type RedisTestServer, startRedisServer } from '@recsys/store/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullMqJobRunner, type BullMqJobRunnerOptions } from './bullmq-job-runner.js';

let server: RedisTestServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

const runners: BullMqJobRunner[] = [];
afterEach(async () => {
  for (const runner of runners.splice(0).reverse()) await runner.close();
});

/** A producer and a consumer on their own key prefix: the API process and the worker process. */
function pair(options: Omit<BullMqJobRunnerOptions, 'url' | 'prefix'> = {}) {
  const prefix = `test:${randomUUID().slice(0, 8)}:bull`;
  const make = (consume: boolean, extra: Partial<BullMqJobRunnerOptions> = {}) => {
    const runner = new BullMqJobRunner({ url: server.url, prefix, backoffMs: 10, ...options, ...extra, consume });
    runners.push(runner);
    return runner;
  };
  return { api: make(false), worker: make(true), another: (extra: Partial<BullMqJobRunnerOptions> = {}) => make(true, extra), prefix };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(runner: BullMqJobRunner, id: string, states: JobInfo['state'][], timeoutMs = 5000): Promise<JobInfo> {
  const started = Date.now();
  for (;;) {
    const job = await runner.get(id);
    if (job && states.includes(job.state)) return job;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} is ${job?.state}, not ${states.join('/')}`);
    await sleep(5);
  }
}

describe('BullMqJobRunner', () => {
  it('runs a job enqueued by a producer in a worker process and keeps its result', async () => {
    const { api, worker } = pair();
    api.register('double', async () => {
      throw new Error('a producer never runs handlers');
    });
    worker.register('double', async (n: number) => n * 2);
    const queued = await api.enqueue('double', 21);
    expect(queued).toMatchObject({ name: 'double', state: 'queued', data: 21, attempts: 0 });
    expect(queued.id).toMatch(/^double:\d+$/);
    const done = await until(api, queued.id, ['completed']);
    expect(done).toMatchObject({ result: 42, attempts: 1 });
    expect(Date.parse(done.finished_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!));
    expect(Date.parse(done.started_at!)).toBeGreaterThanOrEqual(Date.parse(done.created_at));
  });

  it('reports progress while running', async () => {
    const { api, worker } = pair();
    const release = deferred();
    const reported = deferred();
    api.register('train', async () => undefined);
    worker.register('train', async (_: null, context) => {
      context.reportProgress(0.25);
      context.reportProgress(1.7); // clamped
      context.reportProgress(0.5);
      reported.resolve();
      await release.promise;
      return 'ok';
    });
    const job = await api.enqueue('train', null);
    await reported.promise;
    expect(await until(api, job.id, ['running'])).toMatchObject({ state: 'running', attempts: 1 });
    await expect.poll(async () => (await api.get(job.id))?.progress).toBe(0.5);
    release.resolve();
    expect(await until(api, job.id, ['completed'])).toMatchObject({ result: 'ok', progress: 0.5 });
  });

  it('records a failure and keeps running later jobs', async () => {
    const { api, worker } = pair({ attempts: 1 });
    for (const runner of [api, worker]) {
      runner.register('fail', async () => {
        throw new Error('out of memory');
      });
      runner.register('ok', async () => 'fine');
    }
    const failed = await api.enqueue('fail', null);
    const next = await api.enqueue('ok', null);
    expect(await until(api, failed.id, ['failed'])).toMatchObject({ error: 'out of memory', attempts: 1 });
    expect(await until(api, next.id, ['completed'])).toMatchObject({ result: 'fine' });
  });

  it('retries with exponential backoff up to `attempts` times', async () => {
    const { api, worker } = pair({ attempts: 3, backoffMs: 150 });
    const startedAt: number[] = [];
    api.register('flaky', async () => undefined);
    worker.register('flaky', async () => {
      startedAt.push(Date.now());
      if (startedAt.length < 3) throw new Error(`try ${startedAt.length} failed`);
      return 'third time';
    });
    const job = await api.enqueue('flaky', null);
    await expect.poll(() => startedAt.length).toBe(1);
    expect(await until(api, job.id, ['queued'])).toMatchObject({ attempts: 1, error: 'try 1 failed' }); // backing off
    const done = await until(api, job.id, ['completed']);
    expect(done).toMatchObject({ attempts: 3, result: 'third time' });
    expect(done.error).toBeUndefined();
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(145);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(295); // doubled
  });

  it('runs scheduled jobs from one interval on, with the data of the latest schedule, until unscheduled', async () => {
    const { api, worker } = pair();
    const runs: { label: string; at: number }[] = [];
    api.register('tick', async () => undefined);
    worker.register('tick', async (label: string) => {
      runs.push({ label, at: Date.now() });
    });
    await worker.ready();
    const scheduledAt = Date.now();
    await api.schedule('tick', 300, 'old');
    await api.schedule('tick', 300, 'new'); // replaces it, keeping its next run time
    await expect.poll(() => runs.length, { timeout: 3000 }).toBeGreaterThanOrEqual(3);
    expect(runs[0]!.at - scheduledAt).toBeGreaterThanOrEqual(250);
    expect(runs[0]!.at - scheduledAt).toBeLessThan(600);
    expect(new Set(runs.map((run) => run.label))).toEqual(new Set(['new']));

    await api.unschedule('tick');
    await sleep(50); // a run already due may still start
    const count = runs.length;
    await sleep(700);
    expect(runs.length).toBe(count);
  });

  it('keeps a schedule\'s next run when another process sets the same schedule at its start', async () => {
    const { api, worker } = pair();
    const runs: number[] = [];
    api.register('nightly', async () => undefined);
    worker.register('nightly', async () => void runs.push(Date.now()));
    await worker.ready();
    const scheduledAt = Date.now();
    await api.schedule('nightly', 600, null);
    await sleep(400);
    await worker.schedule('nightly', 600, null); // e.g. a restarted process
    await expect.poll(() => runs.length, { timeout: 3000 }).toBe(1);
    expect(runs[0]! - scheduledAt).toBeLessThan(900); // not pushed back to 400 + 600 ms
  });

  it('refuses job names it has not registered and ids it does not know', async () => {
    const { api } = pair();
    await expect(api.enqueue('nope', null)).rejects.toMatchObject({ code: 'JOB_UNKNOWN' });
    await expect(api.schedule('nope', 1000, null)).rejects.toMatchObject({ code: 'JOB_UNKNOWN' });
    expect(() => api.register('has:colon', async () => undefined)).toThrow(/job names/);
    api.register('known', async () => undefined);
    expect(await api.get('known:12345')).toBeUndefined();
    expect(await api.get('nope:1')).toBeUndefined();
    expect(await api.get('garbage')).toBeUndefined();
  });

  it('lets a running job finish within the shutdown grace period', async () => {
    const { api, another } = pair();
    const worker = another({ shutdownGraceMs: 5000 });
    const started = deferred();
    api.register('slow', async () => undefined);
    worker.register('slow', async () => {
      started.resolve();
      await sleep(200);
      return 'finished';
    });
    const job = await api.enqueue('slow', null);
    await started.promise;
    await worker.close();
    expect(await api.get(job.id)).toMatchObject({ state: 'completed', result: 'finished', attempts: 1 });
  });

  it('hands a job still running after the grace period back to its queue for another worker', async () => {
    const { api, another } = pair({ attempts: 1 });
    const leaving = another({ shutdownGraceMs: 100 });
    const started = deferred();
    api.register('retrain', async () => undefined);
    leaving.register('retrain', async () => {
      started.resolve();
      await sleep(60_000); // a long training run
      return 'never';
    });
    const job = await api.enqueue('retrain', { kind: 'full' });
    await started.promise;
    const closingAt = Date.now();
    await leaving.close();
    expect(Date.now() - closingAt).toBeLessThan(2000);
    expect(await api.get(job.id)).toMatchObject({ state: 'queued', attempts: 1 });

    const successor = another();
    successor.register('retrain', async (data: { kind: string }) => `trained ${data.kind}`);
    expect(await until(api, job.id, ['completed'])).toMatchObject({ result: 'trained full', attempts: 2 });
  });

  it('leaves a client passed in open when it closes', async () => {
    const connection = new Redis(server.url);
    const runner = new BullMqJobRunner({ connection, prefix: `test:${randomUUID().slice(0, 8)}:bull` });
    runner.register('noop', async () => undefined);
    await runner.ready();
    await runner.enqueue('noop', null);
    await runner.close();
    expect(await connection.ping()).toBe('PONG');
    await connection.quit();
  });
});
