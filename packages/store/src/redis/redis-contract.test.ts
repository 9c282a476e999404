import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { modelRegistryContract } from '../contract/model-registry-contract.js';
import { storeContract } from '../contract/store-contract.js';
import { RedisHarnesses } from './test-harness.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

// The port contracts (the same test bodies the embedded adapters pass) against a real redis-server.

let server: RedisTestServer;
const harnesses = new RedisHarnesses(() => server.url);
beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(() => harnesses.cleanup());
afterAll(() => server?.stop());

describe('Redis adapters: Store contract', () => storeContract(harnesses.store));
describe('Redis adapters: ModelRegistry contract', () => modelRegistryContract(harnesses.registry));
