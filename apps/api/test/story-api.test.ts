// Story similarity over HTTP: the embedding dimension check and mode=story.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, startTestService } from './support/embedded-service.js';
import { call } from './support/http.js';

let running: TestService | undefined;
let baseUrl: string;

beforeAll(async () => {
  running = await startTestService('recsys-story-', { RECSYS_EMBEDDING_DIMENSION: '3' });
  ({ baseUrl } = running);
});

afterAll(() => running?.close());

const item = (id: string, embedding?: number[]) => ({
  item_id: id,
  title: `Title ${id}`,
  content_type: 'movie',
  plot: 'An astronaut drifts between planets.',
  ...(embedding && { embedding }),
});

describe('external plot embeddings', () => {
  it('refuses a vector of the wrong dimension with a 400 naming the item and the dimension', async () => {
    const response = await call(baseUrl, 'PUT', '/v1/items', { items: [item('ok', [1, 0, 0]), item('odd', [1, 0, 0, 0])] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.message).toContain('items/1/embedding');
    expect(response.body.error.message).toContain('"odd" has an embedding of 4 dimensions');
    expect(response.body.error.details).toMatchObject({ item_id: 'odd', expected_dimension: 3, actual_dimension: 4 });
    expect((await call(baseUrl, 'GET', '/v1/items/ok')).status).toBe(404);
  });

  it('serves story neighbours in the embeddings\' own space', async () => {
    const put = await call(baseUrl, 'PUT', '/v1/items', {
      items: [item('a', [1, 0, 0]), item('b', [0.9, 0.1, 0]), item('c', [0, 0, 1])],
    });
    expect(put.status).toBe(200);
    const similar = await call(baseUrl, 'GET', '/v1/items/a/similar?mode=story&limit=2');
    expect(similar.status).toBe(200);
    expect(similar.body.mode).toBe('story');
    expect(similar.body.items.map((i: { item_id: string }) => i.item_id)).toEqual(['b']);
  });
});
