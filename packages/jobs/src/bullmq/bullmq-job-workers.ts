import type { JobContext, JobHandler } from '@recsys/core';
import { type Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdOf } from './job-info.js';
import { WORKER_CONNECTION_OPTIONS } from './options.js';

// The consumer side of the BullMQ job runner (what a worker process runs): one BullMQ worker per
// registered handler, each on its own connection (workers block on Redis while they wait).
//
// Shutdown: `close(graceMs)` stops taking jobs and lets running ones finish for up to `graceMs`;
// jobs still running then are put back in their queue (not counted as a failed attempt), so
// another worker picks them up. A handler cannot be interrupted: its late result is dropped. Jobs
// of a process that dies without closing are re-queued by BullMQ once their lock expires.

export interface BullMqWorkerOptions {
  /** Jobs of one name run at once in this process; default 1. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a dead worker's jobs return after it. Default 30 s. */
  lockDurationMs?: number;
  /**
   * How often workers look for jobs whose lock expired (their worker died) and put them back in
   * their queue; default the lock duration. A dead worker's job runs again within about the lock
   * duration plus two of these intervals.
   */
  stalledIntervalMs?: number;
  /** Told about worker errors (lost connections, failed lock renewals); BullMQ retries by itself. */
  onError?: (error: Error, jobName: string) => void;
}

const REQUEUED = Symbol('requeued');

export class BullMqJobWorkers {
  private readonly workers = new Map<string, { worker: Worker; connection: Redis }>();
  private requeue: () => void = () => undefined;
  private readonly requeueing = new Promise<typeof REQUEUED>((resolve) => (this.requeue = () => resolve(REQUEUED)));
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly options: BullMqWorkerOptions = {},
  ) {}

  /** Starts consuming the queue of `name` with `handler`. */
  start<Data, Result>(name: string, handler: JobHandler<Data, Result>): void {
    if (this.closing) throw new Error('the workers are closing');
    const connection = this.connection.duplicate(WORKER_CONNECTION_OPTIONS);
    const lockDuration = this.options.lockDurationMs ?? 30_000;
    const worker = new Worker(name, (job: Job, token?: string) => this.process(name, handler, job, token), {
      connection,
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 1,
      lockDuration,
      stalledInterval: this.options.stalledIntervalMs ?? lockDuration,
    });
    worker.on('error', (error) => this.options.onError?.(error, name));
    this.workers.set(name, { worker, connection });
  }

  /** Resolves once every worker is connected and listening. */
  async ready(): Promise<void> {
    await Promise.all([...this.workers.values()].map(({ worker }) => worker.waitUntilReady()));
  }

  close(graceMs = 25_000): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const workers = [...this.workers.values()];
    // Worker.close stops fetching and resolves once the running jobs are done (or handed back).
    const closed = Promise.all(workers.map(({ worker }) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([closed, graceOver]);
    clearTimeout(timer);
    this.requeue();
    await closed;
    await Promise.all(workers.map(({ connection }) => connection.quit().catch(() => connection.disconnect())));
    this.workers.clear();
  }

  private async process<Data, Result>(name: string, handler: JobHandler<Data, Result>, job: Job, token?: string): Promise<Result> {
    const context: JobContext = {
      jobId: jobIdOf(name, job.id!),
      reportProgress: (progress) => {
        if (Number.isFinite(progress)) job.updateProgress(Math.min(1, Math.max(0, progress))).catch(() => undefined);
      },
    };
    const running = handler(job.data as Data, context);
    running.catch(() => undefined); // once handed back, a late failure is nobody's business
    const outcome = await Promise.race([running, this.requeueing]);
    if (outcome === REQUEUED) {
      await job.moveToWait(token);
      throw new WaitingError(); // tells BullMQ the job went back to its queue: no failure recorded
    }
    return outcome as Result;
  }
}
