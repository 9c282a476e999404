import type { CatalogView } from './catalog-view.js';

/** Similarity of two rows for diversity: shared genres, same content type, same decade. */
export function itemSimilarity(catalog: CatalogView, a: number, b: number): number {
  const ga = catalog.genreKeys[a]!;
  const gb = catalog.genreKeys[b]!;
  let shared = 0;
  for (const g of ga) if (gb.includes(g)) shared++;
  const union = ga.length + gb.length - shared;
  return similarityOf(union === 0 ? 0 : shared / union, catalog.contentType[a]!, catalog.contentType[b]!, catalog.decade[a]!, catalog.decade[b]!);
}

/** Genre overlap (Jaccard, 0-1) weighs 0.6, the same content type 0.2, the same known decade 0.2. */
function similarityOf(genre: number, typeA: number, typeB: number, decadeA: number, decadeB: number): number {
  return 0.6 * genre + 0.2 * (typeA === typeB ? 1 : 0) + 0.2 * (decadeA !== 0 && decadeA === decadeB ? 1 : 0);
}

/**
 * Maximal marginal relevance: greedily picks the row with the best
 * (1 - diversity) * relevance - diversity * (max similarity to rows already picked).
 * With diversity 0 this is the relevance order. `rows` must be sorted by relevance, best first.
 */
export function mmrSelect(
  catalog: CatalogView,
  rows: ArrayLike<number>,
  relevance: ArrayLike<number>,
  limit: number,
  diversity: number,
): number[] {
  if (diversity <= 0) return Array.from({ length: Math.min(limit, rows.length) }, (_, i) => i);
  const masks = genreMasks(catalog, rows);
  // The shortlist's types and decades side by side: each pick compares it with every other row.
  const types = new Int32Array(rows.length);
  const decades = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    types[i] = catalog.contentType[rows[i]!]!;
    decades[i] = catalog.decade[rows[i]!]!;
  }
  const picked: number[] = [];
  const maxSim = new Float64Array(rows.length);
  const used = new Uint8Array(rows.length);
  while (picked.length < Math.min(limit, rows.length)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < rows.length; i++) {
      if (used[i]) continue;
      const value = (1 - diversity) * relevance[i]! - diversity * maxSim[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    used[best] = 1;
    picked.push(best);
    for (let i = 0; i < rows.length; i++) {
      if (used[i]) continue;
      let s: number;
      if (masks) {
        // itemSimilarity, with the genre sets as masks.
        const union = bitCount(masks[best]! | masks[i]!);
        const genre = union === 0 ? 0 : bitCount(masks[best]! & masks[i]!) / union;
        s = similarityOf(genre, types[best]!, types[i]!, decades[best]!, decades[i]!);
      } else s = itemSimilarity(catalog, rows[best]!, rows[i]!);
      if (s > maxSim[i]!) maxSim[i] = s;
    }
  }
  return picked;
}

/**
 * The rows' genre sets as bit masks over the genres they use, or undefined when those are more
 * than 31 or a row repeats one (itemSimilarity then counts it twice). Masks instead of two array
 * scans per pair, with types and decades copied out: mmrSelect 20 → 12 µs on a 50-row shortlist.
 */
function genreMasks(catalog: CatalogView, rows: ArrayLike<number>): Int32Array | undefined {
  const bits = new Map<string, number>();
  const masks = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    let mask = 0;
    for (const genre of catalog.genreKeys[rows[i]!]!) {
      let bit = bits.get(genre);
      if (bit === undefined) {
        if (bits.size === 31) return undefined;
        bits.set(genre, (bit = bits.size));
      }
      if (mask & (1 << bit)) return undefined;
      mask |= 1 << bit;
    }
    masks[i] = mask;
  }
  return masks;
}

function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Names the bucket an item falls in: primary genre | release decade | popularity tier. */
export function diversityCategory(catalog: CatalogView, row: number, popularityRank: number): string {
  const genre = catalog.genreKeys[row]![0]?.replace(/\s+/g, '-') ?? 'unknown';
  const decade = catalog.decade[row] ? `${catalog.decade[row]}s` : 'unknown';
  const share = popularityRank / Math.max(1, catalog.size);
  const tier = share <= 0.1 ? 'popular' : share <= 0.5 ? 'mid' : 'long-tail';
  return `${genre}|${decade}|${tier}`;
}
