import { rank, type RankingContext, type RankOptions, type RankResult, type UserState } from '@recsys/ranking';
import type { EngineLogger } from './logger.js';

// Serving must not fail because a model does: when ranking with the models throws (a corrupt
// model, an ANN index that fails to search, a story model that does not fit the catalogue), the
// list is ranked again from popularity and trending alone and marked degraded.

/** A model failing on every request is logged once per this interval, not once per request. */
const LOG_EVERY_MS = 60_000;
const lastLogged = new WeakMap<EngineLogger, number>();

export function rankWithFallback(logger: EngineLogger, context: RankingContext, user: UserState, options: RankOptions): RankResult {
  try {
    return rank(context, user, options);
  } catch (error) {
    const now = Date.now();
    if (now - (lastLogged.get(logger) ?? -Infinity) >= LOG_EVERY_MS) {
      lastLogged.set(logger, now);
      logger.error({ err: error }, 'ranking with the models failed: answering from the popularity fallback (degraded)');
    }
    // Catalogue and popularity only: no collaborative model, story model, context signals or calibration.
    const fallback = rank({ catalog: context.catalog, popularity: context.popularity, now: context.now }, user, options);
    return { ...fallback, degraded: true };
  }
}
