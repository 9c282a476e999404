import { feedbackSignal, type InteractionEvent, type Item } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset, type DemoUser } from './dataset.js';
import { DEMO_PERSONAS, matchesTaste } from './personas.js';

const data = generateDemoDataset({ now: new Date('2026-11-26T06:00:00Z') });
const items = new Map(data.items.map((item) => [item.item_id, item]));
const users = new Map(data.users.map((u) => [u.user_id, u]));
const itemOf = (e: InteractionEvent): Item => items.get(e.item_id!)!;
const userOf = (e: InteractionEvent): DemoUser => users.get(e.user_id)!;
const onTaste = (e: InteractionEvent): boolean => matchesTaste(userOf(e).preferences, itemOf(e));
const positives = (persona: string) =>
  data.events.filter((e) => userOf(e).persona === persona && feedbackSignal(e).preference > 0);
const share = <T>(list: T[], test: (x: T) => boolean): number => list.filter(test).length / list.length;

describe('users', () => {
  it('spreads 200 users evenly over 8-10 personas, with ids persona-n', () => {
    expect(DEMO_PERSONAS.length).toBeGreaterThanOrEqual(8);
    expect(DEMO_PERSONAS.length).toBeLessThanOrEqual(10);
    expect(data.users).toHaveLength(200);
    for (const persona of DEMO_PERSONAS) {
      const members = data.users.filter((u) => u.persona === persona.id);
      expect(members.length).toBe(200 / DEMO_PERSONAS.length);
      members.forEach((u, n) => expect(u.user_id).toBe(`${persona.id}-${n + 1}`));
    }
  });

  it('states preferences that reflect the persona', () => {
    for (const user of data.users) {
      const persona = DEMO_PERSONAS.find((p) => p.id === user.persona)!;
      const prefs = user.preferences;
      expect(prefs.content_types).toEqual(persona.content_types);
      expect(prefs.languages).toEqual(persona.languages);
      if (persona.random_genres) expect(prefs.genres).toHaveLength(persona.random_genres);
      else expect(prefs.genres).toEqual(persona.genres);
      for (const friend of prefs.friends) {
        expect(users.get(friend)?.persona).toBe(user.persona);
        expect(friend).not.toBe(user.user_id);
      }
      const met = new Set(data.events.filter((e) => e.user_id === user.user_id).map((e) => e.item_id));
      for (const id of [...prefs.liked_item_ids, ...prefs.disliked_item_ids]) expect(met.has(id)).toBe(true);
    }
    expect(users.get('anime-fan-1')!.preferences).toMatchObject({ content_types: ['anime'], languages: ['ja'] });
  });

  it('gives each user 15-40 interactions, most on taste and some off', () => {
    let met = 0;
    let metOnTaste = 0;
    for (const user of data.users) {
      const own = data.events.filter((e) => e.user_id === user.user_id);
      const distinct = new Map(own.map((e) => [e.item_id, itemOf(e)]));
      expect(distinct.size).toBeGreaterThanOrEqual(15);
      expect(distinct.size).toBeLessThanOrEqual(40);
      met += distinct.size;
      metOnTaste += [...distinct.values()].filter((item) => matchesTaste(user.preferences, item)).length;
    }
    expect(metOnTaste / met).toBeGreaterThan(0.78);
    expect(metOnTaste / met).toBeLessThan(0.92);
  });
});

describe('planted tastes', () => {
  it('anime fans mostly like anime', () => {
    expect(share(positives('anime-fan'), (e) => itemOf(e).content_type === 'anime')).toBeGreaterThanOrEqual(0.75);
  });

  it('sci-fi buffs mostly watch sci-fi', () => {
    const consumed = data.events.filter((e) => userOf(e).persona === 'scifi-buff' && feedbackSignal(e).consumed);
    expect(share(consumed, (e) => itemOf(e).genres.includes('Sci-Fi'))).toBeGreaterThanOrEqual(0.75);
  });

  it('k-drama fans mostly like Korean romance and drama', () => {
    const liked = positives('k-drama-fan');
    const korean = (e: InteractionEvent) => itemOf(e).languages.includes('ko');
    const romanceOrDrama = (e: InteractionEvent) => itemOf(e).genres.some((g) => g === 'Romance' || g === 'Drama');
    expect(share(liked, (e) => korean(e) && romanceOrDrama(e))).toBeGreaterThanOrEqual(0.75);
  });

  it('every persona mostly likes items on its taste', () => {
    for (const persona of DEMO_PERSONAS) {
      expect(share(positives(persona.id), onTaste), persona.id).toBeGreaterThanOrEqual(0.75);
    }
  });

  it('skips land mostly off taste; ratings and completion are higher on taste', () => {
    expect(share(data.events.filter((e) => e.type === 'skip'), (e) => !onTaste(e))).toBeGreaterThan(0.7);
    const mean = (events: InteractionEvent[], value: (e: InteractionEvent) => number) =>
      events.reduce((s, e) => s + value(e), 0) / events.length;
    const rates = data.events.filter((e) => e.type === 'rate');
    const ratingOn = mean(rates.filter(onTaste), (e) => e.rating!);
    const ratingOff = mean(rates.filter((e) => !onTaste(e)), (e) => e.rating!);
    expect(ratingOn - ratingOff).toBeGreaterThan(1);
    const watches = data.events.filter((e) => e.type === 'watch');
    const completionOn = mean(watches.filter(onTaste), (e) => e.completion!);
    const completionOff = mean(watches.filter((e) => !onTaste(e)), (e) => e.completion!);
    expect(completionOn - completionOff).toBeGreaterThan(0.3);
  });

  it('popular items are met more often', () => {
    const events = new Map<string, number>();
    for (const e of data.events) events.set(e.item_id!, (events.get(e.item_id!) ?? 0) + 1);
    const byPopularity = [...data.items].sort((a, b) => b.rating_count! - a.rating_count!);
    const perItem = (list: Item[]) => list.reduce((s, i) => s + (events.get(i.item_id) ?? 0), 0) / list.length;
    const tenth = Math.floor(byPopularity.length / 10);
    const half = Math.floor(byPopularity.length / 2);
    expect(perItem(byPopularity.slice(0, tenth))).toBeGreaterThan(2 * perItem(byPopularity.slice(half)));
  });
});
