import { ApiKeyConfigError } from './security/api-keys.js';
import { loadSecuritySettings, type SecuritySettings } from './security/security-settings.js';

/** Service settings, all from the environment (documented in the README). */
export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  demo: boolean;
  logLevel: string;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  retrainIntervalMinutes: number;
  incrementalIntervalMinutes: number;
  /** API keys (RECSYS_API_KEYS, RECSYS_API_KEYS_FILE, RECSYS_ADMIN_API_KEY), CORS, public metrics. */
  security: SecuritySettings;
  /** Dimension of external plot embeddings (RECSYS_EMBEDDING_DIMENSION); unset: the first one received. */
  embeddingDimension?: number;
  /** Key of the user-id pseudonyms in logs (RECSYS_PSEUDONYM_KEY, 16+ bytes); unset: a random key per process. */
  pseudonymKey?: string;
  /** Raw events received more than this many days ago are dropped (RECSYS_EVENT_RETENTION_DAYS); 0 keeps them. */
  eventRetentionDays: number;
  /**
   * Continuous learning: attribution window of events without recommendation_id
   * (RECSYS_ATTRIBUTION_WINDOW_MINUTES, default 30), policy of the default experiment
   * (RECSYS_DEFAULT_POLICY: hybrid or bandit, default hybrid) and bandit half-life in slots
   * (RECSYS_BANDIT_HALF_LIFE, default 5000).
   */
  learning: { attributionWindowMs: number; defaultPolicy: 'hybrid' | 'bandit'; banditHalfLifeObservations: number };
  /**
   * How far the JS heap may grow past its live size between full collections, in percent
   * (RECSYS_HEAP_GROWTH_PERCENT, default 70), the heap being collected once after startup too;
   * 0 leaves both to V8 (growth up to 300 %): more memory, fewer full collections under load.
   */
  heapGrowthPercent: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function security(env: NodeJS.ProcessEnv): SecuritySettings {
  try {
    return loadSecuritySettings(env);
  } catch (error) {
    throw error instanceof ApiKeyConfigError ? new ConfigError(error.message) : error;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const demo = env.RECSYS_DEMO ?? '1';
  if (!['0', '1', 'false', 'true'].includes(demo)) throw new ConfigError(`RECSYS_DEMO must be 0 or 1, got "${demo}"`);
  return {
    host: env.HOST || '0.0.0.0',
    port: integer(env, 'PORT', 8080, 0, 65535),
    dataDir: env.RECSYS_DATA_DIR || './data',
    demo: demo === '1' || demo === 'true',
    logLevel: env.LOG_LEVEL || 'info',
    rateLimitPerMinute: integer(env, 'RECSYS_RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    bodyLimitBytes: integer(env, 'RECSYS_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    retrainIntervalMinutes: integer(env, 'RECSYS_RETRAIN_INTERVAL_MINUTES', 24 * 60, 0, 525_600),
    incrementalIntervalMinutes: integer(env, 'RECSYS_INCREMENTAL_INTERVAL_MINUTES', 60, 0, 525_600),
    security: security(env),
    ...(env.RECSYS_EMBEDDING_DIMENSION ? { embeddingDimension: integer(env, 'RECSYS_EMBEDDING_DIMENSION', 0, 1, 4096) } : {}),
    ...(env.RECSYS_PSEUDONYM_KEY ? { pseudonymKey: pseudonymKey(env.RECSYS_PSEUDONYM_KEY) } : {}),
    eventRetentionDays: integer(env, 'RECSYS_EVENT_RETENTION_DAYS', 0, 0, 36_500),
    learning: learningConfig(env),
    heapGrowthPercent: integer(env, 'RECSYS_HEAP_GROWTH_PERCENT', 70, 0, 1000),
  };
}

function learningConfig(env: NodeJS.ProcessEnv): ServiceConfig['learning'] {
  const policy = env.RECSYS_DEFAULT_POLICY || 'hybrid';
  if (policy !== 'hybrid' && policy !== 'bandit') throw new ConfigError(`RECSYS_DEFAULT_POLICY must be hybrid or bandit, got "${policy}"`);
  return {
    attributionWindowMs: integer(env, 'RECSYS_ATTRIBUTION_WINDOW_MINUTES', 30, 1, 7 * 24 * 60) * 60_000,
    defaultPolicy: policy,
    banditHalfLifeObservations: integer(env, 'RECSYS_BANDIT_HALF_LIFE', 5000, 10, 100_000_000),
  };
}

function pseudonymKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') < 16) throw new ConfigError('RECSYS_PSEUDONYM_KEY must be at least 16 bytes');
  return key;
}
