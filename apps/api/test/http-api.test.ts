// The HTTP contract: validation, error shapes, filters, docs and metrics, on a real server on loopback.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceEvents, nextEventId, testCatalogue } from './support/fixtures.js';
import { type TestService, startTestService } from './support/embedded-service.js';
import { call, waitForJob } from './support/http.js';

let running: TestService | undefined;
let baseUrl: string;

beforeAll(async () => {
  running = await startTestService('recsys-http-');
  ({ baseUrl } = running);
});

afterAll(() => running?.close());

const expectError = (response: { status: number; body: any }, status: number, code: string, field?: string) => {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error).toHaveProperty('details');
  if (field) expect(response.body.error.message).toContain(field);
};

describe('before any model is trained', () => {
  it('answers from popularity with degraded: true, never a 5xx', async () => {
    await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() });
    const response = await call(baseUrl, 'GET', '/v1/users/nobody/recommendations?limit=5');
    expect(response.status).toBe(200);
    expect(response.body.degraded).toBe(true);
    expect(response.body.model_version).toBeNull();
    expect(response.body.items).toHaveLength(5);
    expect(response.body.items[0].algorithm_source).toBe('popularity_fallback');
    expect(response.body.items[0].explanation_reasons[0]).toMatch(/^popular: #1$/);
  });

  it('refuses a retrain with nothing to learn from as a failed job, keeping the service up', async () => {
    const job = await call(baseUrl, 'POST', '/v1/models/retrain', {});
    expect(job.status).toBe(202);
    const done = await waitForJob(baseUrl, job.body.job_id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/no interactions/);
  });
});

