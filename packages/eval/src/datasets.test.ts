import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, loadMovieLens100k, loadMovieLens1m } from './datasets.js';

const dir = (files: Record<string, string | Buffer>) => {
  const d = mkdtempSync(join(tmpdir(), 'ml-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
};
const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? '1' : '0')).join('|');

describe('loadMovieLens100k', () => {
  it('reads u.data and the latin-1 u.item catalogue with genres and years', () => {
    const d = dir({
      'u.data': '1\t10\t5\t881250949\n2\t10\t3\t891717742\n1\t20\t1\t878887116\n',
      'u.item': Buffer.concat([
        Buffer.from(`10|Toy Story (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}\n`),
        Buffer.from('20|Mis'), Buffer.from([0xe9]), Buffer.from(`rables, Les (1995)|01-Jan-1995||http://y|${flags([8])}\n`),
      ]),
    });
    const data = loadMovieLens100k(d);
    expect(data.ratings).toEqual([
      { user: '1', item: '10', rating: 5, timestamp: 881250949 },
      { user: '2', item: '10', rating: 3, timestamp: 891717742 },
      { user: '1', item: '20', rating: 1, timestamp: 878887116 },
    ]);
    expect(data.items.map((i) => [i.item_id, i.title, i.genres, i.year])).toEqual([
      ['10', 'Toy Story (1995)', ['Animation', "Children's", 'Comedy'], 1995],
      ['20', 'Misérables, Les (1995)', ['Drama'], 1995],
    ]);
    // Catalogue figures would leak test ratings into the popularity prior: there are none.
    expect(data.items[0]!.rating_count).toBeUndefined();
  });

  it('names a missing file', () => {
    expect(() => loadMovieLens100k(dir({}))).toThrow(/u\.data: file not found/);
  });

  it('names the file and the line it could not parse', () => {
    const d = dir({ 'u.data': '1\t10\t5\t881250949\n1\t11\tfive\t881250949\n' });
    expect(() => loadMovieLens100k(d)).toThrow(DatasetError);
    expect(() => loadMovieLens100k(d)).toThrow(/u\.data:2: rating "five"/);
    const wide = dir({ 'u.data': '1\t10\t5\n' });
    expect(() => loadMovieLens100k(wide)).toThrow('u.data:1: expected 4 tab-separated fields (user, item, rating, timestamp), got 3');
    const badItem = dir({ 'u.data': '1\t10\t5\t881250949\n', 'u.item': '10|Short\n' });
    expect(() => loadMovieLens100k(badItem)).toThrow(/u\.item:1: expected 24/);
  });
});

describe('loadMovieLens1m', () => {
  it('reads every ratings part and movies.dat', () => {
    const d = dir({
      'ratings.part-1.dat': '1::1193::5::978300760\n',
      'ratings.part-2.dat': '2::661::3::978302109\r\n',
      'movies.dat': "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n",
    });
    const data = loadMovieLens1m(d);
    expect(data.ratings.map((r) => [r.user, r.item, r.rating])).toEqual([['1', '1193', 5], ['2', '661', 3]]);
    expect(data.items.map((i) => [i.item_id, i.genres.length, i.year])).toEqual([['1193', 1, 1975], ['661', 3, 1996]]);
  });

  it('names a missing ratings file and a malformed line', () => {
    expect(() => loadMovieLens1m(dir({ 'movies.dat': '' }))).toThrow(/ratings\.dat: file not found/);
    expect(() => loadMovieLens1m(dir({ 'ratings.dat': '1::2::3::4\n1:2:3:4\n' }))).toThrow('ratings.dat:2: expected 4 "::"-separated fields (user, item, rating, timestamp), got 1');
  });
});
