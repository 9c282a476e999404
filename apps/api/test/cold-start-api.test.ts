// Cold start over HTTP: a new user's onboarding answers give a first list that matches them, not
// the popularity list every stranger gets, and the export shows the segment they were placed in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceEvents, testCatalogue } from './support/fixtures.js';
import { type TestService, startTestService } from './support/embedded-service.js';
import { call, waitForJob } from './support/http.js';

let running: TestService | undefined;
let baseUrl: string;

beforeAll(async () => {
  running = await startTestService('recsys-cold-');
  ({ baseUrl } = running);
  await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() });
  await call(baseUrl, 'POST', '/v1/events', { events: audienceEvents() });
  const job = await call(baseUrl, 'POST', '/v1/models/retrain', { kind: 'full' });
  expect((await waitForJob(baseUrl, job.body.job_id, 60_000)).state).toBe('completed');
}, 90_000);

afterAll(() => running?.close());

const ids = (body: any): string[] => body.items.map((i: any) => i.item_id);
const animeShare = (body: any) => ids(body).filter((id) => id.startsWith('anime-')).length / body.items.length;

describe('a new user with onboarding preferences', () => {
  it('is served a list that matches them, not the popularity list', async () => {
    // Crime titles are the popular ones: a stranger gets crime.
    const stranger = await call(baseUrl, 'GET', '/v1/users/just-arrived/recommendations?limit=10');
    expect(stranger.status).toBe(200);
    expect(animeShare(stranger.body)).toBeLessThan(0.5);

    const put = await call(baseUrl, 'PUT', '/v1/users/onboarded/preferences', { genres: ['Animation'], age_bucket: '18-24', country: 'JP' });
    expect(put.status).toBeLessThan(300);
    const first = await call(baseUrl, 'GET', '/v1/users/onboarded/recommendations?limit=10');
    expect(first.status).toBe(200);
    expect(first.body.degraded).toBe(false);
    expect(animeShare(first.body)).toBe(1);
    expect(first.body.items[0].algorithm_source).toBe('cold_start');
    const reasons = first.body.items.flatMap((i: any) => i.explanation_reasons);
    expect(reasons.some((r: string) => r.startsWith('genre_pref: Animation'))).toBe(true);
    expect(reasons.some((r: string) => /^popular with viewers like you \(segment: .*animation/.test(r))).toBe(true);
  });

  it('is served from the titles they liked, folded into the collaborative model', async () => {
    await call(baseUrl, 'PUT', '/v1/users/liker/preferences', { liked_item_ids: ['anime-1', 'anime-3', 'anime-5'] });
    const list = await call(baseUrl, 'GET', '/v1/users/liker/recommendations?limit=10');
    expect(list.status).toBe(200);
    expect(animeShare(list.body)).toBe(1);
    expect(ids(list.body)).not.toContain('anime-1');
    const reasons = list.body.items.flatMap((i: any) => i.explanation_reasons);
    expect(reasons.some((r: string) => /^because_you_watched: Anime [135] /.test(r))).toBe(true);
  });

  it('shows the segment the user was placed in in the export', async () => {
    const exported = await call(baseUrl, 'GET', '/v1/users/onboarded/export');
    expect(exported.status).toBe(200);
    expect(exported.body.segment).toEqual({
      segment: expect.any(Number),
      label: expect.stringContaining('animation'),
      // The audience stated no demographics, so segments know none: the genres placed the user.
      basis: ['genres'],
      served: true,
    });
    // A user the model cannot place from anything stored has no segment.
    await call(baseUrl, 'PUT', '/v1/users/blank/preferences', { languages: ['en'] });
    expect((await call(baseUrl, 'GET', '/v1/users/blank/export')).body.segment).toBeNull();
  });
});
