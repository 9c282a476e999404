export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobInfo<Data = unknown, Result = unknown> {
  id: string;
  name: string;
  state: JobState;
  data: Data;
  /** 0-1 while running, when the handler reports it. */
  progress?: number;
  result?: Result;
  error?: string;
  attempts: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

export interface JobContext {
  readonly jobId: string;
  reportProgress(progress: number): void;
}

export type JobHandler<Data = unknown, Result = unknown> = (data: Data, context: JobContext) => Promise<Result>;

/** Runs named jobs in the background, on demand and on a schedule. */
export interface JobRunner {
  register<Data, Result>(name: string, handler: JobHandler<Data, Result>): void;
  enqueue<Data>(name: string, data: Data): Promise<JobInfo<Data>>;
  get(jobId: string): Promise<JobInfo | undefined>;
  /** Runs `name` every `everyMs` milliseconds (replacing an earlier schedule of the same name). */
  schedule<Data>(name: string, everyMs: number, data: Data): Promise<void>;
  /** Stops scheduling, waits for running jobs to finish. */
  close(): Promise<void>;
  /** Jobs waiting and running per job name (for metrics). Optional: a runner that cannot tell omits it. */
  queueDepths?(): Promise<QueueDepth[]>;
}

/** How many jobs of one name are waiting (queued, delayed or awaiting a retry) and running. */
export interface QueueDepth {
  name: string;
  waiting: number;
  active: number;
  /** Jobs held for a later time: a retry backoff or a delayed job. */
  delayed: number;
}
