// Popularity bias of the served lists in the offline evaluation: how concentrated item exposure is
// (Gini over the whole catalogue), and how much of it reaches the long tail.
import { exposureGini, itemExposure } from '@recsys/insights';
import { type CatalogView, headRows, type PopularitySignal } from '@recsys/ranking';

export interface ExposureMetrics {
  /** Gini of item exposure over every catalogue item (never shown counts as 0): 0 even, 1 concentrated. */
  exposure_gini: number;
  /** Share of served slots that went to long-tail items (outside the head holding 80 % of training likes). */
  long_tail_share: number;
}

export function exposureMetrics(lists: readonly string[][], catalog: CatalogView, popularity: PopularitySignal): ExposureMetrics {
  const exposure = itemExposure(lists);
  const head = headRows(catalog, popularity);
  let slots = 0;
  let tail = 0;
  for (const [id, count] of exposure) {
    slots += count;
    const row = catalog.rowOf(id);
    if (row === undefined || head[row] === 0) tail += count;
  }
  return {
    exposure_gini: exposureGini(exposure, catalog.items.map((item) => item.item_id)),
    long_tail_share: slots === 0 ? 0 : tail / slots,
  };
}
