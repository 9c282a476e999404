// Request context over HTTP: time zone, moment, device and region are accepted where valid and
// refused with a 400 naming the field otherwise; events get the same checks. Never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEventId, testCatalogue } from './support/fixtures.js';
import { type TestService, startTestService } from './support/embedded-service.js';
import { call } from './support/http.js';

let running: TestService | undefined;
let baseUrl: string;

beforeAll(async () => {
  running = await startTestService('recsys-context-');
  ({ baseUrl } = running);
  await call(baseUrl, 'PUT', '/v1/items', { items: testCatalogue() });
});

afterAll(() => running?.close());

const expect400 = (response: { status: number; body: any }, field: string, ...words: string[]) => {
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('VALIDATION_ERROR');
  expect(response.body.error.message).toContain(field);
  for (const word of words) expect(response.body.error.message).toContain(word);
};
const item = () => testCatalogue()[0]!.item_id;
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('recommendation context', () => {
  it('accepts a valid time zone, moment, device and region in the query and in the body', async () => {
    const get = await call(
      baseUrl,
      'GET',
      `/v1/users/u1/recommendations?limit=3&timezone=Asia%2FTokyo&device=tv&region=JP&timestamp=${encodeURIComponent('2026-01-10T22:00:00+09:00')}`,
    );
    expect(get.status).toBe(200);
    const post = await call(baseUrl, 'POST', '/v1/recommendations', {
      user_id: 'u1',
      limit: 3,
      context: { timezone: 'Europe/Paris', device: 'mobile', region: 'FR', session_id: 's1', timestamp: minutesFromNow(2) },
    });
    expect(post.status).toBe(200);
    expect(post.body.items).toHaveLength(3);
  });

  it('refuses an unknown device naming the allowed values', async () => {
    expect400(await call(baseUrl, 'GET', '/v1/users/u1/recommendations?device=toaster'), '/device', 'mobile', 'desktop', 'tv', 'tablet', 'other');
    expect400(await call(baseUrl, 'POST', '/v1/recommendations', { user_id: 'u1', context: { device: 'smartwatch' } }), '/context/device', 'tablet');
  });

  it('refuses a time zone Intl does not know, and a moment far in the future', async () => {
    expect400(await call(baseUrl, 'GET', '/v1/users/u1/recommendations?timezone=Mars%2FOlympus'), '/timezone', 'IANA');
    expect400(await call(baseUrl, 'POST', '/v1/recommendations', { user_id: 'u1', context: { timezone: 'GMT+25' } }), '/context/timezone');
    expect400(await call(baseUrl, 'POST', '/v1/recommendations', { user_id: 'u1', context: { timestamp: minutesFromNow(60) } }), '/context/timestamp', 'future');
    expect400(await call(baseUrl, 'GET', `/v1/users/u1/recommendations?timestamp=not-a-time`), '/timestamp');
    expect400(await call(baseUrl, 'GET', `/v1/users/u1/recommendations?timezone=${'A'.repeat(5000)}`), '/timezone');
  });
});

describe('event context', () => {
  const event = (extra: Record<string, unknown>) => ({ event_id: nextEventId(), user_id: 'u1', item_id: item(), type: 'watch', ...extra });

  it('stores events with a valid device, time zone and region', async () => {
    const response = await call(baseUrl, 'POST', '/v1/events', {
      events: [event({ device: 'tablet', timezone: 'America/Sao_Paulo', region: 'BR', timestamp: minutesFromNow(-30) })],
    });
    expect(response.status).toBe(202);
    expect(response.body.accepted).toBe(1);
  });

  it('refuses the whole batch, naming the event index, for a bad device, zone, future time or an overlong query', async () => {
    const ok = event({});
    expect400(await call(baseUrl, 'POST', '/v1/events', { events: [ok, event({ device: 'fridge' })] }), '/events/1/device', 'mobile');
    expect400(await call(baseUrl, 'POST', '/v1/events', { events: [ok, event({ timezone: 'Nowhere/Land' })] }), '/events/1/timezone', 'IANA');
    expect400(await call(baseUrl, 'POST', '/v1/events', { events: [event({ timestamp: minutesFromNow(10) })] }), '/events/0/timestamp', 'future');
    expect400(
      await call(baseUrl, 'POST', '/v1/events', { events: [ok, { event_id: nextEventId(), user_id: 'u1', type: 'search', query: 'x'.repeat(5000) }] }),
      '/events/1/query',
      '500',
    );
    // Nothing of a refused batch was stored: the valid event can still be sent once.
    const retry = await call(baseUrl, 'POST', '/v1/events', { events: [ok] });
    expect(retry.body).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('accepts a clock a little ahead (skew under five minutes)', async () => {
    const response = await call(baseUrl, 'POST', '/v1/events', { events: [event({ timestamp: minutesFromNow(3) })] });
    expect(response.status).toBe(202);
  });
});
