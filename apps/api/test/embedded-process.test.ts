// End to end against the real service process, as `pnpm start` runs it: HTTP on loopback, data on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audienceEvents, nextEventId, testCatalogue } from './support/fixtures.js';
import { call, waitForJob } from './support/http.js';
import { type ServiceProcess, startServiceProcess } from './support/service-process.js';

const OUTPUT_FIELDS = [
  'item_id',
  'title',
  'predicted_score',
  'confidence_interval',
  'explanation_reasons',
  'algorithm_source',
  'experiment_id',
  'diversity_category',
];

describe('embedded service process', () => {
  const running: ServiceProcess[] = [];
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'recsys-process-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (env: Record<string, string>) => {
    const service = await startServiceProcess(env);
    running.push(service);
    return service;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('ingests, retrains and ranks anime above unrelated titles for a user who watched three anime', async () => {
    const { baseUrl } = await start({ RECSYS_DATA_DIR: dataDir(), RECSYS_DEMO: '0' });
    expect((await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() })).status).toBe(200);
    const events = [
      ...audienceEvents(),
      ...['anime-3', 'anime-8', 'anime-15'].map((item_id) => ({
        event_id: nextEventId(),
        user_id: 'newcomer',
        item_id,
        type: 'watch',
        completion: 0.95,
      })),
    ];
    const ingest = await call(baseUrl, 'POST', '/v1/events', { events });
    expect(ingest.status).toBe(202);
    expect(ingest.body).toEqual({ accepted: events.length, duplicates: 0 });

    const retrain = await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' });
    expect(retrain.status).toBe(202);
    const job = await waitForJob(baseUrl, retrain.body.job_id);
    expect(job.state).toBe('completed');
    expect(job.result.activated).toBe(true);

    const recs = await call(baseUrl, 'GET', '/v1/users/newcomer/recommendations?limit=10&diversity=0');
    expect(recs.status).toBe(200);
    expect(recs.body.degraded).toBe(false);
    expect(recs.body.model_version).toBe(job.result.version);
    const items = recs.body.items as Record<string, any>[];
    expect(items).toHaveLength(10);
    for (const item of items) {
      for (const field of OUTPUT_FIELDS) expect(item).toHaveProperty(field);
      expect(item.predicted_score).toBeGreaterThanOrEqual(0);
      expect(item.predicted_score).toBeLessThanOrEqual(1);
      expect(item.confidence_interval[0]).toBeLessThanOrEqual(item.predicted_score);
      expect(item.confidence_interval[1]).toBeGreaterThanOrEqual(item.predicted_score);
    }
    // Crime titles are far more popular; only the learned taste puts anime first.
    expect(items.every((item) => item.item_id.startsWith('anime-'))).toBe(true);
    // Already watched titles are never recommended back: each was watched once to 95 %, so none is
    // an in-progress series that continue-watching could bring back.
    for (const watched of ['anime-3', 'anime-8', 'anime-15']) expect(items.map((i) => i.item_id)).not.toContain(watched);
    // The top title comes from the learned taste: the collaborative model the variant serves (NCF
    // when it passed the quality gate, else ALS), the story match with what the user watched or,
    // with only three events, their taste segment; never popularity or exploration.
    expect(['ncf_primary', 'mf_fallback', 'story_similarity', 'cold_start']).toContain(items[0]!.algorithm_source);
    expect(items[0]!.explanation_reasons.join(' ')).toMatch(/because_you_watched: Anime (3|8|15) /);
  });

  it('keeps every acknowledged event through a crash and a restart', async () => {
    const dir = dataDir();
    const first = await start({ RECSYS_DATA_DIR: dir, RECSYS_DEMO: '0' });
    await call(first.baseUrl, 'PUT', '/v1/items', { items: testCatalogue() });
    const acknowledged: string[] = [];
    // Concurrent batches exercise the group commit; each 202 promises durability.
    await Promise.all(
      Array.from({ length: 20 }, async (_, batch) => {
        const events = Array.from({ length: 25 }, (_, k) => ({
          event_id: `crash-${batch}-${k}`,
          user_id: 'survivor',
          item_id: `crime-${(batch + k) % 30}`,
          type: 'click',
        }));
        const response = await call(first.baseUrl, 'POST', '/v1/events', { events });
        expect(response.status).toBe(202);
        acknowledged.push(...events.map((e) => e.event_id));
      }),
    );
    await first.stop('SIGKILL');

    const second = await start({ RECSYS_DATA_DIR: dir, RECSYS_DEMO: '0' });
    const exported = await call(second.baseUrl, 'GET', '/v1/users/survivor/export');
    expect(exported.status).toBe(200);
    const stored = (exported.body.events as { event_id: string }[]).map((e) => e.event_id);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.sort()).toEqual(acknowledged.sort());
    // Retried after the restart, the same events are recognised as duplicates.
    const retry = await call(second.baseUrl, 'POST', '/v1/events', {
      events: [{ event_id: 'crash-0-0', user_id: 'survivor', item_id: 'crime-0', type: 'click' }],
    });
    expect(retry.body).toEqual({ accepted: 0, duplicates: 1 });
    expect((await call(second.baseUrl, 'GET', '/v1/items/anime-1')).status).toBe(200);
  });

  it('starts with the demo catalogue and serves a demo user ten explained items', async () => {
    const { baseUrl } = await start({ RECSYS_DATA_DIR: dataDir() });
    const deadline = Date.now() + 30_000;
    let body: any;
    // The first model trains in the background right after start.
    do {
      body = (await call(baseUrl, 'GET', '/v1/users/anime-fan-1/recommendations')).body;
      if (!body.degraded) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < deadline);
    expect(body.degraded).toBe(false);
    expect(body.items).toHaveLength(10);
    for (const item of body.items) for (const field of OUTPUT_FIELDS) expect(item).toHaveProperty(field);
    const anime = body.items.filter((item: any) => item.content_type === 'anime').length;
    expect(anime).toBeGreaterThanOrEqual(7);
  });
});
