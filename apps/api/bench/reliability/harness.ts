// What the fault, soak and erasure checks share: the service and the worker as real processes,
// HTTP calls with a deadline, a synthetic catalogue and audience of a few tastes, and tables.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorker as startWorkerProcess, type WorkerProcess } from '../../../worker/test/worker-harness.js';
import { jsonOrText } from '../../test/support/http.js';
import { type ServiceProcess, startServiceProcess } from '../../test/support/service-process.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const args = process.argv.slice(2);
export function option(name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** A JSON request; a network failure or no answer within `timeoutMs` is status 0. */
export async function http(baseUrl: string, method: string, urlPath: string, body?: unknown, timeoutMs = 10_000): Promise<Answer> {
  try {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: jsonOrText(await response.text()), headers: response.headers };
  } catch {
    return { status: 0, body: undefined, headers: new Headers() };
  }
}

/** The API (its production build, `apps/api/dist/main.js`) as its own process, on a free loopback port. */
export function startApi(env: Record<string, string>, waitFor: '/healthz' | '/readyz' = '/healthz'): Promise<ServiceProcess> {
  return startServiceProcess({ RECSYS_DEMO: '0', RECSYS_RATE_LIMIT_PER_MINUTE: '10000000', ...env }, 60_000, waitFor);
}

export type { WorkerProcess };

/** The distributed-mode worker (its production build, `apps/worker/dist/main.js`) as its own process, killed if the bench exits first. */
export function startWorker(env: Record<string, string>): WorkerProcess {
  const worker = startWorkerProcess(env);
  process.once('exit', () => worker.child.kill('SIGKILL'));
  return worker;
}

/** Waits until the worker says it takes jobs. */
export async function workerReady(worker: WorkerProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!worker.output().includes('worker ready')) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    if (Date.now() > deadline) throw new Error(`worker not ready after ${timeoutMs} ms:\n${worker.output()}`);
    await sleep(50);
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

const TASTES = [
  ['anime', 'Animation', 'ja'],
  ['crime', 'Crime', 'en'],
  ['family', 'Family', 'en'],
  ['scifi', 'Science Fiction', 'en'],
  ['romance', 'Romance', 'fr'],
  ['horror', 'Horror', 'ko'],
] as const;

/** `count` titles spread over six tastes: `anime-0`, `crime-1`, ... */
export function catalogue(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const [name, genre, language] = TASTES[i % TASTES.length]!;
    return {
      item_id: `${name}-${i}`,
      title: `${genre} title ${i}`,
      content_type: i % 3 === 0 ? 'series' : 'movie',
      genres: [genre],
      languages: [language],
      year: 1990 + (i % 35),
      rating: 6 + (i % 4) / 2,
      rating_count: 100 + ((i * 37) % 5000),
      plot: `A ${genre.toLowerCase()} story number ${i} about people and places.`,
    };
  });
}

/** A user's taste index (0-5) and a title of that taste. */
export function tasteOf(user: number): number {
  return user % TASTES.length;
}
export function titleOf(taste: number, k: number, catalogueSize: number): string {
  const perTaste = Math.floor(catalogueSize / TASTES.length);
  const i = taste + TASTES.length * (k % perTaste);
  return `${TASTES[taste]![0]}-${i}`;
}

/** `perUser` completes by each of `users` users of their taste, event ids `<prefix><user>-<k>`. */
export function audience(users: number, perUser: number, catalogueSize: number, prefix = 'seed-'): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const now = Date.now();
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < perUser; k++) {
      events.push({
        event_id: `${prefix}${u}-${k}`,
        user_id: `user-${u}`,
        item_id: titleOf(tasteOf(u), u * 3 + k * 7, catalogueSize),
        type: 'complete',
        completion: 1,
        timestamp: new Date(now - (u * perUser + k) * 1000).toISOString(),
      });
    }
  }
  return events;
}

/** Posts events in batches of 500; throws unless every batch is accepted. */
export async function postEvents(baseUrl: string, events: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < events.length; start += 500) {
    const answer = await http(baseUrl, 'POST', '/v1/events', { events: events.slice(start, start + 500) }, 60_000);
    if (answer.status !== 202) throw new Error(`POST /v1/events answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

export async function putItems(baseUrl: string, items: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 500) {
    const answer = await http(baseUrl, 'PUT', '/v1/items', { items: items.slice(start, start + 500) }, 60_000);
    if (answer.status >= 300) throw new Error(`PUT /v1/items answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

/** Asks for a retrain and waits for its job to finish; returns the final job. */
export async function retrain(baseUrl: string, kind: 'full' | 'incremental' = 'full', timeoutMs = 120_000): Promise<any> {
  const started = await http(baseUrl, 'POST', '/v1/models/retrain', { kind });
  if (started.status !== 202) throw new Error(`POST /v1/models/retrain answered ${started.status}: ${JSON.stringify(started.body)}`);
  return waitForJob(baseUrl, started.body.job_id, timeoutMs);
}

export async function waitForJob(baseUrl: string, jobId: string, timeoutMs: number, states = ['completed', 'failed']): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await http(baseUrl, 'GET', `/v1/models/jobs/${jobId}`);
    if (answer.status === 200 && states.includes(answer.body.state)) return answer.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} not ${states.join(' or ')} after ${timeoutMs} ms: ${JSON.stringify(answer.body)}`);
    await sleep(20);
  }
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A Markdown table: a header row and rows of cells. */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
