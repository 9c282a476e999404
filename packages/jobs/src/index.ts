// Job runners. In-process: background jobs in the current process, history in memory only.
export {
  CLOSED_BEFORE_RUN,
  createInProcessJobRunner,
  InProcessJobRunner,
  JobRunnerError,
} from './in-process-job-runner.js';
export type { InProcessJobRunnerOptions, JobRunnerErrorCode } from './in-process-job-runner.js';
