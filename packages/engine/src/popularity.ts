import type { ItemFeature, UserItemFeature } from '@recsys/core';
import { DEFAULT_POPULARITY_OPTIONS, PopularityModel } from '@recsys/models';
import { type CatalogView, type PopularitySignal, popularitySignal } from '@recsys/ranking';

export const DEFAULT_TRENDING_HALF_LIFE_MS = DEFAULT_POPULARITY_OPTIONS.halfLifeMs;

/** Popularity and trending per catalogue row from live item counters and the catalogue's own figures. */
export function buildPopularity(
  catalog: CatalogView,
  features: readonly ItemFeature[],
  nowMs: number,
  halfLifeMs = DEFAULT_TRENDING_HALF_LIFE_MS,
): PopularitySignal {
  const counters: (ItemFeature | undefined)[] = new Array(catalog.size);
  for (const feature of features) {
    const row = catalog.rowOf(feature.item_id);
    if (row !== undefined) counters[row] = feature;
  }
  const model = new PopularityModel(counters, catalog.items, { halfLifeMs });
  const rows = Array.from({ length: catalog.size }, (_, row) => row);
  return popularitySignal(
    Float32Array.from(rows, (row) => model.popularity(row)),
    Float32Array.from(rows, (row) => Math.log1p(model.trending(row, nowMs))),
    Float32Array.from(rows, (row) => counters[row]?.positive_users ?? 0),
    Int32Array.from(rows, (row) => model.trendingRank(row, nowMs) ?? 0),
  );
}

/** Item counters recomputed from aggregated user interactions (holdout and offline evaluation). */
export function itemFeaturesFrom(
  interactions: Iterable<readonly UserItemFeature[]>,
  halfLifeMs = DEFAULT_TRENDING_HALF_LIFE_MS,
): ItemFeature[] {
  const all = [...interactions].flat();
  const latest = all.reduce((max, f) => Math.max(max, f.last_at), 0);
  const byItem = new Map<string, ItemFeature>();
  for (const f of all) {
    if (f.preference <= 0) continue;
    let item = byItem.get(f.item_id);
    if (!item) byItem.set(f.item_id, (item = { item_id: f.item_id, positive_users: 0, positive_weight: 0, trending: 0, trending_at: latest }));
    item.positive_users++;
    item.positive_weight += f.preference;
    item.trending += f.preference * 2 ** (-(latest - f.last_at) / halfLifeMs);
  }
  return [...byItem.values()];
}
