import type { ModelRegistry, Store } from '@recsys/core';
import { afterEach, describe } from 'vitest';
import { EmbeddedModelRegistry } from '../embedded/model-registry.js';
import { createEmbeddedStore, type EmbeddedStore } from '../embedded/store.js';
import { removeDir, tempDir } from '../embedded/test-support.js';
import type { RegistryHarness, StoreHarness } from './harness.js';
import { modelRegistryContract } from './model-registry-contract.js';
import { storeContract } from './store-contract.js';

// The port contracts run against the embedded adapters (the Redis ones run them in ../redis).

const dirs: string[] = [];
const open = new Set<EmbeddedStore>();
const settings = new Map<Store, { dataDir: string; trendingHalfLifeMs?: number }>();

async function openStore(options: { dataDir: string; trendingHalfLifeMs?: number }): Promise<Store> {
  const store = createEmbeddedStore(options);
  await store.open();
  open.add(store);
  settings.set(store, options);
  return store;
}

const stores: StoreHarness = {
  async create(options = {}) {
    const dataDir = tempDir();
    dirs.push(dataDir);
    return openStore({ dataDir, ...options });
  },
  async reopen(store) {
    await store.close();
    open.delete(store as EmbeddedStore);
    return openStore(settings.get(store)!);
  },
  async cleanup() {
    for (const store of open) await store.close();
    open.clear();
    settings.clear();
    for (const dir of dirs.splice(0)) removeDir(dir);
  },
};

const registries: RegistryHarness = {
  async create() {
    const dir = tempDir('recsys-models-');
    dirs.push(dir);
    return new EmbeddedModelRegistry({ dir });
  },
  async reopen(registry: ModelRegistry) {
    return new EmbeddedModelRegistry({ dir: (registry as EmbeddedModelRegistry).dir });
  },
  cleanup: async () => undefined,
};

afterEach(async () => {
  await stores.cleanup();
  await registries.cleanup();
});

describe('embedded adapters: Store contract', () => storeContract(stores));
describe('embedded adapters: ModelRegistry contract', () => modelRegistryContract(registries));
