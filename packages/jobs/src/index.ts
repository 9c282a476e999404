// Job runners. In-process: background jobs in the current process, history in memory only.
export {
  CLOSED_BEFORE_RUN,
  createInProcessJobRunner,
  InProcessJobRunner,
  JobRunnerError,
} from './in-process-job-runner.js';
export type { InProcessJobRunnerOptions, JobRunnerErrorCode } from './in-process-job-runner.js';
// BullMQ: the distributed mode's jobs, queued in Redis and run by worker processes.
export { BullMqJobRunner, createBullMqJobRunner } from './bullmq-job-runner.js';
export type { BullMqJobRunnerOptions } from './bullmq-job-runner.js';
export { DEFAULT_BULL_PREFIX } from './bullmq/options.js';
