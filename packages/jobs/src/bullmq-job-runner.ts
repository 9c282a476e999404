import type { Queue } from 'bullmq';
import type { JobHandler, JobInfo, JobRunner, QueueDepth } from '@recsys/core';
import { Redis } from 'ioredis';
import { BullMqJobQueues } from './bullmq/bullmq-job-queues.js';
import { BullMqJobWorkers, type BullMqWorkerOptions } from './bullmq/bullmq-job-workers.js';
import {
  type BullMqConnectionOptions,
  type BullMqJobOptions,
  DEFAULT_BULL_PREFIX,
  PRODUCER_CONNECTION_OPTIONS,
  resolveJobOptions,
} from './bullmq/options.js';

// The JobRunner port on BullMQ, for the distributed mode. One queue per job name: a slow nightly
// retrain never holds up shorter jobs, each name gets its own concurrency and retention, a worker
// deployment consumes only the names it registers handlers for, and queues show up one per job in
// dashboards. Job ids are "<name>:<BullMQ id>", so `get` needs nothing but the id.
//
// The producer side (enqueue, get, schedule) and the consumer side (running handlers) are separate
// classes; `consume` picks whether `register` also starts consuming:
//   API process:    consume: false - `register` only declares the name, jobs run in the workers
//   worker process: consume: true  - `register` starts a BullMQ worker for the name

export interface BullMqJobRunnerOptions extends BullMqConnectionOptions, BullMqJobOptions, BullMqWorkerOptions {
  /** Run registered handlers in this process (true, the worker) or only enqueue (false, the API). Default true. */
  consume?: boolean;
  /** How long `close()` lets running jobs finish before handing them back to their queue; default 25 s. */
  shutdownGraceMs?: number;
}

export class BullMqJobRunner implements JobRunner {
  readonly consumes: boolean;
  private readonly connection: Redis;
  private readonly ownsConnection: boolean;
  private readonly queues: BullMqJobQueues;
  private readonly workers: BullMqJobWorkers | undefined;
  private readonly shutdownGraceMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: BullMqJobRunnerOptions) {
    if (options.connection) {
      this.connection = options.connection;
      this.ownsConnection = false;
    } else if (options.url) {
      this.connection = new Redis(options.url, PRODUCER_CONNECTION_OPTIONS);
      this.ownsConnection = true;
      this.connection.on('error', () => undefined); // failures surface on the calls; ioredis reconnects
    } else {
      throw new TypeError('pass either `connection` (an ioredis client) or `url`');
    }
    const prefix = options.prefix ?? DEFAULT_BULL_PREFIX;
    this.consumes = options.consume ?? true;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 25_000;
    this.queues = new BullMqJobQueues(this.connection, prefix, resolveJobOptions(options));
    this.workers = this.consumes ? new BullMqJobWorkers(this.connection, prefix, options) : undefined;
  }

  /** Declares `name`; in a consuming runner also starts running its jobs here with `handler`. */
  register<Data, Result>(name: string, handler: JobHandler<Data, Result>): void {
    this.queues.declare(name);
    this.workers?.start(name, handler);
  }

  enqueue<Data>(name: string, data: Data): Promise<JobInfo<Data>> {
    return this.queues.enqueue(name, data);
  }

  get(jobId: string): Promise<JobInfo | undefined> {
    return this.queues.get(jobId);
  }

  schedule<Data>(name: string, everyMs: number, data: Data): Promise<void> {
    return this.queues.schedule(name, everyMs, data);
  }

  unschedule(name: string): Promise<void> {
    return this.queues.unschedule(name);
  }

  /**
   * Jobs per declared queue, from Redis: waiting (also prioritized), active, and delayed
   * (retry backoffs and the next run of a schedule, which is always there while one is set).
   */
  async queueDepths(): Promise<QueueDepth[]> {
    return Promise.all(
      this.queues.all().map(async (queue) => {
        const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        return { name: queue.name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
      }),
    );
  }

  /** The BullMQ queues of the job names declared so far, for a queue dashboard. */
  bullQueues(): Queue[] {
    return this.queues.all();
  }

  /** Resolves once the queues declared so far and the workers of this runner are connected. */
  async ready(): Promise<void> {
    await this.queues.ready();
    await this.workers?.ready();
  }

  /**
   * Stops taking jobs, waits up to `shutdownGraceMs` for running ones and hands the rest back to
   * their queue, then closes what the runner opened. Schedules stay in Redis (see BullMqJobQueues).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.workers?.close(this.shutdownGraceMs);
      await this.queues.close();
      if (this.ownsConnection) await this.connection.quit().catch(() => this.connection.disconnect());
    })();
    return this.closing;
  }
}

export function createBullMqJobRunner(options: BullMqJobRunnerOptions): BullMqJobRunner {
  return new BullMqJobRunner(options);
}
