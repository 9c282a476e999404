import { CONTENT_TYPES, type ContentType, type Item } from '@recsys/core';

/**
 * A column-oriented snapshot of the catalogue for the ranking hot path: rows are positions in
 * `items`; filters and diversity read typed arrays instead of walking item objects.
 */
export class CatalogView {
  readonly size: number;
  readonly available: Uint8Array;
  readonly contentType: Uint8Array;
  /** Release decade (e.g. 1990), 0 when unknown. */
  readonly decade: Int16Array;
  /** Lower-cased genres per row, for matching filters and preferences case-insensitively. */
  readonly genreKeys: readonly (readonly string[])[];
  readonly languageKeys: readonly (readonly string[])[];
  private readonly rows: Map<string, number>;

  constructor(readonly items: readonly Item[]) {
    const n = items.length;
    this.size = n;
    this.available = new Uint8Array(n);
    this.contentType = new Uint8Array(n);
    this.decade = new Int16Array(n);
    this.rows = new Map();
    const genres: (readonly string[])[] = [];
    const languages: (readonly string[])[] = [];
    // Titles share a few hundred genre and language combinations: one array per combination, not
    // per title (two arrays per title came to ~11 MB at 100k titles).
    const shared = new Map<string, readonly string[]>();
    const keysOf = (values: readonly string[]): readonly string[] => {
      const keys = values.map((v) => v.toLowerCase());
      const id = JSON.stringify(keys);
      let known = shared.get(id);
      if (!known) shared.set(id, (known = keys));
      return known;
    };
    items.forEach((item, row) => {
      this.rows.set(item.item_id, row);
      this.available[row] = item.available ? 1 : 0;
      this.contentType[row] = CONTENT_TYPES.indexOf(item.content_type);
      const year = item.year ?? (item.release_date ? Number.parseInt(item.release_date.slice(0, 4), 10) : NaN);
      this.decade[row] = Number.isFinite(year) ? Math.floor(year / 10) * 10 : 0;
      genres.push(keysOf(item.genres));
      languages.push(keysOf(item.languages));
    });
    this.genreKeys = genres;
    this.languageKeys = languages;
  }

  rowOf(itemId: string): number | undefined {
    return this.rows.get(itemId);
  }

  contentTypeOf(row: number): ContentType {
    return CONTENT_TYPES[this.contentType[row]!]!;
  }
}
