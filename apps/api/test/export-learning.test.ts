// GDPR export over HTTP: the learning state about the user (impressions still held for
// attribution, attributed events, experiment assignments) is part of what the export returns, and
// goes away with the erasure.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEmbeddedService, type EmbeddedService } from '../src/embedded-service.js';
import { nextEventId, testCatalogue } from './support/fixtures.js';
import { call } from './support/http.js';

let service: EmbeddedService;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-export-'));
  const config = loadConfig({ RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RETRAIN_INTERVAL_MINUTES: '0' });
  service = await createEmbeddedService(config, { learning: { ...config.learning, flushIntervalMs: 10, retryUnattributedMs: 20 } });
  baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  expect((await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() })).status).toBe(200);
});

afterAll(async () => {
  await service?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /v1/users/{id}/export: learning state', () => {
  it('returns the impressions, attributions and assignments held about the user', async () => {
    const served = await call(baseUrl, 'GET', '/v1/users/exported/recommendations?limit=4');
    expect(served.status).toBe(200);
    const { request_id, experiment_id, variant } = served.body;
    const clicked = served.body.items[1].item_id;
    await service.engine.learning!.flush();

    // Served but no event and no preference yet: the impressions alone are stored data.
    const before = await call(baseUrl, 'GET', '/v1/users/exported/export');
    expect(before.status).toBe(200);
    expect(before.body.learning.impressions.map((i: { item_id: string }) => i.item_id)).toEqual(served.body.items.map((i: { item_id: string }) => i.item_id));
    expect(before.body.learning.impressions[0]).toMatchObject({ request_id, user_id: 'exported', position: 1, experiment_id, variant });
    expect(before.body.learning.assignments).toEqual({ [experiment_id]: variant });
    expect(before.body.learning.attributions).toEqual([]);

    const event_id = nextEventId();
    const posted = await call(baseUrl, 'POST', '/v1/events', {
      events: [{ event_id, user_id: 'exported', item_id: clicked, type: 'click', recommendation_id: request_id }],
    });
    expect(posted.status).toBe(202);
    await service.engine.learning!.flush();

    const after = await call(baseUrl, 'GET', '/v1/users/exported/export');
    expect(after.body.events.map((e: { event_id: string }) => e.event_id)).toEqual([event_id]);
    expect(after.body.learning.attributions).toEqual([
      expect.objectContaining({ event_id, item_id: clicked, request_id, position: 2, variant, matched_by: 'recommendation_id' }),
    ]);

    // Someone else's export holds none of it.
    await call(baseUrl, 'GET', '/v1/users/other/recommendations?limit=4');
    await service.engine.learning!.flush();
    const other = await call(baseUrl, 'GET', '/v1/users/other/export');
    expect(other.body.learning.impressions.every((i: { user_id: string }) => i.user_id === 'other')).toBe(true);
    expect(other.body.learning.attributions).toEqual([]);

    // The impressions held in memory for attribution are exported as a metric.
    const metrics = String((await call(baseUrl, 'GET', '/metrics')).body);
    expect(Number(/^\w*impressions_in_memory (\d+)/m.exec(metrics)?.[1])).toBe(8);
    expect(metrics).toMatch(/^\w*impressions_evicted_total 0$/m);

    expect((await call(baseUrl, 'DELETE', '/v1/users/exported')).status).toBe(200);
    expect((await call(baseUrl, 'GET', '/v1/users/exported/export')).status).toBe(404);
  });
});
