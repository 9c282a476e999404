import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { isoTimestamp } from './timestamps.js';

describe('isoTimestamp', () => {
  it('matches Date#toISOString', () => {
    const rng = new Rng(4);
    const stamps = [0, 86_399_999, 86_400_000, Date.parse('2026-11-26T06:00:00Z')];
    for (let i = 0; i < 2000; i++) stamps.push(Math.floor(rng.between(0, 4e12)));
    for (const ms of stamps) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
