import type { JobInfo, JobState } from '@recsys/core';
import type { Job, JobState as BullState } from 'bullmq';

// BullMQ jobs as the JobRunner port shows them. Job ids carry their queue: "<job name>:<BullMQ id>"
// (one queue per job name), so `get` finds the queue from the id alone.

/** Job names double as BullMQ queue names, which may not contain ':'. */
export const JOB_NAME = /^[A-Za-z0-9_-]{1,100}$/;

export function jobIdOf(name: string, bullId: string): string {
  return `${name}:${bullId}`;
}

/** The job name and BullMQ id inside a port job id; undefined when it is not one of ours. */
export function parseJobId(jobId: string): { name: string; bullId: string } | undefined {
  const colon = jobId.indexOf(':');
  if (colon <= 0 || colon === jobId.length - 1) return undefined;
  const name = jobId.slice(0, colon);
  return JOB_NAME.test(name) ? { name, bullId: jobId.slice(colon + 1) } : undefined;
}

/** Waiting, delayed (a retry backing off, a scheduled run) and prioritized jobs are all queued. */
export function portState(state: BullState | 'unknown'): JobState | undefined {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'unknown':
      return undefined;
    default:
      return 'queued';
  }
}

export function toJobInfo(name: string, job: Job, state: JobState): JobInfo {
  const info: JobInfo = {
    id: jobIdOf(name, job.id!),
    name,
    state,
    data: job.data,
    // Attempts started, as the in-process runner counts them (a running first attempt is 1).
    attempts: job.attemptsStarted ?? job.attemptsMade,
    created_at: new Date(job.timestamp).toISOString(),
  };
  if (typeof job.progress === 'number') info.progress = job.progress;
  if (state === 'completed') info.result = job.returnvalue;
  else if (job.failedReason) info.error = job.failedReason;
  if (job.processedOn) info.started_at = new Date(job.processedOn).toISOString();
  if (job.finishedOn && (state === 'completed' || state === 'failed')) info.finished_at = new Date(job.finishedOn).toISOString();
  return info;
}
