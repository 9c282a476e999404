// Store and model registry adapters. Embedded: in memory, durable under a data directory.
export { createEmbeddedStore, EmbeddedStore } from './embedded/store.js';
export type { EmbeddedStoreOptions, EmbeddedStoreOpenReport } from './embedded/store.js';
export { EmbeddedEventLog } from './embedded/event-log.js';
export { EmbeddedCatalogStore } from './embedded/catalog-store.js';
export { EmbeddedUserStore } from './embedded/user-store.js';
export { EmbeddedLearningStore, DEFAULT_IMPRESSION_RETENTION_MS } from './embedded/learning-store.js';
export type { EmbeddedLearningStoreOptions } from './embedded/learning-store.js';
export { DEFAULT_IMPRESSION_LIMITS, impressionWindowFor } from './embedded/learning-state.js';
export {
  EmbeddedFeatureStore,
  DEFAULT_TRENDING_HALF_LIFE_MS,
  POSITIVE_EPSILON,
  eventTime,
  trendingAt,
} from './embedded/feature-store.js';
export type { FeatureStoreOptions } from './embedded/feature-store.js';
export {
  createEmbeddedModelRegistry,
  EmbeddedModelRegistry,
  ModelRegistryError,
} from './embedded/model-registry.js';
export type {
  EmbeddedModelRegistryOptions,
  ModelRegistryErrorCode,
  SaveModelOptions,
} from './embedded/model-registry.js';
export { LogCorruptError, LogClosedError } from './embedded/append-log.js';
export { SnapshotCorruptError } from './embedded/snapshot-log.js';
export { DataDirLockedError } from './embedded/dir-lock.js';
export type { ActivationListener } from './activation-listeners.js';
export { guardJobRunner, guardModelRegistry, guardStore } from './circuit-breaking-ports.js';
export type { GuardedStoreOptions } from './circuit-breaking-ports.js';
// Distributed mode: Redis.
export * from './redis/index.js';
