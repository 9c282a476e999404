import type { Item, Store, UserItemFeature } from '@recsys/core';
import { InteractionMatrix } from '@recsys/models';

/** Users × items signed preferences, with the ids behind each row and column. */
export interface TrainingData {
  userIds: string[];
  itemIds: string[];
  matrix: InteractionMatrix;
  /** Per user, the interactions the matrix was built from (for evaluation through the ranking). */
  interactions: Map<string, UserItemFeature[]>;
  items: Item[];
}

/** Reads the aggregated features of every user: the models train on what the event log says. */
export async function collectTrainingData(store: Store): Promise<TrainingData> {
  const items = await store.catalog.all();
  const known = new Set(items.map((item) => item.item_id));
  const itemColumn = new Map<string, number>();
  const userIds: string[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const interactions = new Map<string, UserItemFeature[]>();
  for await (const [userId, features] of store.features.allUsers()) {
    // Events may name items whose metadata has not arrived yet; they wait for the next retrain.
    const usable = features.filter((f) => f.preference !== 0 && known.has(f.item_id));
    if (usable.length === 0) continue;
    const row = userIds.push(userId) - 1;
    interactions.set(userId, usable);
    for (const feature of usable) {
      let col = itemColumn.get(feature.item_id);
      if (col === undefined) itemColumn.set(feature.item_id, (col = itemColumn.size));
      rows.push(row);
      cols.push(col);
      values.push(feature.preference);
    }
  }
  const itemIds = [...itemColumn.keys()];
  return {
    userIds,
    itemIds,
    matrix: InteractionMatrix.fromTriples(userIds.length, itemIds.length, rows, cols, values),
    interactions,
    items,
  };
}
