import type { Store } from '@recsys/core';
import { generateDemoDataset } from '@recsys/demo';
import type { RecommendationEngine } from '@recsys/engine';

const BATCH = 1000;

/** Loads the generated demo catalogue, users and events into an empty store. */
export async function seedDemo(engine: RecommendationEngine, store: Store): Promise<{ items: number; users: number; events: number } | undefined> {
  if ((await store.catalog.count()) > 0 || (await store.events.count()) > 0) return undefined;
  const demo = generateDemoDataset();
  await engine.upsertItems(demo.items);
  for (const user of demo.users) await engine.setPreferences(user.user_id, user.preferences);
  for (let i = 0; i < demo.events.length; i += BATCH) await engine.ingestEvents(demo.events.slice(i, i + BATCH));
  return { items: demo.items.length, users: demo.users.length, events: demo.events.length };
}
