// Personas: the tastes planted in the synthetic users. An item is "on taste" for a user when it
// matches every non-empty list of the user's preferences (content type, language, genre).

import { CONTENT_TYPES, type ContentType, type Item, type UserPreferences } from '@recsys/core';

export interface DemoPersona {
  id: string;
  description: string;
  genres: readonly string[];
  /** Empty: any language. */
  languages: readonly string[];
  content_types: readonly ContentType[];
  countries: readonly string[];
  age_buckets: readonly string[];
  /** Eclectic users get this many genres of their own instead of the persona's. */
  random_genres?: number;
}

const ALL_TYPES = CONTENT_TYPES;

export const DEMO_PERSONAS: readonly DemoPersona[] = [
  {
    id: 'anime-fan',
    description: 'Watches Japanese anime: action, fantasy, sci-fi, mecha and slice of life.',
    genres: ['Action', 'Fantasy', 'Sci-Fi', 'Mecha', 'Slice of Life', 'Adventure'],
    languages: ['ja'],
    content_types: ['anime'],
    countries: ['JP', 'US', 'FR', 'BR'],
    age_buckets: ['18-24', '25-34'],
  },
  {
    id: 'scifi-buff',
    description: 'Science fiction films and series, any language.',
    genres: ['Sci-Fi'],
    languages: [],
    content_types: ['movie', 'series'],
    countries: ['US', 'GB', 'DE', 'CA'],
    age_buckets: ['25-34', '35-44'],
  },
  {
    id: 'crime-binger',
    description: 'Binges crime, thriller and mystery series and shows.',
    genres: ['Crime', 'Thriller', 'Mystery'],
    languages: [],
    content_types: ['series', 'tv_show'],
    countries: ['GB', 'US', 'ES', 'DE'],
    age_buckets: ['35-44', '45-54'],
  },
  {
    id: 'romcom-lover',
    description: 'Romantic comedies and romances on film, in English, French or Spanish.',
    genres: ['Romance', 'Comedy'],
    languages: ['en', 'fr', 'es'],
    content_types: ['movie'],
    countries: ['US', 'FR', 'ES', 'MX'],
    age_buckets: ['25-34', '35-44'],
  },
  {
    id: 'family-viewer',
    description: 'Animated and family films and shows to watch with the kids.',
    genres: ['Animation', 'Family'],
    languages: [],
    content_types: ['movie', 'tv_show'],
    countries: ['US', 'GB', 'CA', 'AU'],
    age_buckets: ['35-44'],
  },
  {
    id: 'horror-fan',
    description: 'Horror and thrillers, films and series.',
    genres: ['Horror', 'Thriller'],
    languages: [],
    content_types: ['movie', 'series'],
    countries: ['US', 'GB', 'MX'],
    age_buckets: ['18-24', '25-34'],
  },
  {
    id: 'documentary-nerd',
    description: 'Documentaries in every format.',
    genres: ['Documentary'],
    languages: [],
    content_types: ['movie', 'tv_show', 'series'],
    countries: ['GB', 'DE', 'FR', 'US'],
    age_buckets: ['45-54', '55+'],
  },
  {
    id: 'k-drama-fan',
    description: 'Korean romance and drama, mostly series.',
    genres: ['Romance', 'Drama'],
    languages: ['ko'],
    content_types: ['series', 'tv_show', 'movie'],
    countries: ['KR', 'US', 'PH', 'ID'],
    age_buckets: ['18-24', '25-34', '35-44'],
  },
  {
    id: 'action-junkie',
    description: 'Action and adventure films and series.',
    genres: ['Action', 'Adventure'],
    languages: [],
    content_types: ['movie', 'series'],
    countries: ['US', 'IN', 'BR', 'GB'],
    age_buckets: ['18-24', '25-34'],
  },
  {
    id: 'eclectic',
    description: 'A mixed taste: three genres of their own, any type and language.',
    genres: [],
    languages: [],
    content_types: ALL_TYPES,
    countries: ['US', 'GB', 'DE', 'FR', 'JP'],
    age_buckets: ['25-34', '35-44', '45-54'],
    random_genres: 3,
  },
];

export type Taste = Pick<UserPreferences, 'genres' | 'languages' | 'content_types'>;

/** Whether the item fits the taste: every non-empty list of the taste must overlap the item. */
export function matchesTaste(taste: Taste, item: Item): boolean {
  if (taste.content_types.length > 0 && !taste.content_types.includes(item.content_type)) return false;
  if (taste.languages.length > 0 && !item.languages.some((l) => taste.languages.includes(l))) return false;
  if (taste.genres.length > 0 && !item.genres.some((g) => taste.genres.includes(g))) return false;
  return true;
}
