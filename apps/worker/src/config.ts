/** Worker settings, all from the environment. */
export interface WorkerConfig {
  /** Redis holding the store, the model registry and the job queues. */
  redisUrl: string;
  /** Prefix of every Redis key; the API must use the same. */
  keyPrefix: string;
  logLevel: string;
  /** Full retrain period; 0 leaves the schedule as it is (another worker may own it). */
  retrainIntervalMinutes: number;
  /** Incremental update period; 0 leaves the schedule as it is. */
  incrementalIntervalMinutes: number;
  /** Train at start when no model version exists yet but there are events. */
  trainOnStart: boolean;
  /** How long SIGTERM lets a running job finish before handing it back to its queue. */
  shutdownGraceSeconds: number;
  /**
   * Lock of a running job, renewed while its worker lives; a killed worker's job goes back to its
   * queue once the lock expires. Must exceed the longest stretch a retrain keeps the process busy
   * without a break (the lock is not renewed meanwhile, and the job would run twice).
   */
  jobLockSeconds: number;
  /** How often workers look for jobs whose lock expired; default the lock duration. */
  stalledCheckSeconds: number;
  /** Raw events received more than this many days ago are dropped, daily and at start (RECSYS_EVENT_RETENTION_DAYS); 0 keeps them. */
  eventRetentionDays: number;
}

export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WorkerConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!['0', '1', 'false', 'true'].includes(raw)) throw new WorkerConfigError(`${name} must be 0 or 1, got "${raw}"`);
  return raw === '1' || raw === 'true';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const redisUrl = env.REDIS_URL;
  if (!redisUrl) throw new WorkerConfigError('REDIS_URL is required (e.g. redis://localhost:6379)');
  const jobLockSeconds = integer(env, 'RECSYS_JOB_LOCK_SECONDS', 30, 1, 3600);
  return {
    redisUrl,
    keyPrefix: env.RECSYS_KEY_PREFIX || 'recsys:',
    logLevel: env.LOG_LEVEL || 'info',
    retrainIntervalMinutes: integer(env, 'RECSYS_RETRAIN_INTERVAL_MINUTES', 24 * 60, 0, 525_600),
    incrementalIntervalMinutes: integer(env, 'RECSYS_INCREMENTAL_INTERVAL_MINUTES', 60, 0, 525_600),
    trainOnStart: flag(env, 'RECSYS_TRAIN_ON_START', true),
    shutdownGraceSeconds: integer(env, 'RECSYS_WORKER_SHUTDOWN_GRACE_SECONDS', 25, 0, 3600),
    jobLockSeconds,
    stalledCheckSeconds: integer(env, 'RECSYS_JOB_STALLED_CHECK_SECONDS', jobLockSeconds, 1, 3600),
    eventRetentionDays: integer(env, 'RECSYS_EVENT_RETENTION_DAYS', 0, 0, 36_500),
  };
}
