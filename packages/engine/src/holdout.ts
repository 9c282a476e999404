import type { UserItemFeature } from '@recsys/core';
import { InteractionMatrix, mulberry32 } from '@recsys/models';
import type { TrainingData } from './training-data.js';

export interface HoldoutSplit {
  train: TrainingData;
  /** Per evaluated user, the liked items hidden from training. */
  heldOut: Map<string, Set<string>>;
}

/**
 * Hides `share` of each user's liked items (users with at least `minLiked`), seeded, so a model
 * version can be measured on what it never saw before it is allowed to serve.
 */
export function splitHoldout(data: TrainingData, share = 0.2, seed = 42, minLiked = 5): HoldoutSplit {
  const random = mulberry32(seed);
  const heldOut = new Map<string, Set<string>>();
  const interactions = new Map<string, UserItemFeature[]>();
  for (const [userId, features] of data.interactions) {
    const liked = features.filter((f) => f.preference > 0);
    if (liked.length < minLiked) {
      interactions.set(userId, features);
      continue;
    }
    const hidden = new Set<string>();
    for (let i = liked.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [liked[i], liked[j]] = [liked[j]!, liked[i]!];
    }
    for (const f of liked.slice(0, Math.max(1, Math.round(liked.length * share)))) hidden.add(f.item_id);
    heldOut.set(userId, hidden);
    interactions.set(
      userId,
      features.filter((f) => !hidden.has(f.item_id)),
    );
  }
  const itemColumn = new Map(data.itemIds.map((id, col) => [id, col]));
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  data.userIds.forEach((userId, row) => {
    for (const f of interactions.get(userId) ?? []) {
      rows.push(row);
      cols.push(itemColumn.get(f.item_id)!);
      values.push(f.preference);
    }
  });
  return {
    train: {
      ...data,
      interactions,
      matrix: InteractionMatrix.fromTriples(data.userIds.length, data.itemIds.length, rows, cols, values),
    },
    heldOut,
  };
}
