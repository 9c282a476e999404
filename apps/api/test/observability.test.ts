// Observability over HTTP: the metrics an operator graphs and alerts on are present and move with
// traffic, drift reacts to a shifted audience, the fairness option is served, and request logs
// carry pseudonyms, never user ids.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecommendationEngine } from '@recsys/engine';
import { Pseudonymiser } from '@recsys/insights';
import { InProcessJobRunner } from '@recsys/jobs';
import { createEmbeddedModelRegistry, createEmbeddedStore, type EmbeddedStore } from '@recsys/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app-types.js';
import { buildServer } from '../src/server.js';
import { nextEventId, testCatalogue } from './support/fixtures.js';
import { call, waitForJob } from './support/http.js';

const SECRET_USER = 'alice.secret-4711';
const pseudonymiser = new Pseudonymiser({ key: 'observability-test-key-0123456789' });
const logLines: string[] = [];

let dataDir: string;
let store: EmbeddedStore;
let jobs: InProcessJobRunner;
let engine: RecommendationEngine;
let app: App;
let baseUrl: string;

/** Fans with histories of 3 to 22 titles, so the activity reference has a spread to drift from. */
function history(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const now = Date.now();
  for (let u = 0; u < 40; u++) {
    const prefix = u % 2 ? 'anime' : 'crime';
    for (let k = 0; k < 3 + (u % 20); k++) {
      events.push({
        event_id: nextEventId(),
        user_id: `fan-${u}`,
        item_id: `${prefix}-${(u * 3 + k) % 30}`,
        type: 'complete',
        completion: 1,
        timestamp: new Date(now - (u * 30 + k) * 60_000).toISOString(),
      });
    }
  }
  return events;
}

