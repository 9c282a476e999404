// Plot embeddings computed outside the service (e.g. by a sentence transformer in the backend).
// A deployment uses one embedding model, so every vector must have the same dimension.
import type { Item } from '@recsys/core';

export type EmbeddingProblem = 'dimension' | 'not_finite' | 'zero';

/** A catalogue item whose `embedding` cannot be used; the API answers it with a 400. */
export class ExternalEmbeddingError extends Error {
  override name = 'ExternalEmbeddingError';

  constructor(
    readonly itemId: string,
    /** Position of the item in the submitted batch. */
    readonly index: number,
    readonly problem: EmbeddingProblem,
    /** The dimension every embedding of this deployment must have. */
    readonly expectedDimension: number,
    readonly actualDimension: number,
  ) {
    super(
      problem === 'dimension'
        ? `item "${itemId}" has an embedding of ${actualDimension} dimensions; this deployment's embeddings have ${expectedDimension}`
        : problem === 'not_finite'
          ? `item "${itemId}" has an embedding with a value that is not a finite number`
          : `item "${itemId}" has an embedding of all zeros, which has no direction`,
    );
  }

  /** The request field at fault, for the error body's details. */
  get field(): string {
    return `items[${this.index}].embedding`;
  }
}

/**
 * Checks the embeddings of a batch of items before anything is stored. `expectedDimension` is the
 * deployment's fixed dimension (configured, or that of the embeddings already in the catalogue,
 * see `embeddingDimensionOf`); when it is still unknown, the batch's first embedding sets it, so a
 * batch mixing dimensions is refused either way. Returns the first problem, or undefined.
 */
export function checkExternalEmbeddings(
  items: readonly Pick<Item, 'item_id' | 'embedding'>[],
  expectedDimension: number | undefined,
): ExternalEmbeddingError | undefined {
  let expected = expectedDimension;
  for (let index = 0; index < items.length; index++) {
    const { item_id, embedding } = items[index]!;
    if (embedding === undefined) continue;
    expected ??= embedding.length;
    if (embedding.length !== expected || embedding.length === 0) {
      return new ExternalEmbeddingError(item_id, index, 'dimension', expected, embedding.length);
    }
    let zero = true;
    for (const x of embedding) {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        return new ExternalEmbeddingError(item_id, index, 'not_finite', expected, embedding.length);
      }
      if (x !== 0) zero = false;
    }
    if (zero) return new ExternalEmbeddingError(item_id, index, 'zero', expected, embedding.length);
  }
  return undefined;
}

/** The dimension of the first embedding among `items` (the catalogue), if any has one. */
export function embeddingDimensionOf(items: Iterable<Pick<Item, 'embedding'>>): number | undefined {
  for (const item of items) if (item.embedding && item.embedding.length > 0) return item.embedding.length;
  return undefined;
}
