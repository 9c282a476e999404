// Security settings from the environment: API keys, CORS origins, whether /metrics needs a key.
import { ApiKeyConfigError, type ApiKeyDefinition, loadApiKeys } from './api-keys.js';

export interface SecuritySettings {
  /** None: every route is open (refused when NODE_ENV=production). */
  apiKeys: ApiKeyDefinition[];
  /** Origins browsers may call from (RECSYS_CORS_ORIGINS); empty: CORS off; ["*"]: any origin. */
  corsOrigins: string[];
  /** GET /metrics without a key (RECSYS_METRICS_PUBLIC=1), for a scraper that cannot send one. */
  metricsPublic: boolean;
}

export const NO_KEYS_IN_PRODUCTION =
  'NODE_ENV=production and no API key is configured: refusing to start an open service. Set RECSYS_API_KEYS ' +
  '(name:scope1+scope2:secret,...), RECSYS_API_KEYS_FILE or RECSYS_ADMIN_API_KEY; scopes: read, write, metrics, admin';

function origins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  const list = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of list) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '') || !/^https?:$/.test(parsed.protocol)) {
      throw new ApiKeyConfigError(`RECSYS_CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com or http://localhost:3000, nor *`);
    }
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

/** Throws ApiKeyConfigError with a message for the operator on anything malformed. */
export function loadSecuritySettings(env: NodeJS.ProcessEnv): SecuritySettings {
  const apiKeys = loadApiKeys(env);
  if (apiKeys.length === 0 && env.NODE_ENV === 'production') throw new ApiKeyConfigError(NO_KEYS_IN_PRODUCTION);
  const metricsPublic = env.RECSYS_METRICS_PUBLIC ?? '0';
  if (!['0', '1', 'false', 'true'].includes(metricsPublic)) {
    throw new ApiKeyConfigError(`RECSYS_METRICS_PUBLIC must be 0 or 1, got "${metricsPublic}"`);
  }
  return { apiKeys, corsOrigins: origins(env.RECSYS_CORS_ORIGINS), metricsPublic: metricsPublic === '1' || metricsPublic === 'true' };
}
