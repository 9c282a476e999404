// Shared by the tests that run the worker as its own process: starting it with an environment,
// capturing what it logs, and a catalogue of two tastes for it to train on.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Item } from '@recsys/core';
import { builtEntryArgs } from '../../api/test/support/service-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts the built worker (`apps/worker/dist/main.js`, as `pnpm start:worker` does) with `env` over this process's environment, logging at info. */
export function startWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, builtEntryArgs('worker'), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** `count` titles alternating crime movies (even) and anime (odd): `crime-0`, `anime-1`, ... */
export function catalogue(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    item_id: `${i % 2 ? 'anime' : 'crime'}-${i}`,
    title: `Title ${i}`,
    content_type: i % 2 ? 'anime' : 'movie',
    genres: i % 2 ? ['Animation'] : ['Crime'],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: ['US'],
    available: true,
    updated_at: '2026-01-01T00:00:00.000Z',
  }));
}
