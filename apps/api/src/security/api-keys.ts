// API key definitions: what a key may do and how fast, parsed from the environment or a secrets file.
import { readFileSync } from 'node:fs';

/**
 * What a key may do. `read`: recommendations, similar items, item reads. `write`: events, the
 * catalogue, preferences. `metrics`: GET /metrics. `admin`: everything, including models,
 * experiments, the bandit, GDPR export and erasure and the queue dashboard.
 */
export const SCOPES = ['read', 'write', 'metrics', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyDefinition {
  /** Shown in logs and used as the rate-limit bucket; never the secret. */
  name: string;
  scopes: Scope[];
  /** The key itself, as clients send it. */
  secret: string;
  /** Requests per minute for this key; unset: the service-wide limit. */
  rateLimitPerMinute?: number;
}

export class ApiKeyConfigError extends Error {
  override name = 'ApiKeyConfigError';
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Shorter secrets can be guessed; 16 characters of a random base64 string are 96 bits. */
export const MIN_SECRET_LENGTH = 16;
const SECRET = /^[\x21-\x7e]+$/;
/** Name of the key that RECSYS_ADMIN_API_KEY defines. */
export const LEGACY_ADMIN_KEY_NAME = 'admin_api_key';

function checked(definition: ApiKeyDefinition, where: string): ApiKeyDefinition {
  const { name, scopes, secret, rateLimitPerMinute } = definition;
  if (!NAME.test(name)) throw new ApiKeyConfigError(`${where}: key name "${name}" must be 1-64 letters, digits, "_", "." or "-"`);
  if (scopes.length === 0) throw new ApiKeyConfigError(`${where}: key "${name}" has no scope; scopes: ${SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!SCOPES.includes(scope)) throw new ApiKeyConfigError(`${where}: key "${name}" has unknown scope "${scope}"; scopes: ${SCOPES.join(', ')}`);
  }
  // The messages name the key, never its secret.
  if (!SECRET.test(secret)) throw new ApiKeyConfigError(`${where}: the secret of key "${name}" must be printable ASCII without spaces`);
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ApiKeyConfigError(`${where}: the secret of key "${name}" is shorter than ${MIN_SECRET_LENGTH} characters`);
  }
  if (rateLimitPerMinute !== undefined && !(Number.isInteger(rateLimitPerMinute) && rateLimitPerMinute >= 1 && rateLimitPerMinute <= 10_000_000)) {
    throw new ApiKeyConfigError(`${where}: the rate limit of key "${name}" must be an integer from 1 to 10000000`);
  }
  return { name, scopes: [...new Set(scopes)], secret, ...(rateLimitPerMinute !== undefined && { rateLimitPerMinute }) };
}

/** One `name:scope1+scope2:secret[:requests_per_minute]` entry. */
function parseEntry(entry: string, where: string): ApiKeyDefinition {
  const parts = entry.split(':');
  if (parts.length < 3 || parts.length > 4) {
    const name = parts[0] ?? '';
    throw new ApiKeyConfigError(`${where}: entry${NAME.test(name) ? ` "${name}"` : ''} is not name:scope1+scope2:secret[:requests_per_minute]`);
  }
  const [name, scopes, secret, limit] = parts as [string, string, string, string | undefined];
  return checked(
    {
      name: name.trim(),
      scopes: scopes.split('+').map((s) => s.trim()) as Scope[],
      secret: secret.trim(),
      ...(limit !== undefined && { rateLimitPerMinute: limit.trim() === '' ? NaN : Number(limit) }),
    },
    where,
  );
}

/** `name:scope1+scope2:secret[:requests_per_minute]` entries separated by commas or new lines. */
export function parseKeyList(text: string, where: string): ApiKeyDefinition[] {
  return text
    .split(/[,\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => parseEntry(line, where));
}

interface JsonKey {
  name?: unknown;
  scopes?: unknown;
  key?: unknown;
  rate_limit_per_minute?: unknown;
}

/**
 * A secrets file: JSON (`[{"name", "scopes": [...], "key", "rate_limit_per_minute"?}]`, or that
 * list under `"keys"`) or the line format of RECSYS_API_KEYS, one key a line, `#` comments.
 */
export function parseKeyFile(text: string, where: string): ApiKeyDefinition[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return parseKeyList(text, where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new ApiKeyConfigError(`${where}: not valid JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new ApiKeyConfigError(`${where}: expected a list of keys or {"keys": [...]}`);
  return list.map((raw: JsonKey, i) => {
    if (typeof raw !== 'object' || raw === null) throw new ApiKeyConfigError(`${where}: entry ${i} is not an object`);
    const { name, scopes, key, rate_limit_per_minute: limit } = raw;
    if (typeof name !== 'string') throw new ApiKeyConfigError(`${where}: entry ${i} needs a string "name"`);
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
      throw new ApiKeyConfigError(`${where}: key "${name}" needs "scopes", a list of strings`);
    }
    if (typeof key !== 'string') throw new ApiKeyConfigError(`${where}: key "${name}" needs a string "key"`);
    if (limit !== undefined && typeof limit !== 'number') throw new ApiKeyConfigError(`${where}: the rate limit of key "${name}" must be a number`);
    return checked({ name, scopes: scopes as Scope[], secret: key, ...(limit !== undefined && { rateLimitPerMinute: limit }) }, where);
  });
}

/**
 * Every configured key: RECSYS_API_KEYS, the file at RECSYS_API_KEYS_FILE and the older
 * RECSYS_ADMIN_API_KEY (an admin key named "admin_api_key"). Names and secrets must be unique.
 */
export function loadApiKeys(env: NodeJS.ProcessEnv): ApiKeyDefinition[] {
  const keys: ApiKeyDefinition[] = [];
  if (env.RECSYS_API_KEYS) keys.push(...parseKeyList(env.RECSYS_API_KEYS, 'RECSYS_API_KEYS'));
  const file = env.RECSYS_API_KEYS_FILE;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ApiKeyConfigError(`RECSYS_API_KEYS_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    keys.push(...parseKeyFile(text, `RECSYS_API_KEYS_FILE (${file})`));
  }
  if (env.RECSYS_ADMIN_API_KEY) {
    keys.push(checked({ name: LEGACY_ADMIN_KEY_NAME, scopes: ['admin'], secret: env.RECSYS_ADMIN_API_KEY.trim() }, 'RECSYS_ADMIN_API_KEY'));
  }
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) throw new ApiKeyConfigError(`API key name "${key.name}" is defined twice`);
    if (secrets.has(key.secret)) throw new ApiKeyConfigError(`API key "${key.name}" has the same secret as another key`);
    names.add(key.name);
    secrets.add(key.secret);
  }
  return keys;
}
