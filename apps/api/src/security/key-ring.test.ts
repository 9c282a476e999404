import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { allows, KeyRing } from './key-ring.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const keys = [
  { name: 'backend', scopes: ['read' as const, 'write' as const], secret: 'backend-secret-0123456789' },
  { name: 'ops', scopes: ['admin' as const], secret: 'ops-secret-0123456789abcdef' },
  { name: 'scraper', scopes: ['metrics' as const], secret: 'scraper-secret-0123456789', rateLimitPerMinute: 60 },
];

describe('KeyRing', () => {
  it('finds the key a secret belongs to, and nothing for a wrong one', () => {
    const ring = new KeyRing(keys);
    expect(ring.authenticate('ops-secret-0123456789abcdef')?.name).toBe('ops');
    expect(ring.authenticate('scraper-secret-0123456789')).toMatchObject({ name: 'scraper', rateLimitPerMinute: 60 });
    expect(ring.authenticate('ops-secret-0123456789abcdeF')).toBeUndefined();
    expect(ring.authenticate('ops')).toBeUndefined();
    expect(ring.authenticate('')).toBeUndefined();
  });

  it('compares fixed-length digests with timingSafeEqual against every key, matching or not', () => {
    const ring = new KeyRing(keys);
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const presented of ['backend-secret-0123456789', 'x', 'a much longer guess than any key that is configured here']) {
      compare.mockClear();
      ring.authenticate(presented);
      // No early exit on the first match, no length shortcut: one 32-byte comparison per key.
      expect(compare).toHaveBeenCalledTimes(keys.length);
      for (const [a, b] of compare.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    }
  });

  it('keeps no secret in the principal or the ring', () => {
    const ring = new KeyRing(keys);
    const principal = ring.authenticate('backend-secret-0123456789')!;
    expect(JSON.stringify({ ...principal, scopes: [...principal.scopes] })).not.toContain('backend-secret');
    expect(JSON.stringify(ring)).not.toContain('backend-secret');
  });

  it('admin allows every scope; other scopes only themselves', () => {
    expect(allows(new Set(['admin']), 'write')).toBe(true);
    expect(allows(new Set(['admin']), 'metrics')).toBe(true);
    expect(allows(new Set(['read', 'write']), 'write')).toBe(true);
    expect(allows(new Set(['read', 'write']), 'admin')).toBe(false);
    expect(allows(new Set(['read']), 'write')).toBe(false);
    expect(allows(new Set(['write']), 'read')).toBe(false);
  });
});
