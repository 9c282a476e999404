import type { ModelRegistry, Store } from '@recsys/core';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { RegistryHarness, StoreHarness } from '../contract/harness.js';
import { RedisModelRegistry } from './redis-model-registry.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';

// Harnesses that run the port contracts against a Redis server: each store or registry gets its
// own key prefix, so tests never see each other's keys; cleanup deletes them.

export function uniquePrefix(): string {
  return `test:${randomUUID().slice(0, 8)}:`;
}

export class RedisHarnesses {
  private readonly stores = new Set<RedisStore>();
  private readonly registries = new Set<RedisModelRegistry>();
  private readonly prefixes = new Set<string>();
  private readonly settings = new Map<Store | ModelRegistry, RedisStoreOptions>();

  constructor(private readonly url: () => string) {}

  async openStore(options: Omit<RedisStoreOptions, 'url' | 'redis'> = {}): Promise<RedisStore> {
    const settings = { url: this.url(), keyPrefix: uniquePrefix(), ...options };
    return this.track(settings);
  }

  openRegistry(keyPrefix = uniquePrefix()): RedisModelRegistry {
    this.prefixes.add(keyPrefix);
    const registry = new RedisModelRegistry({ url: this.url(), keyPrefix });
    this.registries.add(registry);
    this.settings.set(registry, { keyPrefix });
    return registry;
  }

  readonly store: StoreHarness = {
    create: (options = {}) => this.openStore(options),
    reopen: async (store) => {
      await store.close();
      this.stores.delete(store as RedisStore);
      return this.track(this.settings.get(store)!);
    },
    cleanup: () => this.cleanup(),
  };

  readonly registry: RegistryHarness = {
    create: async () => this.openRegistry(),
    reopen: async (registry) => this.openRegistry(this.settings.get(registry)!.keyPrefix),
    ready: (registry) => (registry as RedisModelRegistry).subscribed(),
    cleanup: () => this.cleanup(),
  };

  async cleanup(): Promise<void> {
    for (const store of this.stores) await store.close();
    for (const registry of this.registries) await registry.close();
    this.stores.clear();
    this.registries.clear();
    this.settings.clear();
    if (this.prefixes.size === 0) return;
    const redis = new Redis(this.url());
    try {
      for (const prefix of this.prefixes) {
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
          if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
        }
      }
    } finally {
      this.prefixes.clear();
      await redis.quit();
    }
  }

  private async track(settings: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(settings);
    this.prefixes.add(settings.keyPrefix!);
    this.stores.add(store);
    this.settings.set(store, settings);
    await store.open();
    return store;
  }
}
