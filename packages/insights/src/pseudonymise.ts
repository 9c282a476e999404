// Keyed pseudonyms for user ids in logs and metrics (GDPR: ids there must not identify a person
// without the key, and must stay joinable within one key's lifetime).
import { createHmac } from 'node:crypto';

export interface PseudonymiserOptions {
  /** Secret key, at least 16 bytes; keep it out of logs and out of the repository. */
  key: string | Uint8Array;
  /**
   * Keys retired by a rotation, newest first. Only used by `candidates`, so that logs written
   * before the rotation can still be found (e.g. for an erasure or export request).
   */
  previousKeys?: readonly (string | Uint8Array)[];
  /** Hex characters kept of the 64-character digest; 16 (64 bits) by default, between 8 and 64. */
  hexChars?: number;
}

const MIN_KEY_BYTES = 16;

/**
 * HMAC-SHA256 of the user id under `key`, truncated to `hexChars` lowercase hex characters.
 * 64 bits keep the chance of any collision among 10 million users near 3e-6.
 *
 * Key rotation: a new key changes every pseudonym, so dashboards and log joins break at the
 * rotation point and pseudonyms from different keys must never be compared. Rotate on a schedule
 * (or at once if the key leaked), keep the old key only as long as the logs it produced are
 * retained (pass it in `previousKeys`), then destroy it: from then on the old logs are anonymous.
 */
export function pseudonymiseUserId(userId: string, key: string | Uint8Array, hexChars = 16): string {
  checkKey(key);
  checkHexChars(hexChars);
  return createHmac('sha256', key).update(userId, 'utf8').digest('hex').slice(0, hexChars);
}

export class Pseudonymiser {
  readonly #key: string | Uint8Array;
  readonly #previous: readonly (string | Uint8Array)[];
  readonly #hexChars: number;

  constructor(options: PseudonymiserOptions) {
    checkKey(options.key);
    for (const k of options.previousKeys ?? []) checkKey(k);
    this.#hexChars = options.hexChars ?? 16;
    checkHexChars(this.#hexChars);
    this.#key = options.key;
    this.#previous = [...(options.previousKeys ?? [])];
  }

  /** The pseudonym under the current key. */
  pseudonymise(userId: string): string {
    return pseudonymiseUserId(userId, this.#key, this.#hexChars);
  }

  /** The pseudonyms under the current key then every previous key, to search older logs. */
  candidates(userId: string): string[] {
    return [this.#key, ...this.#previous].map((k) => pseudonymiseUserId(userId, k, this.#hexChars));
  }

  /** Never reveal the key through JSON.stringify or a log of the object. */
  toJSON(): { hexChars: number; previousKeys: number } {
    return { hexChars: this.#hexChars, previousKeys: this.#previous.length };
  }
}

function checkKey(key: string | Uint8Array): void {
  const bytes = typeof key === 'string' ? Buffer.byteLength(key, 'utf8') : key.byteLength;
  if (bytes < MIN_KEY_BYTES) throw new RangeError(`pseudonymisation key must be at least ${MIN_KEY_BYTES} bytes`);
}

function checkHexChars(n: number): void {
  if (!Number.isInteger(n) || n < 8 || n > 64) throw new RangeError('hexChars must be an integer in [8, 64]');
}
