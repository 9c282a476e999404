import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A throwaway redis-server for tests: on a free loopback port, killed by `stop()` (and when the
// test process exits). By default without persistence; `persistent: true` keeps an append-only
// file (fsync on every write) in a temporary directory, so `kill()` (a crash) and `restart()` on
// the same port keep every acknowledged write. Set REDIS_TEST_URL to use a server you run yourself
// instead (tests keep to their own key prefixes, so a shared server is fine); such a server cannot
// be killed or restarted.

export interface RedisTestServerOptions {
  /** Keep the data across kill() and restart(); default false. */
  persistent?: boolean;
}

export interface RedisTestServer {
  url: string;
  /** Stops the server for good (and deletes its data). */
  stop(): Promise<void>;
  /** Kills the server as a crash would (SIGKILL) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with its data when persistent. */
  restart(): Promise<void>;
}

const READY = /Ready to accept connections/;

export async function startRedisServer(options: RedisTestServerOptions = {}): Promise<RedisTestServer> {
  const external = process.env.REDIS_TEST_URL;
  if (external) {
    const refuse = async () => {
      throw new Error('a server given by REDIS_TEST_URL cannot be killed or restarted');
    };
    return { url: external, stop: async () => undefined, kill: refuse, restart: refuse };
  }
  const dir = options.persistent ? await mkdtemp(path.join(os.tmpdir(), 'redis-test-')) : undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      let child = await launch(port, dir);
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          await stop(child, 'SIGTERM');
          if (dir) await rm(dir, { recursive: true, force: true });
        },
        kill: () => stop(child, 'SIGKILL'),
        async restart() {
          await stop(child, 'SIGKILL');
          child = await launch(port, dir);
        },
      };
    } catch (error) {
      lastError = error; // most likely the port was taken between the probe and the launch
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  throw lastError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string | undefined): Promise<ChildProcess> {
  const persistence = dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? new Error('redis-server is not installed (apt-get install redis-server, or set REDIS_TEST_URL)') : error),
    );
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (READY.test(output)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        child.once('exit', () => process.off('exit', kill));
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
