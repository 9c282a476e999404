import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const checked = new Set<string>();

/**
 * Node's arguments to run `app` as production does: its bundle from `pnpm build`. Missing bundle:
 * throws (the test run must build first). A source listed in the bundle's map changed since the
 * bundle was written: rebuilds once per process, so tests never exercise stale code.
 */
export function builtEntryArgs(app: 'api' | 'worker'): string[] {
  const main = path.join(ROOT, 'apps', app, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`apps/${app}/dist/main.js is missing: run \`pnpm build\` first (\`pnpm test\` does)`);
  if (!checked.has(app)) {
    checked.add(app);
    const map = JSON.parse(readFileSync(`${main}.map`, 'utf8')) as { sources: string[] };
    const builtAt = statSync(main).mtimeMs;
    const inputs = [...map.sources.map((source) => path.resolve(path.dirname(main), source)), path.join(ROOT, 'scripts/build.mjs')];
    if (inputs.some((file) => !existsSync(file) || statSync(file).mtimeMs > builtAt)) {
      execFileSync(process.execPath, ['scripts/build.mjs', app], { cwd: ROOT, stdio: 'pipe' });
    }
  }
  return ['--enable-source-maps', main];
}

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** Ends the process with `signal` and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the real service (`pnpm start`'s entry point, the built bundle) on a free loopback port; resolves once
 * `waitFor` answers 200 (a distributed-mode replica is live before it reached Redis: wait for /readyz).
 */
export async function startServiceProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  waitFor: '/healthz' | '/readyz' = '/healthz',
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, builtEntryArgs('api'), {
    cwd: ROOT,
    // MALLOC_ARENA_MAX as `pnpm start` and the image set it.
    env: { ...process.env, MALLOC_ARENA_MAX: '2', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode} before answering:\n${output}`);
    const healthy = await fetch(`${baseUrl}${waitFor}`).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
