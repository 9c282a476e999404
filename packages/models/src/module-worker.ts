import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on an ES module of this code base. Workers do not inherit the TypeScript
 * loader of the thread that starts them (under tsx or vitest alike), so a `.ts` entry is imported
 * through a small bootstrap that registers tsx in the worker first; a `.js` entry loads as it is.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxMain = createRequire(import.meta.url).resolve('tsx');
  const tsxApi = pathToFileURL(join(dirname(tsxMain), 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
