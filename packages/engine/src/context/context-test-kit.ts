// Builders for context-signal tests: a small catalogue, events at chosen local times, and the
// inputs a signal factory reads. Not part of the served code path.
import type { ContentType, InteractionEvent, Item } from '@recsys/core';
import { testItem as coreTestItem } from '@recsys/core/testing';
import { CatalogView, popularitySignal, type PopularitySignal } from '@recsys/ranking';
import { type ContextInputs, type ContextOptions, DEFAULT_CONTEXT_OPTIONS } from './context-inputs.js';
import { ContextModels } from './context-models.js';
import { recentTimed } from './context-serving.js';
import { resolveRequestContext, type RequestContextInput } from './request-context.js';
import { TrendingTracker } from './trending-now.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function testItem(id: string, genres: string[], contentType: ContentType = 'movie', extra: Partial<Item> = {}): Item {
  return coreTestItem(id, { title: id.toUpperCase(), content_type: contentType, genres, ...extra });
}

/** Flat popularity, slightly decreasing by row, so a list without boosts is in catalogue order. */
export function flatPopularity(n: number): PopularitySignal {
  return popularitySignal(
    Float32Array.from({ length: n }, (_, r) => 0.5 - r / (10 * n)),
    new Float32Array(n),
    new Float32Array(n).fill(5),
    new Int32Array(n),
  );
}

let counter = 0;
export function event(user: string, item: string | undefined, at: number, extra: Partial<InteractionEvent> = {}): InteractionEvent {
  return { event_id: `t${++counter}`, user_id: user, item_id: item, type: 'complete', timestamp: new Date(at).toISOString(), ...extra };
}

export function contextInputs(
  items: readonly Item[],
  options: {
    models?: ContextModels;
    recent?: readonly InteractionEvent[];
    request?: RequestContextInput;
    nowMs: number;
    trending?: TrendingTracker;
    context?: Partial<ContextOptions>;
  },
): ContextInputs {
  const catalog = new CatalogView(items);
  const merged: ContextOptions = { ...DEFAULT_CONTEXT_OPTIONS, ...options.context };
  const request = resolveRequestContext(options.request ?? {}, undefined, options.nowMs);
  return {
    catalog,
    popularity: flatPopularity(catalog.size),
    models: options.models ?? ContextModels.empty,
    user: { userId: 'me', interactions: [] },
    recent: recentTimed(options.recent ?? [], request, merged.recentEvents),
    request,
    trending: options.trending ?? new TrendingTracker(),
    options: merged,
  };
}
