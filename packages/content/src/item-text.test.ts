import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_STORY_TEXT_CHARS, storyTermCounts, truncateText } from './item-text.js';
import { loadTextAnalyzer, type TextAnalyzer } from './text-analyzer.js';

let analyzer: TextAnalyzer;
beforeAll(async () => {
  analyzer = await loadTextAnalyzer();
});

const base = { title: 'Untitled', genres: [] as string[], cast: [] as string[], crew: [] as string[] };

describe('story text', () => {
  it('truncates absurdly long text at the documented limit, on a word boundary', () => {
    const long = 'galaxy '.repeat(10_000);
    const cut = truncateText(long);
    expect(cut.length).toBeLessThanOrEqual(MAX_STORY_TEXT_CHARS);
    expect(cut.length).toBeGreaterThan(MAX_STORY_TEXT_CHARS - 10);
    expect(cut.endsWith('galaxy')).toBe(true);
    expect(truncateText('short')).toBe('short');
    // A text with no spaces is cut hard.
    expect(truncateText('x'.repeat(30_000))).toHaveLength(MAX_STORY_TEXT_CHARS);
  });

  it('reads an 800 kB plot quickly and only its first 20,000 characters', () => {
    const plot = 'astronaut '.repeat(2_000) + 'romance '.repeat(100_000);
    const started = performance.now();
    const counts = storyTermCounts({ ...base, plot }, analyzer);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(counts.has('astronaut')).toBe(true);
    expect(counts.has('romanc')).toBe(false);
  });

  it('falls back to genres and cast when the plot is missing or empty', () => {
    for (const plot of [undefined, '', '   ', '...']) {
      const counts = storyTermCounts({ ...base, plot, genres: ['Sci-Fi'], cast: ['Sigourney Weaver'] }, analyzer);
      expect(counts.get('genre:sci-fi')).toBe(2);
      expect(counts.get('cast:sigourney weaver')).toBe(1);
    }
    const withPlot = storyTermCounts({ ...base, plot: 'An alien hunts', genres: ['Sci-Fi'] }, analyzer);
    expect(withPlot.get('genre:sci-fi')).toBe(1);
    expect(withPlot.has('alien')).toBe(true);
  });

  it('keeps genres, keywords and people whole and weights fields', () => {
    const counts = storyTermCounts(
      { title: 'Gravity', plot: 'Space debris', genres: ['Science Fiction'], cast: ['Sandra  Bullock'], crew: ['Alfonso Cuarón'], keywords: ['space station'] },
      analyzer,
    );
    expect(counts.get('genre:science fiction')).toBe(1);
    expect(counts.get('cast:sandra bullock')).toBe(0.5);
    expect(counts.get('crew:alfonso cuarón')).toBe(0.5);
    expect(counts.get('kw:space station')).toBe(1);
    // "space" from the plot (1) and from the keyword's words (0.5).
    expect(counts.get('space')).toBe(1.5);
    expect(counts.get('graviti')).toBe(0.5);
  });

  it('gives an item with no text at all no terms', () => {
    expect(storyTermCounts({ title: '', genres: [], cast: [], crew: [] }, analyzer).size).toBe(0);
  });
});
