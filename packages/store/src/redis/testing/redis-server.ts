import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

// A throwaway redis-server for tests: on a free loopback port, no persistence, killed by `stop()`
// (and when the test process exits). Set REDIS_TEST_URL to use a server you run yourself instead;
// tests keep to their own key prefixes, so a shared server is fine.

export interface RedisTestServer {
  url: string;
  stop(): Promise<void>;
}

const READY = /Ready to accept connections/;

export async function startRedisServer(): Promise<RedisTestServer> {
  const external = process.env.REDIS_TEST_URL;
  if (external) return { url: external, stop: async () => undefined };
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(port);
      return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
    } catch (error) {
      lastError = error; // most likely the port was taken between the probe and the launch
    }
  }
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

function launch(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
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

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
