import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRecords } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b\n1,"x, ""y""\nz"\r\n2,\n')).toEqual([['a', 'b'], ['1', 'x, "y"\nz'], ['2', '']]);
    expect(parseCsvRecords('id,name\n7,"Toy Story"')).toEqual([{ id: '7', name: 'Toy Story' }]);
  });
});
