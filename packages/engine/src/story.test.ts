import type { Item } from '@recsys/core';
import { isoAgo, testEvent, testItem } from '@recsys/core/testing';
import { ExternalEmbeddingError } from '@recsys/content';
import { mulberry32 } from '@recsys/models';
import { describe, expect, it } from 'vitest';
import { embeddedEngines, retrained } from './testing/embedded-engine.js';

const WORDS = {
  space: ['astronaut', 'spaceship', 'galaxy', 'planet', 'orbit', 'alien', 'rocket', 'asteroid'],
  romance: ['love', 'wedding', 'kiss', 'heart', 'bride', 'lovers', 'passion', 'marriage'],
};
const COMMON = ['family', 'journey', 'secret', 'friend', 'city', 'young', 'life', 'world'];
const random = mulberry32(5);
const story = (id: string, topic: keyof typeof WORDS, extra: Partial<Item> = {}): Item =>
  testItem(id, {
    title: `Title ${id}`,
    plot: Array.from({ length: 12 }, () => {
      const list = random() < 0.6 ? WORDS[topic] : COMMON;
      return list[Math.floor(random() * list.length)]!;
    }).join(' '),
    ...extra,
  });
const ITEMS = [...Array.from({ length: 15 }, (_, i) => story(`space-${i}`, 'space')), ...Array.from({ length: 15 }, (_, i) => story(`love-${i}`, 'romance'))];

const watch = (user: string, itemId: string, daysAgo = 1) => testEvent(user, itemId, { timestamp: isoAgo(daysAgo * 86_400_000) });

describe('story similarity in the engine', () => {
  const startEngine = embeddedEngines();

  async function trained() {
    const { engine } = await startEngine(ITEMS, {}, { dirPrefix: 'engine-story-' });
    const events = Array.from({ length: 8 }, (_, u) =>
      Array.from({ length: 8 }, (_, k) => [watch(`space-fan-${u}`, `space-${(u + k) % 15}`), watch(`love-fan-${u}`, `love-${(u + k) % 15}`)]),
    ).flat(2);
    await engine.ingestEvents(events);
    await retrained(engine);
    return engine;
  }

  it('recommends a title upserted after training, with no interactions, through its story', async () => {
    const engine = await trained();
    expect((await engine.listModels())[0]!.components).toContain('story');
    await engine.upsertItems([
      story('new-space', 'space', { title: 'Brand New Space Opera' }),
      story('new-love', 'romance', { title: 'Brand New Love Story' }),
    ]);
    // The first request after the upsert: for a space fan the new space title is recommendable,
    // explained by the watched title closest in story, and above the new romance (equally unknown).
    const warm = await engine.recommend({ user_id: 'space-fan-0', limit: 40, diversity: 0 });
    const ids = warm.items.map((i) => i.item_id);
    expect(ids).toContain('new-space');
    expect(ids.indexOf('new-space')).toBeLessThan(ids.indexOf('new-love'));
    const fresh = warm.items.find((i) => i.item_id === 'new-space')!;
    expect(fresh.algorithm_source).toBe('story_similarity');
    expect(fresh.explanation_reasons[0]).toMatch(/^story_match: Title space-\d+ \(0\.\d\d\)$/);
    // A user whose only title is unknown to the collaborative model: the story signal carries them.
    await engine.ingestEvents([watch('newcomer', 'new-space')]);
    const cold = await engine.recommend({ user_id: 'newcomer', limit: 10, diversity: 0 });
    expect(cold.items.every((i) => i.item_id.startsWith('space-'))).toBe(true);
    expect(cold.items.some((i) => i.explanation_reasons.some((r) => r.startsWith('story_match: Brand New Space Opera')))).toBe(true);
  });

  it('answers similar?mode=story with the closest plots, new titles included', async () => {
    const engine = await trained();
    await engine.upsertItems([story('new-love', 'romance')]);
    expect((await engine.similarItems('love-3', 'story', 40))!.map((s) => s.item_id)).toContain('new-love');
    const similar = (await engine.similarItems('new-love', 'story', 5))!;
    expect(similar).toHaveLength(5);
    expect(similar.every((s) => s.item_id.startsWith('love-'))).toBe(true);
  });

  it('refuses an embedding of the wrong dimension, storing nothing of the batch', async () => {
    const engine = await trained();
    await engine.upsertItems([story('with-vector', 'space', { embedding: [0.1, 0.2, 0.3] })]);
    const error = await engine
      .upsertItems([story('fine', 'space'), story('bad', 'space', { embedding: [1, 2] })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalEmbeddingError);
    expect((error as ExternalEmbeddingError).message).toMatch(/"bad".*2 dimensions.*have 3/);
    expect(await engine.getItem('fine')).toBeUndefined();
  });

  it('exports how the user\'s taste in story themes moved', async () => {
    const engine = await trained();
    await engine.ingestEvents([
      ...Array.from({ length: 6 }, (_, i) => watch('mover', `love-${i}`, 70 - i * 7)),
      ...Array.from({ length: 4 }, (_, i) => watch('mover', `space-${i}`, 20 - i * 5)),
    ]);
    const exported = (await engine.exportUser('mover'))!;
    const evolution = exported.story_evolution!;
    expect(evolution.weekly.length).toBeGreaterThanOrEqual(9);
    expect(evolution.drift!.cosine_distance).toBeGreaterThan(0.2);
    expect(evolution.drift!.rising.some((t) => WORDS.space.includes(t))).toBe(true);
  });
});
