import type { ContentType } from '@recsys/core';
import type { CatalogView } from './catalog-view.js';

export interface FilterSpec {
  contentTypes?: readonly ContentType[];
  /** Lower-cased; an item passes when it has any of them. */
  languages?: readonly string[];
  /** Lower-cased; an item passes when it has any of them. */
  genres?: readonly string[];
  /** Rows never to return: watched, rejected, excluded by the caller. */
  blockedRows: ReadonlySet<number>;
}

/** Hard filters: a row that fails one is never returned, whatever its score. */
export function createRowFilter(catalog: CatalogView, spec: FilterSpec): (row: number) => boolean {
  const types = spec.contentTypes?.length ? new Set(spec.contentTypes) : undefined;
  const languages = spec.languages?.length ? spec.languages : undefined;
  const genres = spec.genres?.length ? spec.genres : undefined;
  return (row) =>
    catalog.available[row] === 1 &&
    !spec.blockedRows.has(row) &&
    (!types || types.has(catalog.contentTypeOf(row))) &&
    (!languages || catalog.languageKeys[row]!.some((l) => languages.includes(l))) &&
    (!genres || catalog.genreKeys[row]!.some((g) => genres.includes(g)));
}
