import { describe, expect, it } from 'vitest';
import { ItemInterner } from './item-interner.js';
import type { Item } from './types.js';

const item = (id: string, extra: Partial<Item> = {}): Item =>
  JSON.parse(
    JSON.stringify({
      item_id: id,
      title: `Title ${id}`,
      content_type: 'movie',
      genres: ['drama', 'crime'],
      languages: ['en'],
      cast: [],
      crew: ['Ann Director'],
      regions: [],
      year: 1999,
      available: true,
      updated_at: '2026-01-01T00:00:00.000Z',
      ...extra,
    }),
  );

describe('ItemInterner', () => {
  it('returns equal items that share repeated lists and names', () => {
    const interner = new ItemInterner();
    const a = interner.intern(item('a'));
    const b = interner.intern(item('b'));
    expect(a).toEqual(item('a'));
    expect(b).toEqual(item('b'));
    expect(a.genres).toBe(b.genres);
    expect(a.languages).toBe(b.languages);
    expect(a.cast).toBe(b.cast);
    expect(a.regions).toBe(a.cast); // one empty list for every empty field
    expect(a.crew).not.toBe(b.crew); // lists of people are each item's own ...
    expect(a.crew[0]).toBe(b.crew[0]); // ... with the names shared
    expect(a.updated_at).toBe(b.updated_at); // written together, one timestamp
  });

  it('keeps lists in their order, and different lists apart', () => {
    const interner = new ItemInterner();
    const a = interner.intern(item('a', { genres: ['crime', 'drama'] }));
    const b = interner.intern(item('b'));
    expect(a.genres).toEqual(['crime', 'drama']);
    expect(b.genres).toEqual(['drama', 'crime']);
  });

  it('freezes shared lists, so a write cannot change other items', () => {
    const a = new ItemInterner().intern(item('a'));
    expect(() => a.genres.push('war')).toThrow(TypeError);
    expect(a.genres).toEqual(['drama', 'crime']);
  });

  it('leaves the caller’s item as it was, and optional fields absent', () => {
    const original = item('a');
    const copy = new ItemInterner().intern(original);
    expect(copy).not.toBe(original);
    expect(() => original.genres.push('war')).not.toThrow();
    expect('keywords' in copy).toBe(false);
    expect('release_date' in copy).toBe(false);
  });
});
