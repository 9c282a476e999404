import { randomBytes } from 'node:crypto';
import type { JobContext, JobHandler, JobInfo, JobRunner, QueueDepth } from '@recsys/core';

// Runs jobs in the background of the current process: a FIFO queue worked by `concurrency`
// slots, retries with exponential backoff, and interval schedules on unref'd timers (a schedule
// never keeps the process alive by itself).
//
// Job history lives in memory only: it is lost on restart, and only the latest `retainCompleted`
// finished jobs stay readable through `get`. Jobs still queued when the runner closes are marked
// failed; nothing is resumed on the next start (schedules simply fire again).

export interface InProcessJobRunnerOptions {
  /** Jobs run at the same time; default 1. */
  concurrency?: number;
  /** Finished (completed or failed) jobs kept for `get`, oldest dropped first; default 200. */
  retainCompleted?: number;
  /** Runs of a job before it is marked failed; default 1 (no retry). */
  attempts?: number;
  /** Delay before the first retry, doubled for each further one; default 1000 ms. */
  backoffMs?: number;
}

export type JobRunnerErrorCode = 'JOB_UNKNOWN' | 'JOB_RUNNER_CLOSED' | 'JOB_INVALID';

export class JobRunnerError extends Error {
  override name = 'JobRunnerError';
  constructor(
    readonly code: JobRunnerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Set on jobs that never ran to the end because the runner closed. */
export const CLOSED_BEFORE_RUN = 'the job runner closed before the job could run';

export class InProcessJobRunner implements JobRunner {
  private readonly concurrency: number;
  private readonly retainCompleted: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly handlers = new Map<string, JobHandler<unknown, unknown>>();
  private readonly jobs = new Map<string, JobInfo>();
  /** Jobs ready to run, oldest first. */
  private readonly ready: JobInfo[] = [];
  private readonly running = new Map<string, Promise<void>>();
  /** Jobs waiting out a retry backoff, with their timer. */
  private readonly retrying = new Map<string, { job: JobInfo; timer: NodeJS.Timeout }>();
  /** Queued + running jobs per name, so a schedule can skip a name that is still busy. */
  private readonly activeByName = new Map<string, number>();
  private readonly finished: string[] = [];
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  private sequence = 0;
  private pumpPending = false;
  private closed = false;

  constructor(options: InProcessJobRunnerOptions = {}) {
    this.concurrency = positiveInteger(options.concurrency ?? 1, 'concurrency');
    this.retainCompleted = nonNegativeInteger(options.retainCompleted ?? 200, 'retainCompleted');
    this.attempts = positiveInteger(options.attempts ?? 1, 'attempts');
    this.backoffMs = options.backoffMs ?? 1000;
    if (!(this.backoffMs >= 0)) throw new JobRunnerError('JOB_INVALID', 'backoffMs must be >= 0');
  }

  register<Data, Result>(name: string, handler: JobHandler<Data, Result>): void {
    if (this.handlers.has(name)) throw new JobRunnerError('JOB_INVALID', `a handler for job ${name} is already registered`);
    this.handlers.set(name, handler as JobHandler<unknown, unknown>);
  }

  async enqueue<Data>(name: string, data: Data): Promise<JobInfo<Data>> {
    this.checkUsable(name);
    const job: JobInfo = {
      id: `job-${++this.sequence}-${randomBytes(3).toString('hex')}`,
      name,
      state: 'queued',
      data,
      attempts: 0,
      created_at: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    this.activeByName.set(name, (this.activeByName.get(name) ?? 0) + 1);
    this.ready.push(job);
    this.schedulePump();
    return { ...job } as JobInfo<Data>;
  }

  /** A copy of the job's state; undefined once it dropped out of the retained history. */
  async get(jobId: string): Promise<JobInfo | undefined> {
    const job = this.jobs.get(jobId);
    return job && { ...job };
  }

  /**
   * Enqueues `name` every `everyMs` ms, first after one interval. A tick is skipped while a job
   * of that name is queued or running, so slow runs do not pile up.
   */
  async schedule<Data>(name: string, everyMs: number, data: Data): Promise<void> {
    this.checkUsable(name);
    if (!(everyMs > 0) || !Number.isFinite(everyMs)) throw new JobRunnerError('JOB_INVALID', 'everyMs must be > 0');
    this.unschedule(name);
    const timer = setInterval(() => {
      if (this.closed || (this.activeByName.get(name) ?? 0) > 0) return;
      this.enqueue(name, data).catch(() => undefined); // only fails once closed
    }, everyMs);
    timer.unref();
    this.schedules.set(name, timer);
  }

  /** Jobs queued, running and waiting out a retry backoff, per registered name. */
  async queueDepths(): Promise<QueueDepth[]> {
    const depths = new Map([...this.handlers.keys()].map((name) => [name, { name, waiting: 0, active: 0, delayed: 0 }]));
    for (const job of this.ready) depths.get(job.name)!.waiting++;
    for (const id of this.running.keys()) {
      const job = this.jobs.get(id);
      if (job) depths.get(job.name)!.active++;
    }
    for (const { job } of this.retrying.values()) depths.get(job.name)!.delayed++;
    return [...depths.values()];
  }

  /** Stops the schedule of `name`, if any. */
  unschedule(name: string): void {
    clearInterval(this.schedules.get(name));
    this.schedules.delete(name);
  }

  /** Stops schedules and retries, fails jobs not yet started, and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const name of [...this.schedules.keys()]) this.unschedule(name);
    for (const { job, timer } of this.retrying.values()) {
      clearTimeout(timer);
      this.finish(job, 'failed', { error: `${job.error ?? 'failed'}; ${CLOSED_BEFORE_RUN} again` });
    }
    this.retrying.clear();
    for (const job of this.ready.splice(0)) this.finish(job, 'failed', { error: CLOSED_BEFORE_RUN });
    await Promise.all(this.running.values());
  }

  private checkUsable(name: string): void {
    if (this.closed) throw new JobRunnerError('JOB_RUNNER_CLOSED', 'the job runner is closed');
    if (!this.handlers.has(name)) throw new JobRunnerError('JOB_UNKNOWN', `no handler is registered for job ${name}`);
  }

  /** Starts jobs on a later turn: a handler's synchronous part never runs inside the enqueue caller. */
  private schedulePump(): void {
    if (this.pumpPending) return;
    this.pumpPending = true;
    setImmediate(() => {
      this.pumpPending = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      this.running.set(job.id, this.run(job));
    }
  }

  private async run(job: JobInfo): Promise<void> {
    job.state = 'running';
    job.attempts++;
    job.started_at = new Date().toISOString();
    delete job.progress;
    const attempt = job.attempts;
    const context: JobContext = {
      jobId: job.id,
      reportProgress: (progress) => {
        // Late reports from an attempt that already ended are dropped.
        if (job.state === 'running' && job.attempts === attempt && Number.isFinite(progress)) {
          job.progress = Math.min(1, Math.max(0, progress));
        }
      },
    };
    try {
      const result = await this.handlers.get(job.name)!(job.data, context);
      this.finish(job, 'completed', { result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt < this.attempts && !this.closed) this.retryLater(job, message);
      else this.finish(job, 'failed', { error: message });
    } finally {
      this.running.delete(job.id);
      this.schedulePump();
    }
  }

  private retryLater(job: JobInfo, error: string): void {
    job.state = 'queued';
    job.error = error;
    const delay = this.backoffMs * 2 ** (job.attempts - 1);
    const timer = setTimeout(() => {
      this.retrying.delete(job.id);
      this.ready.push(job);
      this.schedulePump();
    }, delay);
    this.retrying.set(job.id, { job, timer });
  }

  private finish(job: JobInfo, state: 'completed' | 'failed', outcome: { result?: unknown; error?: string }): void {
    job.state = state;
    job.finished_at = new Date().toISOString();
    if (state === 'completed') {
      job.result = outcome.result;
      delete job.error;
    } else {
      job.error = outcome.error;
    }
    const active = (this.activeByName.get(job.name) ?? 1) - 1;
    if (active > 0) this.activeByName.set(job.name, active);
    else this.activeByName.delete(job.name);
    this.finished.push(job.id);
    while (this.finished.length > this.retainCompleted) this.jobs.delete(this.finished.shift()!);
  }
}

export function createInProcessJobRunner(options: InProcessJobRunnerOptions = {}): InProcessJobRunner {
  return new InProcessJobRunner(options);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new JobRunnerError('JOB_INVALID', `${name} must be an integer >= 1`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new JobRunnerError('JOB_INVALID', `${name} must be an integer >= 0`);
  return value;
}
