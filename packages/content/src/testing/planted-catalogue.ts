// A small catalogue with planted topics, for tests: each item's plot mixes words of one topic with
// words every story uses, so only the topic words can tell the stories apart.
import type { Item } from '@recsys/core';
import { mulberry32 } from '@recsys/models';

export const TOPIC_WORDS = {
  space: ['astronaut', 'spaceship', 'galaxy', 'planet', 'orbit', 'alien', 'rocket', 'starship', 'asteroid', 'cosmos', 'launch', 'station'],
  romance: ['love', 'wedding', 'kiss', 'heart', 'romance', 'bride', 'lovers', 'passion', 'marriage', 'couple', 'date', 'valentine'],
  crime: ['detective', 'murder', 'police', 'heist', 'gangster', 'robbery', 'crime', 'killer', 'investigation', 'mafia', 'smuggler', 'prison'],
} as const;
export type Topic = keyof typeof TOPIC_WORDS;
export const TOPICS = Object.keys(TOPIC_WORDS) as Topic[];

const COMMON = ['family', 'journey', 'secret', 'friend', 'city', 'young', 'discover', 'life', 'world', 'dangerous', 'years', 'finally'];
const GENRE: Record<Topic, string> = { space: 'Sci-Fi', romance: 'Romance', crime: 'Crime' };

export function plantedItem(id: string, topic: Topic, random: () => number, words = 10): Item {
  const pick = (list: readonly string[]) => list[Math.floor(random() * list.length)]!;
  const plot: string[] = [];
  for (let w = 0; w < words; w++) plot.push(random() < 0.6 ? pick(TOPIC_WORDS[topic]) : pick(COMMON));
  return {
    item_id: id,
    title: `${pick(COMMON)} ${id}`,
    content_type: 'movie',
    plot: `${plot.join(' ')}.`,
    genres: random() < 0.5 ? [GENRE[topic]] : [],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: [],
    available: true,
    updated_at: '2024-01-01T00:00:00.000Z',
  };
}

/** `perTopic` items per topic, ids "<topic>-<n>", in a fixed shuffled order. */
export function plantedCatalogue(perTopic = 20, seed = 1): { items: Item[]; topicOf: Map<string, Topic> } {
  const random = mulberry32(seed);
  const items: Item[] = [];
  const topicOf = new Map<string, Topic>();
  for (const topic of TOPICS) {
    for (let n = 0; n < perTopic; n++) {
      const item = plantedItem(`${topic}-${n}`, topic, random);
      items.push(item);
      topicOf.set(item.item_id, topic);
    }
  }
  items.sort(() => random() - 0.5);
  return { items, topicOf };
}
