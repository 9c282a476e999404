// Words → index terms: the `natural` tokeniser and Porter stemmers, made safe for any script.
// `natural` takes about a second to load, so it is imported on first use, never at module top.

/** Turns free text into stemmed index terms (and the surface words they came from). */
export interface TextAnalyzer {
  /** Stemmed, lower-cased terms in text order; stop words, 1-letter words and bare numbers dropped. */
  terms(text: string): string[];
  /** Like `terms`, with the normalised surface word of each term alongside (for readable labels). */
  termsWithSurface(text: string): { terms: string[]; surfaces: string[] };
}

/** The part of `natural` used here. */
interface Natural {
  RegexpTokenizer: new (options: { pattern: RegExp }) => { tokenize(text: string): string[] };
  PorterStemmer: { stem(word: string): string };
  PorterStemmerRu: { stem(word: string): string };
  stopwords: string[];
}

// A variable specifier keeps the type checker out of natural's sources: its published typings
// lead to a .ts file that does not compile under this project's settings.
const NATURAL = 'natural';

let loading: Promise<TextAnalyzer> | undefined;

/** The shared analyzer; the first call loads `natural` (once per process). */
export function loadTextAnalyzer(): Promise<TextAnalyzer> {
  loading ??= (async () => {
    // natural pulls in dotenv, which prints an advertisement on load unless told to be quiet.
    process.env.DOTENV_CONFIG_QUIET ??= 'true';
    const natural = ((await import(NATURAL)) as { default: Natural }).default;
    return new NaturalTextAnalyzer(natural);
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

// Scripts written without spaces between words: a run becomes overlapping character bigrams, the
// usual fallback for CJK indexing without a dictionary.
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u30fc]+$/u;
const LATIN = /^[\p{Script=Latin}\p{M}]+$/u;
const CYRILLIC = /^[\p{Script=Cyrillic}\p{M}]+$/u;
const DIGITS = /^\p{N}+$/u;
const ASCII_WORD = /^[a-z]+$/;
/** Stems are cached; the map is cleared when it grows past this many words. */
const STEM_CACHE_LIMIT = 200_000;

class NaturalTextAnalyzer implements TextAnalyzer {
  private readonly tokenizer: { tokenize(text: string): string[] };
  private readonly stopwords: Set<string>;
  private readonly stems = new Map<string, string>();

  constructor(private readonly natural: Natural) {
    // Splitting on anything that is not a letter, mark or digit keeps accented, Cyrillic, Greek,
    // Arabic, Devanagari… words whole (natural's default word tokenisers drop non-ASCII letters).
    this.tokenizer = new natural.RegexpTokenizer({ pattern: /[^\p{L}\p{M}\p{N}]+/u });
    this.stopwords = new Set(natural.stopwords);
  }

  terms(text: string): string[] {
    return this.analyze(text, undefined);
  }

  termsWithSurface(text: string): { terms: string[]; surfaces: string[] } {
    const surfaces: string[] = [];
    return { terms: this.analyze(text, surfaces), surfaces };
  }

  private analyze(text: string, surfaces: string[] | undefined): string[] {
    const out: string[] = [];
    const emit = (term: string, surface: string) => {
      out.push(term);
      surfaces?.push(surface);
    };
    for (const raw of this.tokenizer.tokenize(text.normalize('NFKC').toLowerCase())) {
      if (!raw) continue;
      // Fast path for the common case, plain ASCII words.
      if (ASCII_WORD.test(raw)) {
        if (raw.length >= 2 && !this.stopwords.has(raw)) emit(this.stem(raw), raw);
        continue;
      }
      if (DIGITS.test(raw)) continue;
      if (UNSPACED.test(raw)) {
        const chars = Array.from(raw);
        if (chars.length === 1) emit(raw, raw);
        for (let i = 0; i + 1 < chars.length; i++) {
          const bigram = chars[i]! + chars[i + 1]!;
          emit(bigram, bigram);
        }
        continue;
      }
      const word = LATIN.test(raw) ? raw.normalize('NFD').replace(/\p{M}/gu, '') : raw;
      if (word.length < 2 || this.stopwords.has(word)) continue;
      emit(this.stem(word), word);
    }
    return out;
  }

  private stem(word: string): string {
    let stem = this.stems.get(word);
    if (stem !== undefined) return stem;
    if (/^[a-z]+$/.test(word)) stem = this.natural.PorterStemmer.stem(word);
    else if (CYRILLIC.test(word)) stem = this.natural.PorterStemmerRu.stem(word);
    else stem = word;
    if (this.stems.size >= STEM_CACHE_LIMIT) this.stems.clear();
    this.stems.set(word, stem);
    return stem;
  }
}
