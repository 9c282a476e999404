// What of an item counts as its "story", and how much each field weighs.
import type { Item } from '@recsys/core';
import type { TextAnalyzer } from './text-analyzer.js';

/**
 * Plot text (and title) beyond this many characters is cut at the last word boundary before it.
 * Plots are a few hundred characters; 20,000 keeps a long synopsis whole and bounds the work an
 * absurd input (a pasted script, a spam payload) can cause.
 */
export const MAX_STORY_TEXT_CHARS = 20_000;
/** At most this many genres, keywords, cast and crew entries each are read from one item. */
export const MAX_STORY_LIST_ENTRIES = 50;

/** Relative weight of each field in an item's term counts. */
export interface StoryFieldWeights {
  plot: number;
  title: number;
  keywords: number;
  genres: number;
  cast: number;
  crew: number;
  /**
   * Multiplies genres, keywords, cast and crew when the item has no plot, so the title does not
   * carry the whole vector alone.
   */
  noPlotBoost: number;
}

export const DEFAULT_STORY_FIELD_WEIGHTS: Readonly<StoryFieldWeights> = {
  plot: 1,
  title: 0.5,
  keywords: 1,
  genres: 1,
  cast: 0.5,
  crew: 0.5,
  noPlotBoost: 2,
};

/** Genres, keywords and people are whole terms ("genre:science fiction"), not split into words. */
export const TERM_PREFIX = { genre: 'genre:', keyword: 'kw:', cast: 'cast:', crew: 'crew:' } as const;

/** True for terms naming a person: they tell titles apart but are not themes of a story. */
export function isPersonTerm(term: string): boolean {
  return term.startsWith(TERM_PREFIX.cast) || term.startsWith(TERM_PREFIX.crew);
}

/** The story fields of an item as the embedding reads them. */
export type StoryText = Pick<Item, 'title' | 'plot' | 'genres' | 'cast' | 'crew' | 'keywords'>;

/** Cuts `text` to at most `max` characters, at a word boundary when there is one near the end. */
export function truncateText(text: string, max = MAX_STORY_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/u);
  return space > max * 0.9 ? cut.slice(0, space) : cut;
}

/**
 * Weighted term counts of an item: Σ over fields of weight · (1 + ln count) per term (sublinear,
 * so a word repeated in a long plot does not drown the rest). Empty when the item has no usable
 * text at all. `surfaces` (optional) collects term → surface word pairs for readable labels.
 */
export function storyTermCounts(
  item: StoryText,
  analyzer: TextAnalyzer,
  weights: Readonly<StoryFieldWeights> = DEFAULT_STORY_FIELD_WEIGHTS,
  surfaces?: (term: string, surface: string) => void,
): Map<string, number> {
  const counts = new Map<string, number>();
  const addField = (terms: readonly string[], weight: number) => {
    if (weight <= 0 || terms.length === 0) return;
    const raw = new Map<string, number>();
    for (const term of terms) raw.set(term, (raw.get(term) ?? 0) + 1);
    for (const [term, n] of raw) counts.set(term, (counts.get(term) ?? 0) + weight * (1 + Math.log(n)));
  };
  const words = (text: string | undefined) => {
    if (!text) return [];
    const truncated = truncateText(text);
    if (!surfaces) return analyzer.terms(truncated);
    const analyzed = analyzer.termsWithSurface(truncated);
    analyzed.terms.forEach((term, i) => surfaces(term, analyzed.surfaces[i]!));
    return analyzed.terms;
  };
  const entities = (prefix: string, values: readonly string[] | undefined) => {
    const out: string[] = [];
    for (const value of (values ?? []).slice(0, MAX_STORY_LIST_ENTRIES)) {
      const name = truncateText(String(value), 200).normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
      if (!name) continue;
      out.push(prefix + name);
      surfaces?.(prefix + name, name);
    }
    return out;
  };

  const plotTerms = words(item.plot);
  const boost = plotTerms.length === 0 ? weights.noPlotBoost : 1;
  addField(plotTerms, weights.plot);
  addField(words(item.title), weights.title);
  const keywords = (item.keywords ?? []).slice(0, MAX_STORY_LIST_ENTRIES);
  // Keywords count as whole phrases and as words, so "time travel" also meets a plot about travel in time.
  addField(entities(TERM_PREFIX.keyword, keywords), weights.keywords * boost);
  addField(words(keywords.join(' ')), weights.keywords * boost * 0.5);
  addField(entities(TERM_PREFIX.genre, item.genres), weights.genres * boost);
  addField(entities(TERM_PREFIX.cast, item.cast), weights.cast * boost);
  addField(entities(TERM_PREFIX.crew, item.crew), weights.crew * boost);
  return counts;
}