/** The value of one sample line of the exposition text; NaN when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}

const metrics = async () => (await call(baseUrl, 'GET', '/metrics')).body as string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-observability-'));
  store = createEmbeddedStore({ dataDir });
  await store.open();
  jobs = new InProcessJobRunner();
  engine = new RecommendationEngine(
    { store, registry: createEmbeddedModelRegistry({ dir: path.join(dataDir, 'models') }), jobs },
    { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false, servingMonitor: { snapshotEveryMs: 0 } },
  );
  await engine.start();
  app = await buildServer({
    engine,
    store,
    logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } },
    rateLimitPerMinute: 1_000_000,
    bodyLimitBytes: 10 * 1024 * 1024,
    version: 'test',
    pseudonymiser,
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() });
  await call(baseUrl, 'POST', '/v1/events', { events: history() });
  const job = await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' });
  expect((await waitForJob(baseUrl, job.body.job_id, 60_000)).state).toBe('completed');
}, 120_000);

afterAll(async () => {
  await app?.close();
  engine?.close();
  await jobs?.close();
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('metrics endpoint', () => {
  it('reports the served model: version, age, training time and offline metrics', async () => {
    const text = await metrics();
    const version = engine.activeVersion()!;
    expect(sample(text, 'recsys_model_info', `version="${version}"`)).toBe(1);
    expect(sample(text, 'recsys_model_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'recsys_model_age_seconds')).toBeLessThan(600);
    expect(sample(text, 'recsys_model_training_duration_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'recsys_model_offline_metric', 'metric="ndcg_at_10"')).toBeGreaterThan(0);
    expect(sample(text, 'recsys_job_queue_depth', 'queue="retrain",state="waiting"')).toBe(0);
    expect(text).toContain('recsys_job_queue_depth{queue="incremental-update",state="active"} 0');
  });

  it('moves cache, exposure and drift metrics with traffic', async () => {
    const before = await metrics();
    const misses = sample(before, 'recsys_cache_lookups_total', 'cache="user_state",result="miss"') || 0;
    const hits = sample(before, 'recsys_cache_lookups_total', 'cache="user_state",result="hit"') || 0;
    const scores = sample(before, 'recsys_drift_live_observations', 'signal="scores"') || 0;
    // Known users, each asking twice: the second answer comes from the user-state cache.
    for (let round = 0; round < 2; round++) {
      for (let u = 0; u < 40; u++) expect((await call(baseUrl, 'GET', `/v1/users/fan-${u}/recommendations?limit=10`)).status).toBe(200);
    }
    const after = await metrics();
    expect(sample(after, 'recsys_cache_lookups_total', 'cache="user_state",result="miss"')).toBeGreaterThanOrEqual(misses + 40);
    expect(sample(after, 'recsys_cache_lookups_total', 'cache="user_state",result="hit"')).toBeGreaterThanOrEqual(hits + 40);
    expect(sample(after, 'recsys_cache_hit_ratio', 'cache="user_state"')).toBeGreaterThan(0);
    expect(sample(after, 'recsys_cache_hit_ratio', 'cache="serving_state"')).toBeGreaterThan(0.9);
    expect(sample(after, 'recsys_drift_live_observations', 'signal="scores"')).toBe(scores + 800);
    expect(sample(after, 'recsys_exposure_window_lists')).toBeGreaterThanOrEqual(80);
    const gini = sample(after, 'recsys_exposure_gini');
    expect(gini).toBeGreaterThan(0);
    expect(gini).toBeLessThan(1);
    const tail = sample(after, 'recsys_exposure_long_tail_share');
    expect(tail).toBeGreaterThanOrEqual(0);
    expect(tail).toBeLessThanOrEqual(1);
    expect(sample(after, 'recsys_exposure_catalog_coverage')).toBeGreaterThan(0);
    const ja = sample(after, 'recsys_exposure_share', 'dimension="language",group="ja"');
    const en = sample(after, 'recsys_exposure_share', 'dimension="language",group="en"');
    expect(ja + en).toBeCloseTo(1, 6);
    expect(sample(after, 'recsys_exposure_share', 'dimension="content_type",group="anime"')).toBeCloseTo(ja, 6);
  });

  it('raises user-activity drift when the audience shifts to users the model never saw', async () => {
    const activity = () => metrics().then((text) => sample(text, 'recsys_drift_psi', 'signal="user_activity"'));
    const known = await activity();
    expect(known).toBeLessThan(0.25);
    // The window (5,000) fills with strangers: no history at all, unlike every training user.
    for (let u = 0; u < 300; u++) await call(baseUrl, 'GET', `/v1/users/stranger-${u}/recommendations?limit=5`);
    const shifted = await activity();
    expect(shifted).toBeGreaterThan(0.25);
    expect(shifted).toBeGreaterThan(known);
  });
});

describe('fairness option', () => {
  it('serves fewer head titles under max_popular_share and refuses values outside 0-1', async () => {
    const head = async (query: string) => {
      const response = await call(baseUrl, 'GET', `/v1/users/${SECRET_USER}/recommendations?limit=10${query}`);
      expect(response.status).toBe(200);
      return response.body.items.filter((i: { diversity_category: string }) => i.diversity_category.endsWith('|popular')).length;
    };
    const plain = await head('');
    const bounded = await head('&max_popular_share=0');
    expect(plain).toBeGreaterThan(0);
    expect(bounded).toBeLessThan(plain);
    const post = await call(baseUrl, 'POST', '/v1/recommendations', { user_id: SECRET_USER, limit: 10, max_popular_share: 0.2, max_language_share: 0.5 });
    expect(post.status).toBe(200);
    expect(post.body.items).toHaveLength(10);
    expect((await call(baseUrl, 'GET', `/v1/users/${SECRET_USER}/recommendations?max_popular_share=1.5`)).status).toBe(400);
  });
});

describe('request logs', () => {
  it('carry a keyed pseudonym instead of the user id, in URLs and never from bodies', async () => {
    await call(baseUrl, 'GET', `/v1/users/${encodeURIComponent(SECRET_USER)}/recommendations?limit=3`);
    await call(baseUrl, 'PUT', `/v1/users/${SECRET_USER}/preferences`, { genres: ['Anime'] });
    await call(baseUrl, 'POST', '/v1/recommendations', { user_id: SECRET_USER, limit: 3 });
    await call(baseUrl, 'POST', '/v1/events', {
      events: [{ event_id: nextEventId(), user_id: SECRET_USER, item_id: 'anime-1', type: 'click', timestamp: new Date().toISOString() }],
    });
    const text = logLines.join('');
    expect(text).toContain(`/v1/users/~${pseudonymiser.pseudonymise(SECRET_USER)}/recommendations`);
    expect(text).not.toContain(SECRET_USER);
    expect(text).not.toContain('alice');
    for (let u = 0; u < 40; u++) expect(text).not.toContain(`fan-${u}/`);
  });
});
