import { describe } from 'vitest';
import { modelRegistryContract } from '../contract/model-registry-contract.js';
import { storeContract } from '../contract/store-contract.js';
import { redisTestSuite } from './redis-test-suite.js';

// The port contracts (the same test bodies the embedded adapters pass) against a real redis-server.

const { harnesses } = redisTestSuite();

describe('Redis adapters: Store contract', () => storeContract(harnesses.store));
describe('Redis adapters: ModelRegistry contract', () => modelRegistryContract(harnesses.registry));
