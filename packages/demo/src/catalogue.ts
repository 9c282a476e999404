// The demo catalogue: items of all four content types with a mix of genres and languages that
// gives every persona a pool of a few dozen items to like, plus a long tail of popularity.

import type { ContentType, Item } from '@recsys/core';
import { buildRoster, type Language, type PeopleRoster } from './names.js';
import type { Rng } from './random.js';
import { generatePlot, generateTitle } from './texts.js';
import { VOCABULARY, type Genre } from './vocabulary.js';

type Weights<K extends string> = Partial<Record<K, number>>;

interface TypeProfile {
  prefix: string;
  count: number;
  languages: Weights<Language>;
  genres: Weights<Genre>;
  /** Runtime of the film or of one episode, in minutes. */
  minutes: [number, number];
  episodes?: [number, number];
}

const PROFILES: Record<ContentType, TypeProfile> = {
  movie: {
    prefix: 'm',
    count: 240,
    languages: { en: 70, fr: 8, es: 8, ko: 8, ja: 6 },
    genres: {
      Action: 12, Adventure: 6, Animation: 8, Comedy: 9, Crime: 6, Documentary: 12, Drama: 10,
      Family: 6, Fantasy: 5, Horror: 10, Mystery: 4, Romance: 9, 'Sci-Fi': 15, Thriller: 7,
    },
    minutes: [80, 180],
  },
  series: {
    prefix: 's',
    count: 150,
    languages: { en: 52, ko: 30, es: 8, fr: 6, ja: 4 },
    genres: {
      Crime: 14, Drama: 10, Thriller: 8, Mystery: 7, 'Sci-Fi': 12, Comedy: 6, Romance: 6, Fantasy: 6,
      Horror: 5, Action: 5, Documentary: 9, Adventure: 2,
    },
    minutes: [40, 60],
    episodes: [6, 80],
  },
  tv_show: {
    prefix: 't',
    count: 70,
    languages: { en: 64, ko: 18, es: 8, fr: 8, ja: 2 },
    genres: {
      Comedy: 10, Documentary: 18, Family: 9, Animation: 9, Crime: 5, Drama: 4, Mystery: 3, Romance: 3,
      Horror: 1,
    },
    minutes: [20, 60],
    episodes: [8, 200],
  },
  anime: {
    prefix: 'a',
    count: 100,
    languages: { ja: 94, ko: 6 },
    genres: {
      Action: 10, Fantasy: 9, 'Sci-Fi': 7, Mecha: 9, 'Slice of Life': 8, Romance: 5, Comedy: 5,
      Adventure: 6, Mystery: 3, Horror: 2, Drama: 3,
    },
    minutes: [22, 26],
    episodes: [12, 150],
  },
};

/** Korean live-action titles lean to romance and drama (the k-drama shelf). */
const KOREAN_GENRES: Weights<Genre> = {
  Romance: 10, Drama: 8, Thriller: 3, Comedy: 3, Fantasy: 2, Crime: 2, Horror: 1, 'Slice of Life': 1,
};

const HOME_REGIONS: Record<Language, string[]> = {
  en: ['US', 'GB', 'CA', 'AU'],
  ja: ['JP'],
  ko: ['KR'],
  es: ['ES', 'MX', 'AR'],
  fr: ['FR', 'BE', 'CA'],
};
const WORLDWIDE_REGIONS = ['US', 'GB', 'DE', 'BR', 'IN'];
/** Items above this many ratings are distributed worldwide. */
const WORLDWIDE_RATING_COUNT = 10_000;

const YEAR_MIN = 1975;
const YEAR_MAX = 2026;

export interface CatalogueOptions {
  /** Stamped as `updated_at` on every item. */
  updatedAt: string;
}

export function generateCatalogue(rng: Rng, options: CatalogueOptions): Item[] {
  const roster = buildRoster(rng);
  const titles = new Set<string>();
  const items: Item[] = [];
  for (const type of Object.keys(PROFILES) as ContentType[]) {
    const profile = PROFILES[type];
    for (let i = 1; i <= profile.count; i++) {
      const id = `${profile.prefix}${String(i).padStart(4, '0')}`;
      items.push(generateItem(rng, id, type, profile, roster, titles, options.updatedAt));
    }
  }
  return items;
}

function generateItem(
  rng: Rng,
  item_id: string,
  content_type: ContentType,
  profile: TypeProfile,
  roster: PeopleRoster,
  titles: Set<string>,
  updated_at: string,
): Item {
  const language = rng.weighted(profile.languages as Record<Language, number>);
  const genres = pickGenres(rng, content_type, language, profile);
  // A latent popularity drives both how many ratings an item has and, a little, how good it is.
  const popularity = rng.normal();
  const rating_count = Math.max(5, Math.round(Math.exp(7.6 + 1.5 * popularity)));
  const rating = round1(clamp(6.9 + 0.25 * popularity + 0.6 * rng.normal(), 5.5, 9.2));
  // Skewed towards recent years, as catalogues are.
  const year = YEAR_MAX - Math.floor((YEAR_MAX - YEAR_MIN + 1) * rng.float() ** 1.7);
  const release_date = `${year}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
  const languages = language !== 'en' && rng.chance(0.35) ? [language, 'en'] : [language];
  const regions = new Set(rng.sample(HOME_REGIONS[language], rng.int(1, HOME_REGIONS[language].length)));
  if (languages.includes('en')) ['US', 'GB'].forEach((r) => regions.add(r));
  if (rating_count > WORLDWIDE_RATING_COUNT) WORLDWIDE_REGIONS.forEach((r) => regions.add(r));
  const [minMinutes, maxMinutes] = profile.minutes;
  const duration_minutes =
    content_type === 'movie'
      ? Math.round(clamp(108 + 22 * rng.normal(), minMinutes, maxMinutes))
      : rng.int(minMinutes, maxMinutes);
  const themes = [...new Set(genres.flatMap((g) => VOCABULARY[g].theme))];
  const item: Item = {
    item_id,
    title: generateTitle(rng, genres, content_type, titles),
    content_type,
    plot: generatePlot(rng, genres, language),
    genres,
    languages,
    cast: rng.sample(roster.actors[language], rng.int(3, 5)),
    crew: rng.sample(roster.crew[language], rng.int(2, 3)),
    keywords: rng.sample(themes, rng.int(2, 3)),
    release_date,
    year,
    rating,
    rating_count,
    regions: [...regions],
    duration_minutes,
    available: true,
    updated_at,
  };
  if (profile.episodes) item.episodes = rng.int(...profile.episodes);
  return item;
}

function pickGenres(rng: Rng, type: ContentType, language: Language, profile: TypeProfile): Genre[] {
  const table = language === 'ko' && type !== 'anime' ? KOREAN_GENRES : profile.genres;
  const primary = rng.weighted(table as Record<Genre, number>);
  const extra = rng.weighted({ 0: 0.3, 1: 0.5, 2: 0.2 });
  return [primary, ...rng.sample(VOCABULARY[primary].companions, Number(extra))];
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const round1 = (x: number): number => Math.round(x * 10) / 10;
const pad2 = (n: number): string => String(n).padStart(2, '0');
