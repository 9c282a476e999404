import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Item } from '@recsys/core';

/** One explicit rating as the datasets give it. */
export interface Rating {
  user: string;
  item: string;
  rating: number;
  /** Unix seconds. */
  timestamp: number;
}

export interface Dataset {
  name: string;
  ratings: Rating[];
  /** The catalogue: every item named by the item file, plus any rated item it lacks. */
  items: Item[];
}

/** A dataset file that is missing or that could not be parsed; names the file and the line. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
  }
}

export const DATASETS = ['movielens-100k', 'movielens-1m'] as const;
export type DatasetName = (typeof DATASETS)[number];

export function loadDataset(name: DatasetName, dir: string): Dataset {
  switch (name) {
    case 'movielens-100k':
      return loadMovieLens100k(dir);
    case 'movielens-1m':
      return loadMovieLens1m(dir);
  }
}

const UPDATED_AT = '1970-01-01T00:00:00.000Z';

/** ML-100k genre flags of u.item, in u.genre order. */
const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/**
 * MovieLens 100k: `u.data` (user \t item \t rating \t timestamp) and, when present, `u.item`
 * (latin-1, `|`-separated: id | title | release date | video date | URL | 19 genre flags).
 */
export function loadMovieLens100k(dir: string): Dataset {
  const ratings = parseRatings(join(dir, 'u.data'), '\t');
  const itemFile = join(dir, 'u.item');
  const items: Item[] = [];
  if (existsSync(itemFile)) {
    eachLine(itemFile, 'latin1', (line, n) => {
      const f = line.split('|');
      if (f.length < 5 + ML100K_GENRES.length) throw new DatasetError(itemFile, n, `expected ${5 + ML100K_GENRES.length} |-separated fields, got ${f.length}`);
      const id = f[0]!;
      if (!/^\d+$/.test(id)) throw new DatasetError(itemFile, n, `item id "${id}" is not a positive integer`);
      const genres = ML100K_GENRES.filter((_, g) => f[5 + g] === '1');
      items.push(movie(id, f[1]!, genres, yearOf(f[2]!) ?? yearOf(f[1]!)));
    });
  }
  return { name: 'movielens-100k', ratings, items: withRatedItems(items, ratings) };
}

/**
 * MovieLens 1M: `ratings.dat` (or every `ratings.*.dat` part, e.g. a partial copy), `::`-separated
 * user::item::rating::timestamp, and `movies.dat` (id::title::genre|genre, latin-1) when present.
 */
export function loadMovieLens1m(dir: string): Dataset {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f === 'ratings.dat' || /^ratings\..+\.dat$/.test(f)).sort();
  } catch {
    throw new DatasetError(dir, undefined, 'dataset directory not found');
  }
  if (files.length === 0) throw new DatasetError(join(dir, 'ratings.dat'), undefined, 'file not found (nor any ratings.*.dat part)');
  const ratings = files.flatMap((f) => parseRatings(join(dir, f), '::'));
  const movieFile = join(dir, 'movies.dat');
  const items: Item[] = [];
  if (existsSync(movieFile)) {
    eachLine(movieFile, 'latin1', (line, n) => {
      const f = line.split('::');
      if (f.length !== 3) throw new DatasetError(movieFile, n, `expected id::title::genres, got ${f.length} fields`);
      if (!/^\d+$/.test(f[0]!)) throw new DatasetError(movieFile, n, `item id "${f[0]}" is not a positive integer`);
      items.push(movie(f[0]!, f[1]!, f[2] ? f[2].split('|') : [], yearOf(f[1]!)));
    });
  }
  return { name: 'movielens-1m', ratings, items: withRatedItems(items, ratings) };
}

function parseRatings(file: string, separator: string): Rating[] {
  const ratings: Rating[] = [];
  eachLine(file, 'utf8', (line, n) => {
    const f = line.split(separator);
    if (f.length !== 4) {
      const name = separator === '\t' ? 'tab' : `"${separator}"`;
      throw new DatasetError(file, n, `expected 4 ${name}-separated fields (user, item, rating, timestamp), got ${f.length}`);
    }
    const [user, item, rating, timestamp] = f as [string, string, string, string];
    if (!/^\d+$/.test(user)) throw new DatasetError(file, n, `user id "${user}" is not a positive integer`);
    if (!/^\d+$/.test(item)) throw new DatasetError(file, n, `item id "${item}" is not a positive integer`);
    const r = Number(rating);
    if (!(r >= 0.5 && r <= 5)) throw new DatasetError(file, n, `rating "${rating}" is not a number in 0.5-5`);
    const t = Number(timestamp);
    if (!Number.isInteger(t) || t < 0) throw new DatasetError(file, n, `timestamp "${timestamp}" is not unix seconds`);
    ratings.push({ user, item, rating: r, timestamp: t });
  });
  if (ratings.length === 0) throw new DatasetError(file, undefined, 'no ratings in file');
  return ratings;
}

/** Calls `visit` for each non-empty line with its 1-based number. */
function eachLine(file: string, encoding: BufferEncoding, visit: (line: string, n: number) => void): void {
  let text: string;
  try {
    text = readFileSync(file, encoding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`);
  }
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (line.length > 0) visit(line, n + 1);
  }
}

function yearOf(text: string): number | undefined {
  const match = /(?:^|[^\d])(1[89]\d\d|20\d\d)\)?\s*$/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

function movie(id: string, title: string, genres: string[], year: number | undefined): Item {
  // No catalogue rating or rating_count: those would be computed from all ratings, test ones too.
  return { item_id: id, title, content_type: 'movie', genres, languages: [], cast: [], crew: [], regions: [], year, available: true, updated_at: UPDATED_AT };
}

function withRatedItems(items: Item[], ratings: readonly Rating[]): Item[] {
  const known = new Set(items.map((i) => i.item_id));
  for (const r of ratings) {
    if (known.has(r.item)) continue;
    known.add(r.item);
    items.push(movie(r.item, `item ${r.item}`, [], undefined));
  }
  return items;
}
