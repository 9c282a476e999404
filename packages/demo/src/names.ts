// Generated people: given and family names per language, combined into a fixed roster per
// language so the same actors and directors recur across items (as in a real catalogue).

import type { Rng } from './random.js';

export const LANGUAGES = ['en', 'ja', 'ko', 'es', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

const split = (s: string): string[] => s.split('|');

const NAME_PARTS: Record<Language, { given: string[]; family: string[]; familyFirst?: boolean }> = {
  en: {
    given: split('Alice|Ben|Clara|Daniel|Ella|Felix|Grace|Henry|Iris|Jack|Kate|Liam|Maya|Noah|Olive|Peter|Quinn|Ruby|Sam|Tessa|Victor|Wren'),
    family: split('Ashdown|Bellamy|Carver|Dunmore|Ellery|Fairbank|Galloway|Hartwell|Irving|Kingsley|Lowell|Marlow|Northcote|Pembrook|Radcliffe|Stanhope|Thornbury|Whitlock'),
  },
  ja: {
    given: split('Aoi|Daichi|Emi|Haruto|Hina|Kaito|Mei|Ren|Riko|Sora|Takumi|Yui|Yuto|Kana|Shun'),
    family: split('Aizawa|Fujimori|Hayakawa|Ishida|Kanzaki|Matsuda|Nakano|Ogawa|Sakurai|Takeda|Uchida|Yoshikawa'),
  },
  ko: {
    given: split('Min-jun|Seo-yeon|Ji-ho|Ha-eun|Do-yun|Soo-ah|Ye-jin|Jae-won|Hyun-woo|Na-rae|Tae-yang|Eun-bi'),
    family: split('Kim|Lee|Park|Choi|Jung|Kang|Yoon|Han|Lim|Seo|Shin|Oh'),
    familyFirst: true,
  },
  es: {
    given: split('Alba|Bruno|Carmen|Diego|Elena|Hugo|Inés|Javier|Lucía|Mateo|Nuria|Pablo|Rocío|Sergio'),
    family: split('Alcántara|Benítez|Cordero|Duarte|Escobedo|Fuentes|Garrido|Herrera|Iglesias|Montoya|Navarro|Quintero'),
  },
  fr: {
    given: split('Amélie|Bastien|Camille|Damien|Élise|Fabien|Gaëlle|Hugues|Inès|Julien|Léa|Mathis|Noémie|Rémi'),
    family: split('Aubert|Besson|Chevalier|Delorme|Favre|Giraud|Lacroix|Marchand|Perrin|Rousseau|Vasseur|Laurent'),
  },
};

export function givenName(rng: Rng, language: Language): string {
  return rng.pick(NAME_PARTS[language].given);
}

export function fullName(rng: Rng, language: Language): string {
  const parts = NAME_PARTS[language];
  const given = rng.pick(parts.given);
  const family = rng.pick(parts.family);
  return parts.familyFirst ? `${family} ${given}` : `${given} ${family}`;
}

/** Distinct full names per language: `actors` recur in casts, `crew` in credits. */
export interface PeopleRoster {
  actors: Record<Language, string[]>;
  crew: Record<Language, string[]>;
}

export function buildRoster(rng: Rng, actorsPerLanguage = 60, crewPerLanguage = 25): PeopleRoster {
  const taken = new Set<string>();
  const draw = (language: Language, count: number): string[] => {
    const names: string[] = [];
    for (let attempt = 0; names.length < count && attempt < count * 20; attempt++) {
      const name = fullName(rng, language);
      if (!taken.has(name)) {
        taken.add(name);
        names.push(name);
      }
    }
    return names;
  };
  const perLanguage = (count: number) =>
    Object.fromEntries(LANGUAGES.map((l) => [l, draw(l, count)])) as Record<Language, string[]>;
  const actors = perLanguage(actorsPerLanguage);
  return { actors, crew: perLanguage(crewPerLanguage) };
}
