import type { JobInfo } from '@recsys/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSED_BEFORE_RUN, InProcessJobRunner, type InProcessJobRunnerOptions } from './in-process-job-runner.js';

const runners: InProcessJobRunner[] = [];
function newRunner(options: InProcessJobRunnerOptions = {}): InProcessJobRunner {
  const runner = new InProcessJobRunner(options);
  runners.push(runner);
  return runner;
}
afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.close();
});

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await sleep(2);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function until(runner: InProcessJobRunner, id: string, states: JobInfo['state'][]): Promise<JobInfo> {
  let job: JobInfo | undefined;
  await eventually(async () => {
    job = await runner.get(id);
    return job !== undefined && states.includes(job.state);
  }, `job ${id} to be ${states.join('/')}`);
  return job!;
}

describe('InProcessJobRunner', () => {
  it('runs an enqueued job in the background and keeps its result', async () => {
    const runner = newRunner();
    runner.register('double', async (n: number) => n * 2);
    const queued = await runner.enqueue('double', 21);
    expect(queued).toMatchObject({ name: 'double', state: 'queued', data: 21, attempts: 0 });
    expect(queued.id).toMatch(/^job-1-[0-9a-f]+$/);
    const done = await until(runner, queued.id, ['completed']);
    expect(done).toMatchObject({ result: 42, attempts: 1 });
    expect(Date.parse(done.finished_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!));
  });

  it('runs jobs in FIFO order, one at a time by default', async () => {
    const runner = newRunner();
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    runner.register('work', async (n: number) => {
      maxRunning = Math.max(maxRunning, ++running);
      await sleep(3);
      order.push(n);
      running--;
    });
    const jobs = await Promise.all([1, 2, 3, 4, 5].map((n) => runner.enqueue('work', n)));
    await until(runner, jobs.at(-1)!.id, ['completed']);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(maxRunning).toBe(1);
  });

  it('runs up to `concurrency` jobs at once', async () => {
    const runner = newRunner({ concurrency: 2 });
    let running = 0;
    let maxRunning = 0;
    runner.register('work', async () => {
      maxRunning = Math.max(maxRunning, ++running);
      await sleep(10);
      running--;
    });
    const jobs = await Promise.all(Array.from({ length: 6 }, () => runner.enqueue('work', null)));
    for (const job of jobs) await until(runner, job.id, ['completed']);
    expect(maxRunning).toBe(2);
  });

  it('reports progress while running', async () => {
    const runner = newRunner();
    const release = deferred();
    const reported = deferred();
    runner.register('train', async (_: null, context) => {
      context.reportProgress(0.25);
      context.reportProgress(1.7); // clamped
      context.reportProgress(0.5);
      reported.resolve();
      await release.promise;
      return 'ok';
    });
    const job = await runner.enqueue('train', null);
    await reported.promise;
    expect(await runner.get(job.id)).toMatchObject({ state: 'running', progress: 0.5 });
    release.resolve();
    expect(await until(runner, job.id, ['completed'])).toMatchObject({ result: 'ok' });
  });

  it('captures a failure and keeps running later jobs', async () => {
    const runner = newRunner();
    runner.register('fail', async () => {
      throw new Error('out of memory');
    });
    runner.register('ok', async () => 'fine');
    const failed = await runner.enqueue('fail', null);
    const next = await runner.enqueue('ok', null);
    expect(await until(runner, failed.id, ['failed'])).toMatchObject({ error: 'out of memory', attempts: 1 });
    expect(await until(runner, next.id, ['completed'])).toMatchObject({ result: 'fine' });
  });

  it('retries with backoff up to `attempts` times', async () => {
    const runner = newRunner({ attempts: 3, backoffMs: 50 });
    const startedAt: number[] = [];
    runner.register('flaky', async () => {
      startedAt.push(Date.now());
      if (startedAt.length < 3) throw new Error(`try ${startedAt.length} failed`);
      return 'third time';
    });
    const job = await runner.enqueue('flaky', null);
    await eventually(() => startedAt.length === 1, 'the first attempt');
    await sleep(1);
    expect(await runner.get(job.id)).toMatchObject({ state: 'queued', attempts: 1, error: 'try 1 failed' });
    const done = await until(runner, job.id, ['completed']);
    expect(done).toMatchObject({ attempts: 3, result: 'third time' });
    expect(done.error).toBeUndefined();
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(48);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(98); // doubled

    const runner2 = newRunner({ attempts: 2, backoffMs: 1 });
    runner2.register('broken', async () => {
      throw new Error('always');
    });
    const broken = await runner2.enqueue('broken', null);
    expect(await until(runner2, broken.id, ['failed'])).toMatchObject({ attempts: 2, error: 'always' });
  });

  it('runs scheduled jobs and skips a tick while the previous run is still going', async () => {
    const runner = newRunner();
    let runs = 0;
    const kinds = new Set<string>();
    let release = deferred();
    runner.register('retrain', async (kind: string) => {
      runs++;
      kinds.add(kind);
      await release.promise;
    });
    await runner.schedule('retrain', 5, 'full');
    await eventually(() => runs === 1, 'the first scheduled run');
    await sleep(80); // ~16 ticks, all skipped: the first run is still going
    expect(runs).toBe(1);
    const first = release;
    release = deferred();
    first.resolve();
    await eventually(() => runs === 2, 'the next scheduled run');
    await sleep(40);
    expect(runs).toBe(2);
    expect(kinds).toEqual(new Set(['full']));
    release.resolve();
  });

  it('replaces an earlier schedule of the same name and stops on unschedule', async () => {
    const runner = newRunner();
    const seen: string[] = [];
    runner.register('tick', async (label: string) => {
      seen.push(label);
    });
    await runner.schedule('tick', 5, 'old');
    await runner.schedule('tick', 5, 'new');
    await sleep(40);
    runner.unschedule('tick');
    await sleep(5); // a run enqueued by the last tick may still finish
    const count = seen.length;
    await sleep(30);
    expect(seen.length).toBe(count);
    expect(count).toBeGreaterThan(1);
    expect(new Set(seen)).toEqual(new Set(['new']));
  });

  it('close waits for running jobs, fails queued ones and stops schedules', async () => {
    const runner = newRunner();
    const release = deferred();
    const started = deferred();
    let runs = 0;
    runner.register('slow', async () => {
      runs++;
      started.resolve();
      await release.promise;
      return 'finished';
    });
    const running = await runner.enqueue('slow', null);
    const queued = await runner.enqueue('slow', null);
    await runner.schedule('slow', 1, null);
    await started.promise;

    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    await sleep(20);
    expect(closed).toBe(false);
    release.resolve();
    await closing;
    expect(await runner.get(running.id)).toMatchObject({ state: 'completed', result: 'finished' });
    expect(await runner.get(queued.id)).toMatchObject({ state: 'failed', error: CLOSED_BEFORE_RUN, attempts: 0 });
    expect(runs).toBe(1);
    await expect(runner.enqueue('slow', null)).rejects.toMatchObject({ code: 'JOB_RUNNER_CLOSED' });
  });

  it('keeps only the latest `retainCompleted` finished jobs', async () => {
    const runner = newRunner({ retainCompleted: 2 });
    runner.register('noop', async (n: number) => n);
    const jobs = await Promise.all([1, 2, 3, 4].map((n) => runner.enqueue('noop', n)));
    await until(runner, jobs[3]!.id, ['completed']);
    expect(await runner.get(jobs[0]!.id)).toBeUndefined();
    expect(await runner.get(jobs[1]!.id)).toBeUndefined();
    expect((await runner.get(jobs[2]!.id))?.result).toBe(3);
  });

  it('refuses jobs it has no handler for', async () => {
    const runner = newRunner();
    await expect(runner.enqueue('nope', null)).rejects.toMatchObject({ code: 'JOB_UNKNOWN' });
    await expect(runner.schedule('nope', 1000, null)).rejects.toMatchObject({ code: 'JOB_UNKNOWN' });
  });
});
