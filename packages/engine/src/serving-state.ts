import type { Store } from '@recsys/core';
import { CatalogView, type MfSignal, type NcfSignal, type PopularitySignal, type StorySignal } from '@recsys/ranking';
import { CacheCounter } from './engine-stats.js';
import type { ModelBundle } from './model-bundle.js';
import { buildPopularity } from './popularity.js';
import type { StoryServing } from './story.js';

/** What serving reads: the catalogue view with the model bound to it, and popularity. */
export interface ServingState {
  catalog: CatalogView;
  bundle?: ModelBundle;
  mf?: MfSignal;
  ncf?: NcfSignal;
  /** Story vectors of every catalogue row, new titles included. */
  story?: StorySignal;
  popularity: PopularitySignal;
  popularityAt: number;
}

export interface ServingStateOptions {
  /** Popularity and trending are recomputed at most this often while events arrive. */
  popularityRefreshMs: number;
  trendingHalfLifeMs: number;
  /** The whole state is rebuilt from the store when older than this (other writers exist). */
  servingStateMaxAgeMs: number;
}

/**
 * Builds the serving state lazily and keeps it until the catalogue or the model changes; requests
 * in flight keep the state they started with, so a swap never mixes two versions in one answer.
 */
export class ServingStateCache {
  private state: Promise<ServingState> | undefined;
  private stateBuiltAt = 0;
  /** Bumped by every local change: a background rebuild started before it is dropped. */
  private generation = 0;
  private refreshing = false;
  /** The last state built successfully: served, marked degraded, while the store cannot be read. */
  lastGood: ServingState | undefined;
  private bundle: ModelBundle | undefined;
  private eventsSincePopularity = 0;
  /** A miss is a request that waited for a rebuild from the store. */
  readonly counter = new CacheCounter();
  /** The MF signal's per-user ANN results (candidate pools), across the states built. */
  readonly candidateCounter = new CacheCounter();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly options: ServingStateOptions,
    private readonly story?: StoryServing,
  ) {}

  get activeBundle(): ModelBundle | undefined {
    return this.bundle;
  }

  setBundle(bundle: ModelBundle): void {
    this.bundle = bundle;
    this.invalidate();
  }

  catalogChanged(): void {
    this.invalidate();
  }

  eventsRecorded(count: number): void {
    this.eventsSincePopularity += count;
  }

  /**
   * The current state. A change made through this process rebuilds it before the next answer; a
   * state that is merely old (other processes may have written the store) keeps serving while its
   * successor builds in the background, so no request waits for a periodic rebuild.
   */
  current(): Promise<ServingState> {
    if (!this.state) {
      this.counter.miss();
      this.state = this.build();
      return this.state;
    }
    if (this.now() - this.stateBuiltAt > this.options.servingStateMaxAgeMs && !this.refreshing) {
      const generation = this.generation;
      this.refreshing = true;
      this.build().then(
        (state) => {
          if (generation === this.generation) this.state = Promise.resolve(state);
        },
        () => undefined, // keep serving the old state; the next request past the age tries again
      ).finally(() => (this.refreshing = false));
    }
    this.counter.hit();
    return this.state.then((state) => this.refreshPopularity(state));
  }

  private invalidate(): void {
    this.generation++;
    this.state = undefined;
  }

  private build(): Promise<ServingState> {
    const bundle = this.bundle;
    this.stateBuiltAt = this.now();
    this.eventsSincePopularity = 0;
    const next = this.store.catalog.all().then(async (items) => {
      const catalog = new CatalogView(items);
      return {
        catalog,
        bundle,
        mf: bundle?.mf?.bind(catalog, { lookups: this.candidateCounter }),
        ncf: bundle?.ncf?.bind(catalog),
        story: this.story?.signal(catalog, bundle?.story),
        popularity: await this.popularity(catalog),
        popularityAt: this.now(),
      };
    });
    // A failed build is not cached: the next request tries again.
    next.then(
      (state) => (this.lastGood = state),
      () => {
        if (this.state === next) this.state = undefined;
      },
    );
    return next;
  }

  private async popularity(catalog: CatalogView): Promise<PopularitySignal> {
    return buildPopularity(catalog, await this.store.features.items(), this.now(), this.options.trendingHalfLifeMs);
  }

  private async refreshPopularity(state: ServingState): Promise<ServingState> {
    if (this.eventsSincePopularity === 0 || this.now() - state.popularityAt < this.options.popularityRefreshMs) return state;
    this.eventsSincePopularity = 0;
    state.popularityAt = this.now();
    state.popularity = await this.popularity(state.catalog);
    return state;
  }
}
