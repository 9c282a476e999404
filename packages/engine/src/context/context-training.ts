import type { Artifacts, Item, Store } from '@recsys/core';
import { ContextModels, type ContextLearner } from './context-models.js';
import { historyFromStore } from './history.js';
import { CONTEXT_LEARNERS } from './registry.js';

/**
 * Fits every context learner on the whole event log (one scan) and returns the artifacts to save
 * with the model version; empty when there is nothing to learn from.
 */
export async function fitContextArtifacts(
  store: Store,
  items?: readonly Item[],
  learners: readonly ContextLearner<unknown>[] = CONTEXT_LEARNERS,
): Promise<Artifacts> {
  const history = await historyFromStore(store, items ?? (await store.catalog.all()));
  return ContextModels.fit(history, learners).artifacts;
}
