import type { Item } from '@recsys/core';
import { ExternalEmbeddingError } from '@recsys/engine';
import { Type, type Static } from 'typebox';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError } from '../errors/api-error.js';
import { errors, MAX_BATCH } from '../schemas/common.js';
import { ItemInput, ItemParams } from '../schemas/item.js';

/** Fills the optional lists and derives `year` from `release_date`, so stored items are uniform. */
export function normaliseItem(input: Static<typeof ItemInput>, now: string): Item {
  const year = input.year ?? (input.release_date ? Number.parseInt(input.release_date.slice(0, 4), 10) : undefined);
  return {
    ...input,
    genres: input.genres ?? [],
    languages: input.languages ?? [],
    cast: input.cast ?? [],
    crew: input.crew ?? [],
    regions: input.regions ?? [],
    ...(year === undefined ? {} : { year }),
    available: input.available ?? true,
    updated_at: now,
  };
}

export function itemRoutes(app: App, { engine }: RouteDependencies): void {
  app.put(
    '/v1/items',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Bulk upsert of catalogue items (at most 1,000 per call)',
        body: Type.Object(
          { items: Type.Array(ItemInput, { minItems: 1, maxItems: MAX_BATCH }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ upserted: Type.Integer() }), ...errors(400, 413) },
      },
    },
    async (request) => {
      const now = new Date().toISOString();
      try {
        await engine.upsertItems(request.body.items.map((item) => normaliseItem(item, now)));
      } catch (error) {
        if (!(error instanceof ExternalEmbeddingError)) throw error;
        // Nothing of the batch was stored: name the item, the field and the dimension expected.
        throw new ApiError('VALIDATION_ERROR', `body/items/${error.index}/embedding: ${error.message}`, {
          location: 'body',
          errors: [{ field: `/items/${error.index}/embedding`, message: error.message }],
          item_id: error.itemId,
          expected_dimension: error.expectedDimension,
          actual_dimension: error.actualDimension,
        });
      }
      return { upserted: request.body.items.length };
    },
  );

  app.get(
    '/v1/items/:item_id',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Read one item',
        params: ItemParams,
        response: { 200: Type.Ref('Item'), ...errors(404) },
      },
    },
    async (request) => {
      const item = await engine.getItem(request.params.item_id);
      if (!item) throw new ApiError('ITEM_NOT_FOUND', `item ${request.params.item_id} does not exist`);
      return item;
    },
  );

  app.delete(
    '/v1/items/:item_id',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Remove an item from serving (history that mentions it is kept)',
        params: ItemParams,
        response: { 200: Type.Object({ item_id: Type.String(), available: Type.Boolean() }), ...errors(404) },
      },
    },
    async (request) => {
      if (!(await engine.removeItem(request.params.item_id))) {
        throw new ApiError('ITEM_NOT_FOUND', `item ${request.params.item_id} does not exist`);
      }
      return { item_id: request.params.item_id, available: false };
    },
  );
}
