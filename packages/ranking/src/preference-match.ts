import type { UserPreferences } from '@recsys/core';
import type { CatalogView } from './catalog-view.js';

export interface PreferenceMatch {
  /** 0-1: how well the row fits the user's stated genres, languages and content types. */
  score: number;
  /** The stated genre that matched, for the explanation. */
  genre?: string;
  genreShare: number;
}

/** Lower-cased onboarding preferences, prepared once per request. */
export interface PreparedPreferences {
  genres: string[];
  languages: string[];
  contentTypes: string[];
  displayGenre: Map<string, string>;
}

export function preparePreferences(preferences: UserPreferences | undefined): PreparedPreferences | undefined {
  if (!preferences) return undefined;
  const genres = preferences.genres.map((g) => g.toLowerCase());
  if (genres.length + preferences.languages.length + preferences.content_types.length === 0) return undefined;
  return {
    genres,
    languages: preferences.languages.map((l) => l.toLowerCase()),
    contentTypes: [...preferences.content_types],
    displayGenre: new Map(preferences.genres.map((g) => [g.toLowerCase(), g])),
  };
}

/** Stated preferences count only where stated: an unstated dimension scores a neutral 0.5. */
export function matchPreferences(catalog: CatalogView, row: number, prefs: PreparedPreferences): PreferenceMatch {
  const itemGenres = catalog.genreKeys[row]!;
  const matched = itemGenres.filter((g) => prefs.genres.includes(g));
  const genreShare = itemGenres.length ? matched.length / itemGenres.length : 0;
  const genre = prefs.genres.length ? (matched.length ? 0.5 + 0.5 * genreShare : 0) : 0.5;
  const language = prefs.languages.length
    ? catalog.languageKeys[row]!.some((l) => prefs.languages.includes(l))
      ? 1
      : 0
    : 0.5;
  const type = prefs.contentTypes.length ? (prefs.contentTypes.includes(catalog.contentTypeOf(row)) ? 1 : 0) : 0.5;
  return {
    score: 0.6 * genre + 0.2 * language + 0.2 * type,
    genre: matched[0] === undefined ? undefined : (prefs.displayGenre.get(matched[0]) ?? matched[0]),
    genreShare,
  };
}
