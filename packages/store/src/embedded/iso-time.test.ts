import { mulberry32 } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { canonicalIsoMs, formatIsoMs } from './iso-time.js';

/** What the fast path must agree with: Date's own parse and format. */
function viaDate(value: string): number {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value ? ms : Number.NaN;
}

describe('ISO timestamps', () => {
  it('formats like toISOString across years 0 to 9999 and beyond', () => {
    const random = mulberry32(7);
    const span = Date.UTC(9999, 11, 31, 23, 59, 59, 999) - Date.UTC(0, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      const ms = Date.UTC(0, 0, 1) + Math.floor(random() * span);
      expect(formatIsoMs(ms)).toBe(new Date(ms).toISOString());
    }
    for (const ms of [0, -1, Date.UTC(2000, 1, 29), Date.UTC(1900, 2, 1) - 1, Date.UTC(-1, 0, 1), Date.UTC(10000, 0, 1), 8.64e15]) {
      expect(formatIsoMs(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('parses exactly the strings toISOString writes back the same', () => {
    const random = mulberry32(11);
    for (let i = 0; i < 20_000; i++) {
      const iso = new Date(Math.floor(random() * 4e12)).toISOString();
      expect(canonicalIsoMs(iso)).toBe(Date.parse(iso));
    }
    const odd = [
      '2026-01-01T00:00:00Z', // no milliseconds
      '2026-01-01T00:00:00.000+00:00',
      '2026-01-01 00:00:00.000Z',
      '2026-02-29T00:00:00.000Z', // not a leap year
      '2024-02-29T00:00:00.000Z',
      '2100-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00.000Z',
      '2026-01-01T23:59:60.000Z',
      '2026-1-01T00:00:00.0000Z',
      '2026-01-01T00:00:00.00aZ',
      '+010000-01-01T00:00:00.000Z',
      '-000001-01-01T00:00:00.000Z',
      '+002026-01-01T00:00:00.000Z', // Date reads it, but writes 2026-...
      '0000-01-01T00:00:00.000Z',
      'not a date at all, 24 ch',
      '',
    ];
    for (const value of odd) expect(canonicalIsoMs(value), value).toEqual(viaDate(value));
  });
});
