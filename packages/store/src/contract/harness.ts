import type { ModelRegistry, Store } from '@recsys/core';

// What a behavioural contract needs from an adapter: fresh instances with empty state, and a way to
// reach the same persisted state through a new instance ("restart").

export interface StoreHarness {
  /** A new, open, empty store. */
  create(options?: { trendingHalfLifeMs?: number }): Promise<Store>;
  /** Closes `store` and opens a new instance over the same persisted state. */
  reopen(store: Store): Promise<Store>;
  /** Closes what the harness opened and removes what it persisted; run after each test. */
  cleanup(): Promise<void>;
}

export interface RegistryHarness {
  /** A new, empty registry. */
  create(): Promise<ModelRegistry>;
  /** A second instance over the same persisted state as `registry`. */
  reopen(registry: ModelRegistry): Promise<ModelRegistry>;
  /** Resolves once `onActivated` listeners of `registry` are in place (a subscription may be async). */
  ready?(registry: ModelRegistry): Promise<void>;
  cleanup(): Promise<void>;
}
