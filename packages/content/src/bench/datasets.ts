// Readers for the public datasets the story benchmark runs on, turned into catalogue items.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Item } from '@recsys/core';
import { mulberry32 } from '@recsys/models';
import { parseCsvRecords } from './csv.js';

const UPDATED_AT = '2024-01-01T00:00:00.000Z';

function item(fields: Partial<Item> & Pick<Item, 'item_id' | 'title'>): Item {
  return { content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [], available: true, updated_at: UPDATED_AT, ...fields };
}

const list = (value: string | undefined, separator: string) =>
  (value ?? '')
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * MovieLens-1M movies joined to TMDB overviews (movies.csv: ML id, title, genres in columns 0-2,
 * director in `credits`, plot in `overview`). Of the three ML ids matched twice, the row whose
 * `movieId` equals the ML id is kept.
 */
export function readMovieLensOverviews(dataDir: string): Item[] {
  const records = parseCsvRecords(readFileSync(join(dataDir, 'movielens-1m-tmdb-overviews/movies.csv'), 'utf8'));
  const byId = new Map<string, Record<string, string>>();
  for (const r of records) {
    const id = r['0']!;
    const exact = Number.parseFloat(r.movieId ?? '') === Number(id);
    if (!byId.has(id) || exact) byId.set(id, r);
  }
  return [...byId.values()].map((r) => {
    const year = /\((\d{4})\)\s*$/.exec(r['1'] ?? '')?.[1];
    return item({
      item_id: r['0']!,
      title: r['1']!,
      plot: r.overview || undefined,
      genres: list(r['2'], '|'),
      crew: list(r.credits, ','),
      year: year ? Number(year) : undefined,
    });
  });
}

export interface Rating {
  user: string;
  item: string;
  rating: number;
  /** Epoch milliseconds. */
  at: number;
}

/** MovieLens `user::movie::rating::seconds` lines. */
export function readMovieLensRatings(dataDir: string, file = 'movielens-1m/ratings.partial-users-0001-2999.dat'): Rating[] {
  const out: Rating[] = [];
  for (const line of readFileSync(join(dataDir, file), 'utf8').split('\n')) {
    const [user, item, rating, seconds] = line.split('::');
    if (!user || !item || !rating || !seconds) continue;
    out.push({ user, item, rating: Number(rating), at: Number(seconds) * 1000 });
  }
  return out;
}

/** The Netflix titles catalogue: description as plot, listed_in as genres, director as crew. */
export function readNetflixTitles(dataDir: string): Item[] {
  const records = parseCsvRecords(readFileSync(join(dataDir, 'netflix-titles/netflix_titles.csv'), 'utf8'));
  return records.map((r) =>
    item({
      item_id: r.show_id!,
      title: r.title!,
      content_type: r.type === 'TV Show' ? 'tv_show' : 'movie',
      plot: r.description || undefined,
      genres: list(r.listed_in, ','),
      cast: list(r.cast, ','),
      crew: list(r.director, ','),
      year: Number(r.release_year) || undefined,
    }),
  );
}

/**
 * A synthetic catalogue of `n` items for scale tests: 200 latent topics over a Zipf-distributed
 * vocabulary of 40,000 made-up words, plots of 20-60 words, 1-3 of 25 genres, 4 cast members from
 * 60,000 names. Text statistics close to real plot blurbs, no meaning.
 */
export function generateCatalogue(n: number, seed = 7): Item[] {
  const random = mulberry32(seed);
  const syllables = ['ka', 'lo', 'mi', 'ra', 'ten', 'vo', 'sha', 'dri', 'nel', 'qua', 'po', 'zu', 'bre', 'fin', 'gor', 'hal', 'ix', 'jun', 'mer', 'tas'];
  const word = (i: number) => {
    let w = '';
    let x = i + 1;
    while (x > 0) {
      w += syllables[x % syllables.length];
      x = Math.floor(x / syllables.length);
    }
    return w;
  };
  const vocabulary = Array.from({ length: 40_000 }, (_, i) => word(i));
  // Zipf(1) sampling by inverse CDF over ranks.
  const harmonic = new Float64Array(vocabulary.length);
  for (let i = 0, s = 0; i < vocabulary.length; i++) harmonic[i] = s += 1 / (i + 1);
  const zipf = () => {
    const target = random() * harmonic[harmonic.length - 1]!;
    let lo = 0;
    let hi = harmonic.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (harmonic[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const topics = Array.from({ length: 200 }, () => Array.from({ length: 30 }, () => vocabulary[100 + Math.floor(random() * 20_000)]!));
  const genres = Array.from({ length: 25 }, (_, i) => `Genre ${i}`);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const topic = topics[Math.floor(random() * topics.length)]!;
    const length = 20 + Math.floor(random() * 40);
    const words: string[] = [];
    for (let w = 0; w < length; w++) words.push(random() < 0.3 ? topic[Math.floor(random() * topic.length)]! : vocabulary[zipf()]!);
    out.push(
      item({
        item_id: `g${i}`,
        title: `${vocabulary[zipf()]} ${vocabulary[zipf()]}`,
        plot: words.join(' '),
        genres: Array.from({ length: 1 + Math.floor(random() * 3) }, () => genres[Math.floor(random() * genres.length)]!),
        cast: Array.from({ length: 4 }, () => `Person ${Math.floor(random() * 60_000)}`),
      }),
    );
  }
  return out;
}
