import type { Artifacts, Item, VectorIndexFactory } from '@recsys/core';
import {
  checkExternalEmbeddings,
  embeddingDimensionOf,
  type ExternalEmbeddingError,
  exportStoryEvolution,
  type LsaOptions,
  LsaModel,
  loadTextAnalyzer,
  observationsFromEvents,
  StoryVectorBuilder,
  type StoryEvolutionExport,
  trackStoryEvolution,
} from '@recsys/content';
import type { InteractionEvent } from '@recsys/core';
import { type CatalogView, StorySignal } from '@recsys/ranking';

export const STORY_ARTIFACT = 'story-lsa.bin';

/**
 * Fits the plot-embedding model on the catalogue's text; undefined (and the story signal off)
 * when the catalogue has too little text to learn from.
 */
export async function fitStoryModel(items: readonly Item[], options: Partial<LsaOptions> = {}): Promise<LsaModel | undefined> {
  if (items.length < 2) return undefined;
  const analyzer = await loadTextAnalyzer();
  try {
    return LsaModel.fit(items, analyzer, options);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

export async function decodeStoryModel(artifacts: Artifacts): Promise<LsaModel | undefined> {
  const bytes = artifacts[STORY_ARTIFACT];
  return bytes ? LsaModel.fromArtifact(bytes, await loadTextAnalyzer()) : undefined;
}

/**
 * Story vectors and signal for successive catalogue views. One vector builder per text model, so a
 * catalogue change embeds only new and edited items: an upserted title is in the story space on
 * the next request, without a refit.
 */
export class StoryServing {
  private builder: StoryVectorBuilder | undefined;
  private builderModel: LsaModel | undefined;
  /** The deployment's external embedding dimension once known (configured or first seen). */
  private dimension: number | undefined;

  constructor(
    private readonly indexFactory: VectorIndexFactory,
    configuredDimension?: number,
  ) {
    this.dimension = configuredDimension;
  }

  signal(catalog: CatalogView, model: LsaModel | undefined): StorySignal | undefined {
    if (!this.builder || this.builderModel !== model) {
      this.builder = new StoryVectorBuilder(model, { externalDimension: this.dimension });
      this.builderModel = model;
    }
    this.dimension ??= embeddingDimensionOf(catalog.items);
    const vectors = this.builder.build(catalog.items);
    if (!vectors.text && !vectors.external) return undefined;
    return new StorySignal(catalog, vectors, this.indexFactory, model ? { themes: model } : {});
  }

  /** The first embedding problem in a batch about to be upserted (see the catalogue's dimension). */
  check(items: readonly Item[], catalogue: () => Promise<Item[]>): Promise<ExternalEmbeddingError | undefined> {
    if (!items.some((item) => item.embedding)) return Promise.resolve(undefined);
    const known = this.dimension;
    const withDimension = known !== undefined ? Promise.resolve(known) : catalogue().then((all) => embeddingDimensionOf(all));
    return withDimension.then((dimension) => {
      const problem = checkExternalEmbeddings(items, dimension);
      if (!problem) this.dimension ??= dimension ?? embeddingDimensionOf(items);
      return problem;
    });
  }
}

/** The story part of a user's export: weekly themes and drift, replayed from their events. */
export function storyEvolutionOf(
  events: readonly InteractionEvent[],
  signal: StorySignal | undefined,
  model: LsaModel | undefined,
  now: number,
): StoryEvolutionExport | null {
  if (!signal) return null;
  const history = trackStoryEvolution(observationsFromEvents(events), (id) => signal.vectorOf(id), now);
  return history ? exportStoryEvolution(history, model) : null;
}
