// Opens embedded stores over fresh temp directories for a test file, and closes and removes them all
// after each test. Kept apart from test-support.ts, which child processes import without vitest.
import { afterEach } from 'vitest';
import { createEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from './store.js';
import { removeDir, tempDir } from './test-support.js';

export interface TestStores {
  /** Opens a store over `dataDir`; it is closed after the test. */
  openStore(dataDir: string, options?: Partial<EmbeddedStoreOptions>): Promise<EmbeddedStore>;
  /** A new empty directory, removed after the test. */
  newDir(): string;
}

/** Call once at the top level of a test file. */
export function useTestStores(): TestStores {
  const dirs: string[] = [];
  const stores: EmbeddedStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) removeDir(dir);
  });
  return {
    async openStore(dataDir, options = {}) {
      const store = createEmbeddedStore({ dataDir, ...options });
      stores.push(store);
      await store.open();
      return store;
    },
    newDir() {
      const dir = tempDir();
      dirs.push(dir);
      return dir;
    },
  };
}
