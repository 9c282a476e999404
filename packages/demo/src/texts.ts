// Titles and plots from templates filled with genre vocabulary. The first sentence always speaks
// the primary genre's language; later ones may borrow from the secondary genres.

import type { ContentType } from '@recsys/core';
import { givenName, type Language } from './names.js';
import type { Rng } from './random.js';
import { VOCABULARY, type Genre, type GenreVocabulary } from './vocabulary.js';

const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);
const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

interface Slots {
  v: GenreVocabulary;
  name: string;
}

type Template = (rng: Rng, s: Slots) => string;

const OPENINGS: Template[] = [
  (r, { v }) => `When ${r.pick(v.event)}, ${article(r.pick(v.who))} in ${r.pick(v.where)} must ${r.pick(v.goal)}.`,
  (r, { v, name }) => `${capitalise(article(r.pick(v.who)))} named ${name} sets out to ${r.pick(v.goal)} in ${r.pick(v.where)}.`,
  (r, { v, name }) => `In ${r.pick(v.where)}, ${name}, ${article(r.pick(v.who))}, learns that ${r.pick(v.event)}.`,
];

const FOLLOW_UPS: Template[] = [
  (r, { v, name }) => `Together with ${article(r.pick(v.who))}, ${name} has to ${r.pick(v.goal)}.`,
  (r, { v, name }) => `${name} teams up with ${article(r.pick(v.who))} as ${r.pick(v.event)}.`,
  (r, { v }) => `Soon ${r.pick(v.event)}, and the journey leads to ${r.pick(v.where)}.`,
];

const CLOSINGS: Template[] = [
  (r, { v }) => {
    const [a, b] = r.sample(v.theme, 2);
    return `A story of ${a} and ${b}.`;
  },
  (r, { v }) => `At its heart it is about ${r.pick(v.theme)}.`,
];

/** A 1-3 sentence plot for an item with these genres (primary first). */
export function generatePlot(rng: Rng, genres: readonly Genre[], language: Language): string {
  const primary = VOCABULARY[genres[0] as Genre];
  const secondary = VOCABULARY[(genres[1] ?? genres[0]) as Genre];
  const tertiary = VOCABULARY[(genres[2] ?? genres[0]) as Genre];
  const name = givenName(rng, language);
  const sentences = [rng.pick(OPENINGS)(rng, { v: primary, name })];
  const count = rng.weighted({ 1: 0.2, 2: 0.45, 3: 0.35 });
  if (count !== '1') sentences.push(rng.pick(FOLLOW_UPS)(rng, { v: secondary, name }));
  if (count === '3') sentences.push(rng.pick(CLOSINGS)(rng, { v: rng.chance(0.5) ? primary : tertiary, name }));
  return sentences.join(' ');
}

const ANIME_SUFFIXES = ['Academy', 'Chronicle', 'Saga', 'Record', 'Diaries', 'Story'];

type TitlePattern = (r: Rng, p: GenreVocabulary, s: GenreVocabulary) => string;

const TITLE_PATTERNS: TitlePattern[] = [
  (r, p) => `${r.pick(p.adj)} ${r.pick(p.noun)}`,
  (r, p, s) => `The ${r.pick(p.adj)} ${r.pick(s.noun)}`,
  (r, p, s) => `${r.pick(p.noun)} of the ${r.pick(s.adj)} ${r.pick(s.noun)}`,
  (r, p, s) => `${r.pick(p.noun)} and ${r.pick(s.noun)}`,
  (r, p, s) => `${r.pick(p.adj)} ${r.pick(p.noun)}: ${r.pick(s.adj)} ${r.pick(s.noun)}`,
];

const ROMAN = ['II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'];

/** A title not yet in `taken` (which it then joins). */
export function generateTitle(
  rng: Rng,
  genres: readonly Genre[],
  contentType: ContentType,
  taken: Set<string>,
): string {
  const p = VOCABULARY[genres[0] as Genre];
  const s = VOCABULARY[(genres[1] ?? genres[0]) as Genre];
  let title = '';
  for (let attempt = 0; attempt < 30; attempt++) {
    title = rng.pick(TITLE_PATTERNS)(rng, p, s);
    if (contentType === 'anime' && rng.chance(0.4)) title += ` ${rng.pick(ANIME_SUFFIXES)}`;
    if (!taken.has(title)) break;
  }
  // Still a clash after many draws: number it like a sequel.
  const base = title;
  for (let i = 0; taken.has(title); i++) title = `${base} ${ROMAN[i] ?? i + 2}`;
  taken.add(title);
  return title;
}
