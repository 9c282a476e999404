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
  /** Admin API key (RECSYS_ADMIN_API_KEY): opens the queue dashboard in distributed mode. */
  adminApiKey?: string;
  /** Dimension of external plot embeddings (RECSYS_EMBEDDING_DIMENSION); unset: the first one received. */
  embeddingDimension?: number;
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
    ...(env.RECSYS_ADMIN_API_KEY ? { adminApiKey: env.RECSYS_ADMIN_API_KEY } : {}),
    ...(env.RECSYS_EMBEDDING_DIMENSION ? { embeddingDimension: integer(env, 'RECSYS_EMBEDDING_DIMENSION', 0, 1, 4096) } : {}),
  };
}
