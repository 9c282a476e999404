import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Pseudonymiser, pseudonymiseUserId } from './pseudonymise.js';

const KEY = 'k'.repeat(32);
const OTHER = 'o'.repeat(32);

describe('pseudonymiseUserId', () => {
  it('is a stable truncated HMAC-SHA256 in lowercase hex', () => {
    const id = pseudonymiseUserId('user-42', KEY);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(pseudonymiseUserId('user-42', KEY)).toBe(id);
    expect(id).toBe(createHmac('sha256', KEY).update('user-42').digest('hex').slice(0, 16));
    expect(pseudonymiseUserId('user-42', KEY, 32)).toHaveLength(32);
  });

  it('differs between users and between keys, and never contains the id', () => {
    expect(pseudonymiseUserId('user-42', KEY)).not.toBe(pseudonymiseUserId('user-43', KEY));
    expect(pseudonymiseUserId('user-42', KEY)).not.toBe(pseudonymiseUserId('user-42', OTHER));
    const ids = new Set(Array.from({ length: 5000 }, (_, i) => pseudonymiseUserId(`u${i}`, KEY)));
    expect(ids.size).toBe(5000);
  });

  it('refuses short keys and out-of-range lengths', () => {
    expect(() => pseudonymiseUserId('u', 'short')).toThrow(RangeError);
    expect(() => pseudonymiseUserId('u', KEY, 4)).toThrow(RangeError);
    expect(() => pseudonymiseUserId('u', KEY, 65)).toThrow(RangeError);
  });
});

describe('Pseudonymiser', () => {
  it('uses the current key and lists pseudonyms under retired keys for old logs', () => {
    const p = new Pseudonymiser({ key: OTHER, previousKeys: [KEY] });
    expect(p.pseudonymise('alice')).toBe(pseudonymiseUserId('alice', OTHER));
    expect(p.candidates('alice')).toEqual([pseudonymiseUserId('alice', OTHER), pseudonymiseUserId('alice', KEY)]);
  });

  it('does not leak the key when serialised', () => {
    const p = new Pseudonymiser({ key: KEY, previousKeys: [OTHER] });
    const text = JSON.stringify(p) + String(p);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(OTHER);
  });
});
