import type { ItemFeature, UserItemFeature } from '@recsys/core';

// Feature values as the Lua scripts write them: four numbers separated by spaces, each printed
// with 17 significant digits so it reads back as the same double.
//   user-item: "preference events consumed(0|1) last_at"
//   item:      "positive_users positive_weight trending trending_at"

function numbers(raw: string): [number, number, number, number] {
  const parts = raw.split(' ');
  if (parts.length !== 4) throw new Error(`malformed feature value ${JSON.stringify(raw)}`);
  return parts.map(Number) as [number, number, number, number];
}

export function decodeUserItemFeature(itemId: string, raw: string): UserItemFeature {
  const [preference, events, consumed, last_at] = numbers(raw);
  return { item_id: itemId, preference, events, consumed: consumed === 1, last_at };
}

export function decodeItemFeature(itemId: string, raw: string): ItemFeature {
  const [positive_users, positive_weight, trending, trending_at] = numbers(raw);
  return { item_id: itemId, positive_users, positive_weight, trending, trending_at };
}
