// Distributed-mode adapters: the store and model registry in Redis (key layout: docs/redis-keys.md).
export { createRedisStore, RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export { createRedisModelRegistry, RedisModelRegistry } from './redis-model-registry.js';
export type { RedisModelRegistryOptions } from './redis-model-registry.js';
export { RedisCatalogStore } from './redis-catalog-store.js';
export { RedisEventLog } from './redis-event-log.js';
export { RedisUserStore } from './redis-user-store.js';
export { RedisFeatureStore } from './redis-feature-store.js';
export type { FeatureKeys, RedisFeatureStoreOptions } from './redis-feature-store.js';
export { DEFAULT_KEY_PREFIX, RedisKeys } from './redis-keys.js';
export { assertNoEviction, RedisEvictionError } from './redis-connection.js';
export type { RedisClientOptions } from './redis-connection.js';
export { RedisLearningStore, RedisLearningKeys } from './redis-learning-store.js';
export type { RedisLearningStoreOptions } from './redis-learning-store.js';
