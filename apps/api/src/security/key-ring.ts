// Looks up the key a request presents without leaking, through timing, how close a guess was.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyDefinition, Scope } from './api-keys.js';

/** A key that authenticated: what the rest of the service may know of it (never its secret). */
export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
  rateLimitPerMinute?: number;
}

const digest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

export class KeyRing {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(keys: readonly ApiKeyDefinition[]) {
    // Only digests are kept: a heap dump or a stray log of this object shows no secret.
    this.entries = keys.map((key) => ({
      digest: digest(key.secret),
      principal: {
        name: key.name,
        scopes: new Set(key.scopes),
        ...(key.rateLimitPerMinute !== undefined && { rateLimitPerMinute: key.rateLimitPerMinute }),
      },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The key whose secret is `presented`, if any. Both sides are hashed to 32 bytes so lengths
   * compare equal, and every key is compared (no early exit), so the time taken depends on neither
   * the presented value nor which key, if any, matched.
   */
  authenticate(presented: string): Principal | undefined {
    const given = digest(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(given, entry.digest)) found = entry.principal;
    }
    return found;
  }
}

/** Whether a key with these scopes may do what `scope` guards; `admin` may do everything. */
export function allows(scopes: ReadonlySet<Scope>, scope: Scope): boolean {
  return scopes.has(scope) || scopes.has('admin');
}
