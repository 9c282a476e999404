import { mulberry32 } from '@recsys/core';
import { testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { CatalogView } from './catalog-view.js';
import { itemSimilarity, mmrSelect } from './diversity.js';

/** MMR as defined, with itemSimilarity for every pair. */
function referenceMmr(catalog: CatalogView, rows: number[], relevance: number[], limit: number, diversity: number): number[] {
  const picked: number[] = [];
  while (picked.length < Math.min(limit, rows.length)) {
    let best = -1;
    let bestValue = -Infinity;
    rows.forEach((row, i) => {
      if (picked.includes(i)) return;
      const maxSim = Math.max(0, ...picked.map((p) => itemSimilarity(catalog, rows[p]!, row)));
      const value = (1 - diversity) * relevance[i]! - diversity * maxSim;
      if (value > bestValue) [best, bestValue] = [i, value];
    });
    picked.push(best);
  }
  return picked;
}

function randomCatalog(seed: number, genreCount: number, repeats: boolean): CatalogView {
  const random = mulberry32(seed);
  const genres = Array.from({ length: genreCount }, (_, g) => `Genre ${g}`);
  return new CatalogView(
    Array.from({ length: 300 }, (_, i) => {
      const own = Array.from({ length: Math.floor(random() * 4) }, () => genres[Math.floor(random() * genres.length)]!);
      if (repeats && own.length > 0 && random() < 0.2) own.push(own[0]!.toUpperCase());
      return testItem(`i${i}`, {
        genres: repeats ? own : [...new Set(own)],
        content_type: random() < 0.5 ? 'movie' : 'series',
        year: random() < 0.1 ? undefined : 1950 + Math.floor(random() * 70),
      });
    }),
  );
}

describe('mmrSelect', () => {
  it('picks what MMR over itemSimilarity picks, for few genres, more than 31, and repeated ones', () => {
    for (const [genreCount, repeats] of [[8, false], [60, false], [8, true]] as const) {
      for (let seed = 1; seed <= 20; seed++) {
        const catalog = randomCatalog(seed * 7 + genreCount, genreCount, repeats);
        const random = mulberry32(seed);
        const rows = Array.from({ length: 50 }, () => Math.floor(random() * catalog.size));
        // Coarse relevance, sorted best first, so ties between similarity terms decide picks.
        const relevance = rows.map(() => Math.round(random() * 10) / 10).sort((a, b) => b - a);
        for (const diversity of [0, 0.3, 0.6, 1]) {
          expect(mmrSelect(catalog, rows, relevance, 10, diversity)).toEqual(referenceMmr(catalog, rows, relevance, 10, diversity));
        }
      }
    }
  });
});