describe('catalogue and events', () => {
  it('rejects bad items naming the field, storing nothing of the batch', async () => {
    const bad = await call(baseUrl, 'PUT', '/v1/items', {
      items: [
        { item_id: 'ok-1', title: 'Fine', content_type: 'movie' },
        { item_id: 'bad-1', title: 'Wrong type', content_type: 'podcast' },
      ],
    });
    expectError(bad, 400, 'VALIDATION_ERROR', '/items/1/content_type');
    expect(bad.body.error.details.errors[0].field).toBe('/items/1/content_type');
    expect((await call(baseUrl, 'GET', '/v1/items/ok-1')).status).toBe(404);

    expectError(await call(baseUrl, 'PUT', '/v1/items', { items: [{ title: 'No id', content_type: 'movie' }] }), 400, 'VALIDATION_ERROR', '/items/0/item_id');
    expectError(await call(baseUrl, 'PUT', '/v1/items', { items: [{ item_id: 'x', title: 'T', content_type: 'movie', year: 'soon' }] }), 400, 'VALIDATION_ERROR', '/items/0/year');
  });

  it('reads, removes and 404s items', async () => {
    const item = await call(baseUrl, 'GET', '/v1/items/anime-1');
    expect(item.status).toBe(200);
    expect(item.body).toMatchObject({ item_id: 'anime-1', content_type: 'anime', available: true, languages: ['ja'] });
    expectError(await call(baseUrl, 'GET', '/v1/items/missing'), 404, 'ITEM_NOT_FOUND');
    expectError(await call(baseUrl, 'DELETE', '/v1/items/missing'), 404, 'ITEM_NOT_FOUND');
  });

  it('validates events: ratings in range, required ids, batch size, future timestamps', async () => {
    const event = (extra: Record<string, unknown>) => ({ event_id: nextEventId(), user_id: 'u-bad', item_id: 'anime-1', type: 'rate', rating: 4, ...extra });
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ rating: 7 })] }), 400, 'VALIDATION_ERROR', '/events/0/rating');
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ rating: undefined })] }), 400, 'VALIDATION_ERROR', '/events/0/rating');
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ user_id: undefined })] }), 400, 'VALIDATION_ERROR', '/events/0/user_id');
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ type: 'watch', item_id: undefined })] }), 400, 'VALIDATION_ERROR', '/events/0/item_id');
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ type: 'teleport' })] }), 400, 'VALIDATION_ERROR', '/events/0/type');
    const future = new Date(Date.now() + 3600_000).toISOString();
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: [event({ timestamp: future })] }), 400, 'VALIDATION_ERROR', '/events/0/timestamp');
    const oversized = Array.from({ length: 1001 }, () => event({}));
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: oversized }), 400, 'VALIDATION_ERROR', '/events');
    // A batch with one bad event is refused whole.
    const mixed = [event({ event_id: 'mixed-good' }), event({ rating: 0 })];
    expectError(await call(baseUrl, 'POST', '/v1/events', { events: mixed }), 400, 'VALIDATION_ERROR', '/events/1/rating');
    expect((await call(baseUrl, 'GET', '/v1/users/u-bad/export')).status).toBe(404);
  });

  it('counts duplicate event ids once, within a batch and across calls', async () => {
    const events = [
      { event_id: 'dup-1', user_id: 'u-dup', item_id: 'anime-2', type: 'click' },
      { event_id: 'dup-1', user_id: 'u-dup', item_id: 'anime-2', type: 'click' },
      { event_id: 'dup-2', user_id: 'u-dup', item_id: 'anime-3', type: 'save' },
    ];
    expect((await call(baseUrl, 'POST', '/v1/events', { events })).body).toEqual({ accepted: 2, duplicates: 1 });
    expect((await call(baseUrl, 'POST', '/v1/events', { events })).body).toEqual({ accepted: 0, duplicates: 3 });
    const exported = await call(baseUrl, 'GET', '/v1/users/u-dup/export');
    expect(exported.body.events.map((e: any) => e.event_id)).toEqual(['dup-1', 'dup-2']);
  });

  it('answers malformed JSON, unknown routes and wrong media types in the error format', async () => {
    expectError(await call(baseUrl, 'POST', '/v1/events', '{"events": [', {}), 400, 'INVALID_JSON');
    expectError(await call(baseUrl, 'GET', '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
    const text = await fetch(`${baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<events/>' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as any).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('recommendations after training', () => {
  beforeAll(async () => {
    await call(baseUrl, 'POST', '/v1/events', { events: audienceEvents() });
    await call(baseUrl, 'PUT', '/v1/users/prefs-user/preferences', { genres: ['Crime'], languages: ['en'] });
    const job = await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' });
    expect((await waitForJob(baseUrl, job.body.job_id)).state).toBe('completed');
  });

  it('honours content type, language and exclusion filters and never returns watched items', async () => {
    const watched = ['crime-0', 'crime-2', 'crime-4'];
    await call(baseUrl, 'POST', '/v1/events', {
      events: watched.map((item_id) => ({ event_id: nextEventId(), user_id: 'filter-user', item_id, type: 'complete' })),
    });
    const series = await call(baseUrl, 'GET', '/v1/users/filter-user/recommendations?content_types=series&exclude_item_ids=crime-1,crime-3&limit=20');
    expect(series.status).toBe(200);
    expect(series.body.degraded).toBe(false);
    const ids = series.body.items.map((i: any) => i.item_id);
    expect(series.body.items.every((i: any) => i.content_type === 'series')).toBe(true);
    expect(ids).not.toContain('crime-1');
    expect(ids).not.toContain('crime-3');
    for (const id of watched) expect(ids).not.toContain(id);

    const japanese = await call(baseUrl, 'POST', '/v1/recommendations', { user_id: 'filter-user', languages: ['ja'], limit: 50 });
    expect(japanese.status).toBe(200);
    expect(japanese.body.items).toHaveLength(30);
    expect(japanese.body.items.every((i: any) => i.item_id.startsWith('anime-'))).toBe(true);
  });

  it('returns fewer than limit rather than let a filtered item through', async () => {
    const response = await call(baseUrl, 'GET', '/v1/users/filter-user/recommendations?content_types=tv_show&limit=10');
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
  });

  it('serves cold-start lists to unknown users and uses stated preferences', async () => {
    const response = await call(baseUrl, 'GET', '/v1/users/prefs-user/recommendations?limit=5');
    expect(response.status).toBe(200);
    expect(response.body.items.every((i: any) => i.item_id.startsWith('crime-'))).toBe(true);
    expect(response.body.items[0].algorithm_source).toBe('cold_start');
    expect(response.body.items[0].explanation_reasons[0]).toMatch(/^genre_pref: Crime/);
  });

  it('keeps variant assignment sticky and names the experiment', async () => {
    const first = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations');
    const second = await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations');
    expect(first.body.experiment_id).toBe('exp-default');
    expect(['ncf_primary', 'mf_fallback']).toContain(first.body.variant);
    expect(second.body.variant).toBe(first.body.variant);
    expect(first.body.request_id).not.toBe(second.body.request_id);
    expect(first.body.items.every((i: any) => i.experiment_id === 'exp-default')).toBe(true);
  });

  it('rejects a limit over 100 and unknown content types', async () => {
    expectError(await call(baseUrl, 'GET', '/v1/users/u1/recommendations?limit=101'), 400, 'VALIDATION_ERROR', '/limit');
    expectError(await call(baseUrl, 'GET', '/v1/users/u1/recommendations?content_types=movie,podcast'), 400, 'VALIDATION_ERROR', 'podcast');
    expectError(await call(baseUrl, 'GET', '/v1/users/u1/recommendations?diversity=2'), 400, 'VALIDATION_ERROR', '/diversity');
  });

  it('finds similar items collaboratively and 404s unknown ones', async () => {
    const similar = await call(baseUrl, 'GET', '/v1/items/anime-1/similar?mode=collaborative&limit=5');
    expect(similar.status).toBe(200);
    expect(similar.body.items).toHaveLength(5);
    expect(similar.body.items.every((i: any) => i.item_id.startsWith('anime-') && i.item_id !== 'anime-1')).toBe(true);
    expectError(await call(baseUrl, 'GET', '/v1/items/missing/similar'), 404, 'ITEM_NOT_FOUND');
  });

  it('lists model versions with metrics, activates one and 404s unknown versions', async () => {
    const models = await call(baseUrl, 'GET', '/v1/models');
    expect(models.status).toBe(200);
    const active = models.body.models.find((m: any) => m.status === 'active');
    expect(active.version).toBe(models.body.active_version);
    expect(active.metrics.ndcg_at_10).toBeGreaterThan(0);
    const activated = await call(baseUrl, 'POST', `/v1/models/${active.version}/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body.status).toBe('active');
    expectError(await call(baseUrl, 'POST', '/v1/models/nope/activate'), 404, 'MODEL_NOT_FOUND');
    expectError(await call(baseUrl, 'GET', '/v1/models/jobs/nope'), 404, 'JOB_NOT_FOUND');
  });
});

