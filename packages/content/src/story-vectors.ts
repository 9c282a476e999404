import type { Item } from '@recsys/core';
import { embeddingDimensionOf } from './external-embeddings.js';
import type { LsaModel } from './lsa-model.js';

/** One vector space of story vectors, aligned with catalogue rows. */
export interface StorySpace {
  readonly dim: number;
  /** rows × dim, row-major: unit vectors, zeros where `present` is 0. */
  readonly vectors: Float32Array;
  readonly present: Uint8Array;
  /** Rows that have a vector. */
  readonly count: number;
}

/**
 * Story vectors of a catalogue, row r = the r-th item given to the builder. Items with an external
 * embedding are compared in the `external` space, the others (and every item against one that has
 * no external embedding) in the `text` space.
 */
export interface StoryVectors {
  readonly size: number;
  /** LSA plot vectors from the item text; absent while no text model is fitted. */
  readonly text?: StorySpace;
  /** Externally computed embeddings; absent when no item has one. */
  readonly external?: StorySpace;
}

export interface StoryVectorBuilderOptions {
  /** The deployment's external embedding dimension; by default that of the first item with one. */
  externalDimension?: number;
}

interface Built {
  vectors: StoryVectors;
  rows: Map<string, { row: number; stamp: string }>;
}

/**
 * Builds catalogue-aligned story vectors and rebuilds them cheaply when the catalogue changes:
 * items whose text did not change since the previous build keep their vector, so only new and
 * edited items are embedded. A new item is thereby in the story space on the first catalogue
 * rebuild after it is upserted, with no refit of the text model.
 */
export class StoryVectorBuilder {
  private previous: Built | undefined;

  constructor(
    readonly model: LsaModel | undefined,
    private readonly options: StoryVectorBuilderOptions = {},
  ) {}

  build(items: readonly Item[]): StoryVectors {
    const n = items.length;
    const rows = new Map<string, { row: number; stamp: string }>();
    const previous = this.previous;
    let text: StorySpace | undefined;
    if (this.model) {
      const dim = this.model.dimensions;
      const vectors = new Float32Array(n * dim);
      const present = new Uint8Array(n);
      let count = 0;
      items.forEach((item, row) => {
        const stamp = stampOf(item);
        rows.set(item.item_id, { row, stamp });
        const before = previous?.rows.get(item.item_id);
        const old = previous?.vectors.text;
        if (before && old && before.stamp === stamp) {
          if (old.present[before.row]) {
            vectors.set(old.vectors.subarray(before.row * dim, (before.row + 1) * dim), row * dim);
            present[row] = 1;
            count++;
          }
          return;
        }
        const vector = this.model!.embed(item);
        if (vector) {
          vectors.set(vector, row * dim);
          present[row] = 1;
          count++;
        }
      });
      text = { dim, vectors, present, count };
    }
    const external = externalSpace(items, this.options.externalDimension ?? embeddingDimensionOf(items));
    const built: StoryVectors = { size: n, ...(text && { text }), ...(external && { external }) };
    this.previous = { vectors: built, rows };
    return built;
  }
}

/** Changes whenever the story text of an item may have changed. */
function stampOf(item: Item): string {
  return `${item.updated_at}|${item.title}|${item.plot?.length ?? 0}`;
}

function externalSpace(items: readonly Item[], dim: number | undefined): StorySpace | undefined {
  if (!dim) return undefined;
  const vectors = new Float32Array(items.length * dim);
  const present = new Uint8Array(items.length);
  let count = 0;
  items.forEach((item, row) => {
    const e = item.embedding;
    // Wrong dimensions are refused at ingestion; anything that slipped in is left out, not guessed.
    if (!e || e.length !== dim) return;
    let norm = 0;
    for (const x of e) norm += x * x;
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) return;
    for (let d = 0; d < dim; d++) vectors[row * dim + d] = e[d]! / norm;
    present[row] = 1;
    count++;
  });
  return count > 0 ? { dim, vectors, present, count } : undefined;
}
