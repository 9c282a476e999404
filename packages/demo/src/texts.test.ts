import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from './dataset.js';
import { Rng } from './random.js';
import { generatePlot, generateTitle } from './texts.js';
import type { Genre } from './vocabulary.js';

const wordsOf = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function meanJaccard(left: Set<string>[], right: Set<string>[], sameList: boolean): number {
  let sum = 0;
  let pairs = 0;
  left.forEach((a, i) =>
    right.forEach((b, j) => {
      if (sameList && j <= i) return;
      sum += jaccard(a, b);
      pairs++;
    }),
  );
  return sum / pairs;
}

describe('plots', () => {
  it('share more words within a genre than across genres', () => {
    const rng = new Rng(1);
    const plots = (genre: Genre) => Array.from({ length: 40 }, () => wordsOf(generatePlot(rng, [genre], 'en')));
    const scifi = plots('Sci-Fi');
    const romance = plots('Romance');
    const within = meanJaccard(scifi, scifi, true);
    const across = meanJaccard(scifi, romance, false);
    expect(within).toBeGreaterThan(1.3 * across);
  });

  it('in the catalogue, carry genre-specific vocabulary a text model can pick up', () => {
    const { items } = generateDemoDataset({ now: new Date('2026-11-26T06:00:00Z') });
    const sets = items.map((item) => wordsOf(item.plot!));
    // Drop template words found in more than a tenth of all plots, as IDF weighting would.
    const df = new Map<string, number>();
    for (const set of sets) for (const w of set) df.set(w, (df.get(w) ?? 0) + 1);
    const content = sets.map((set) => new Set([...set].filter((w) => df.get(w)! <= sets.length / 10)));
    let same = 0;
    let sameN = 0;
    let other = 0;
    let otherN = 0;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const v = jaccard(content[i]!, content[j]!);
        if (items[i]!.genres[0] === items[j]!.genres[0]) (same += v), sameN++;
        else (other += v), otherN++;
      }
    }
    expect(same / sameN).toBeGreaterThan(4 * (other / otherN));
  });
});

describe('titles', () => {
  it('never repeat, even when the vocabulary runs thin', () => {
    const rng = new Rng(2);
    const taken = new Set<string>();
    const titles = Array.from({ length: 400 }, () => generateTitle(rng, ['Mecha'], 'anime', taken));
    expect(new Set(titles).size).toBe(titles.length);
  });
});
