import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextAnalyzer, type TextAnalyzer } from './text-analyzer.js';

let analyzer: TextAnalyzer;
beforeAll(async () => {
  analyzer = await loadTextAnalyzer();
});

describe('text analyzer', () => {
  it('stems English words and drops stop words, single letters and bare numbers', () => {
    expect(analyzer.terms('The astronauts were launching 3 rockets in 2049!')).toEqual(['astronaut', 'launch', 'rocket']);
  });

  it('is loaded once and shared', async () => {
    expect(await loadTextAnalyzer()).toBe(analyzer);
  });

  it('keeps accented words whole and folds their accents', () => {
    expect(analyzer.terms('Amélie, a naïve café waitress')).toEqual(['ameli', 'naiv', 'cafe', 'waitress']);
    expect(analyzer.terms('Amelie')).toEqual(analyzer.terms('Amélie'));
  });

  it('tokenises other scripts without crashing', () => {
    expect(analyzer.terms('Привет мир, это история о космосе').length).toBeGreaterThanOrEqual(4);
    expect(analyzer.terms('مرحبا بالعالم')).toEqual(['مرحبا', 'بالعالم']);
    expect(analyzer.terms('कहानी अंतरिक्ष की')).toHaveLength(3);
    // Scripts without spaces become character bigrams, so shared words still meet.
    const a = analyzer.terms('少女が神々の世界に迷い込む');
    expect(a).toContain('世界');
    expect(a.length).toBeGreaterThan(5);
    expect(analyzer.terms('宇宙飛行士')).toEqual(['宇宙', '宙飛', '飛行', '行士']);
    expect(analyzer.terms('🚀🚀 ¿¡ ... \u0000 \uFFFF')).toEqual([]);
  });

  it('returns the surface word of each term', () => {
    const { terms, surfaces } = analyzer.termsWithSurface('Lovers loving love');
    expect(terms).toEqual(['lover', 'love', 'love']);
    expect(surfaces).toEqual(['lovers', 'loving', 'love']);
  });
});
