import { describe, expect, it } from 'vitest';
import { checkExternalEmbeddings, embeddingDimensionOf, ExternalEmbeddingError } from './external-embeddings.js';

describe('external embeddings', () => {
  it('refuses a vector of the wrong dimension, naming the item and the expected dimension', () => {
    const error = checkExternalEmbeddings(
      [{ item_id: 'a' }, { item_id: 'b', embedding: [0.1, 0.2, 0.3] }, { item_id: 'c', embedding: [1, 2] }],
      3,
    );
    expect(error).toBeInstanceOf(ExternalEmbeddingError);
    expect(error!.itemId).toBe('c');
    expect(error!.field).toBe('items[2].embedding');
    expect(error!.expectedDimension).toBe(3);
    expect(error!.actualDimension).toBe(2);
    expect(error!.message).toBe(`item "c" has an embedding of 2 dimensions; this deployment's embeddings have 3`);
  });

  it('accepts vectors of the deployment dimension and items without one', () => {
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [1, 0, 0] }, { item_id: 'b' }], 3)).toBeUndefined();
  });

  it('lets the first vector fix the dimension when none is known yet', () => {
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [1, 0] }, { item_id: 'b', embedding: [0, 1] }], undefined)).toBeUndefined();
    const error = checkExternalEmbeddings([{ item_id: 'a', embedding: [1, 0] }, { item_id: 'b', embedding: [0, 1, 2] }], undefined);
    expect(error?.itemId).toBe('b');
    expect(error?.expectedDimension).toBe(2);
  });

  it('refuses non-finite, empty and all-zero vectors', () => {
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [1, Number.NaN] }], 2)?.problem).toBe('not_finite');
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [1, Infinity] }], 2)?.problem).toBe('not_finite');
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [0, 0] }], 2)?.problem).toBe('zero');
    expect(checkExternalEmbeddings([{ item_id: 'a', embedding: [] }], undefined)?.problem).toBe('dimension');
  });

  it('reads the deployment dimension from the catalogue', () => {
    expect(embeddingDimensionOf([{}, { embedding: [1, 2, 3, 4] }])).toBe(4);
    expect(embeddingDimensionOf([{}, {}])).toBeUndefined();
  });
});