describe('erasure', () => {
  it('erases a user from events, preferences and features, and is safe to retry', async () => {
    await call(baseUrl, 'PUT', '/v1/users/erase-me/preferences', { genres: ['Crime'] });
    await call(baseUrl, 'POST', '/v1/events', {
      events: ['anime-1', 'anime-2'].map((item_id) => ({ event_id: nextEventId(), user_id: 'erase-me', item_id, type: 'complete' })),
    });
    expect((await call(baseUrl, 'GET', '/v1/users/erase-me/export')).body.events).toHaveLength(2);
    const erased = await call(baseUrl, 'DELETE', '/v1/users/erase-me');
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ user_id: 'erase-me', events: 2, preferences: true, features: 2, learning: { impressions: 0, attributions: 0, assignments: 0 } });
    expectError(await call(baseUrl, 'GET', '/v1/users/erase-me/export'), 404, 'USER_NOT_FOUND');
    const again = await call(baseUrl, 'DELETE', '/v1/users/erase-me');
    expect(again.body).toEqual({ user_id: 'erase-me', events: 0, preferences: false, features: 0, learning: { impressions: 0, attributions: 0, assignments: 0 } });
    // Served as a stranger afterwards: nothing of the erased history shapes the list.
    const recs = await call(baseUrl, 'GET', '/v1/users/erase-me/recommendations');
    expect(recs.body.items.every((i: any) => i.algorithm_source !== 'mf_fallback')).toBe(true);
  });
});

describe('operations', () => {
  it('serves a valid OpenAPI 3 document covering every route', async () => {
    const doc = (await call(baseUrl, 'GET', '/docs/json')).body;
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    for (const route of [
      'PUT /v1/items',
      'GET /v1/items/{item_id}',
      'DELETE /v1/items/{item_id}',
      'GET /v1/items/{item_id}/similar',
      'POST /v1/events',
      'PUT /v1/users/{user_id}/preferences',
      'GET /v1/users/{user_id}/recommendations',
      'GET /v1/users/{user_id}/export',
      'DELETE /v1/users/{user_id}',
      'POST /v1/recommendations',
      'POST /v1/models/retrain',
      'GET /v1/models/jobs/{job_id}',
      'GET /v1/models',
      'POST /v1/models/{version}/activate',
      'GET /healthz',
      'GET /readyz',
    ]) {
      expect(routes).toContain(route);
    }
    expect((await fetch(`${baseUrl}/docs`)).status).toBeLessThan(400);
  });

  it('exposes Prometheus metrics with a request latency histogram', async () => {
    const metrics = await call(baseUrl, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('recsys_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/recsys_recommendations_served_total\{algorithm_source="[a-z_]+"\} \d+/);
  });

  it('reports health and readiness and echoes request ids', async () => {
    expect((await call(baseUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(baseUrl, 'GET', '/readyz', undefined, { 'x-request-id': 'trace-123' });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.headers.get('x-request-id')).toBe('trace-123');
  });
});
