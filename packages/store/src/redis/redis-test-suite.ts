// Test support: one throwaway redis-server per test file, an admin connection to inspect keys, and
// harnesses whose keys are deleted after each test. Only test files import this module.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RedisHarnesses } from './test-harness.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

export interface RedisTestSuite {
  /** The server; read it inside tests and hooks (it starts in `beforeAll`). */
  readonly server: RedisTestServer;
  /** A plain client on the server, for looking at keys directly. */
  readonly admin: Redis;
  readonly harnesses: RedisHarnesses;
}

/** Registers the calling file's hooks: start the server before all tests, clean up after each, stop at the end. */
export function redisTestSuite(): RedisTestSuite {
  let server: RedisTestServer | undefined;
  let admin: Redis | undefined;
  const harnesses = new RedisHarnesses(() => suite.server.url);
  const suite: RedisTestSuite = {
    get server() {
      if (!server) throw new Error('the Redis test server starts in beforeAll');
      return server;
    },
    get admin() {
      admin ??= new Redis(suite.server.url);
      return admin;
    },
    harnesses,
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(() => harnesses.cleanup());
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  return suite;
}
