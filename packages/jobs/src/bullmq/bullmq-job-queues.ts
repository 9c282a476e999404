import type { JobInfo } from '@recsys/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobRunnerError } from '../in-process-job-runner.js';
import { JOB_NAME, parseJobId, portState, toJobInfo } from './job-info.js';
import type { ResolvedJobOptions } from './options.js';

// The producer side of the BullMQ job runner (what an API process needs): one queue per job name,
// adding jobs, reading their state, and keeping job schedulers. Queues share one client.
//
// Schedules live in Redis, not in this process: they keep firing while any worker runs, whoever
// set them, and `close()` leaves them in place. Upserting a schedule that exists keeps its next
// run time when the interval is unchanged, so every process may set it at start.

export class BullMqJobQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly declared = new Set<string>();
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly jobOptions: ResolvedJobOptions,
  ) {}

  /** Allows `name` to be enqueued, read and scheduled from this process. */
  declare(name: string): void {
    if (!JOB_NAME.test(name)) throw new JobRunnerError('JOB_INVALID', `job names are 1-100 of A-Z a-z 0-9 _ -, got ${JSON.stringify(name)}`);
    this.declared.add(name);
    // Made now rather than on first use: a queue made while Redis is away waits for it on its first
    // call, where one made beforehand fails fast (the client has no offline queue).
    this.queue(name);
  }

  /** Resolves once every declared queue has connected. */
  async ready(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.waitUntilReady()));
  }

  async enqueue<Data>(name: string, data: Data): Promise<JobInfo<Data>> {
    const queue = this.queue(name);
    const job = await queue.add(name, data, this.jobOptions);
    return toJobInfo(name, job, 'queued') as JobInfo<Data>;
  }

  /** The job's state; undefined for an id this runner does not know or a job no longer retained. */
  async get(jobId: string): Promise<JobInfo | undefined> {
    const parsed = parseJobId(jobId);
    if (!parsed || !this.declared.has(parsed.name) || this.closed) return undefined;
    const queue = this.queue(parsed.name);
    // State first: a job read after it shows at least that state's fields (a result once completed).
    const state = portState(await queue.getJobState(parsed.bullId));
    const job = state && (await queue.getJob(parsed.bullId));
    return job ? toJobInfo(parsed.name, job, state) : undefined;
  }

  /**
   * Runs `name` every `everyMs` ms, the first run one interval from now (replacing an earlier
   * schedule of the same name). A run is added when the previous one starts, so a slow run delays
   * the next instead of piling them up.
   */
  async schedule<Data>(name: string, everyMs: number, data: Data): Promise<void> {
    const queue = this.queue(name);
    if (!(everyMs > 0) || !Number.isFinite(everyMs)) throw new JobRunnerError('JOB_INVALID', 'everyMs must be > 0');
    await queue.upsertJobScheduler(name, { every: everyMs, startDate: Date.now() + everyMs }, { name, data, opts: this.jobOptions });
  }

  /** Removes the schedule of `name`, if any. */
  async unschedule(name: string): Promise<void> {
    await this.queue(name).removeJobScheduler(name);
  }

  /** Closes the queues (not the shared client). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }

  /** The BullMQ queues declared so far (for dashboards). */
  all(): Queue[] {
    return [...this.queues.values()];
  }

  private queue(name: string): Queue {
    if (this.closed) throw new JobRunnerError('JOB_RUNNER_CLOSED', 'the job runner is closed');
    if (!this.declared.has(name)) throw new JobRunnerError('JOB_UNKNOWN', `no job ${name} is registered`);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', () => undefined); // connection errors: the calls fail and ioredis reconnects
      this.queues.set(name, queue);
    }
    return queue;
  }
}
