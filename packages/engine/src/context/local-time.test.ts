import { describe, expect, it } from 'vitest';
import { BUCKET_LABELS, bucketsOf, countryZone, isValidTimeZone, localTime, offsetOfTimestamp, zoneOffsetMinutes } from './local-time.js';
import { MAX_CLOCK_SKEW_MS, resolveRequestContext } from './request-context.js';

const labels = (ms: number, zone: string | number, southern = false) => bucketsOf(localTime(ms, zone), southern).map((b) => BUCKET_LABELS[b]);

describe('local time and buckets', () => {
  it('reads wall-clock time in the zone, daylight saving included', () => {
    const at = Date.parse('2026-01-15T13:00:00Z'); // a Thursday
    expect(localTime(at, 'Asia/Tokyo').hour).toBe(22);
    expect(labels(at, 'Asia/Tokyo')).toEqual(['evening', 'weekday', 'winter']);
    expect(labels(at, 'America/Los_Angeles')).toEqual(['night', 'weekday', 'winter']); // 05:00
    expect(zoneOffsetMinutes(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(zoneOffsetMinutes(Date.parse('2026-01-01T12:00:00Z'), 'Europe/Paris')).toBe(60);
    // Saturday 01:00 in Sydney is still Friday in UTC; and January is summer there.
    const saturday = Date.parse('2026-01-16T14:00:00Z');
    expect(labels(saturday, 'Australia/Sydney', true)).toEqual(['night', 'weekend', 'summer']);
    expect(labels(saturday, 0)).toEqual(['afternoon', 'weekday', 'winter']);
  });

  it('validates zones with Intl and reads offsets written in timestamps', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(offsetOfTimestamp('2026-01-15T22:00:00+09:00')).toBe(540);
    expect(offsetOfTimestamp('2026-01-15T22:00:00-0530')).toBe(-330);
    expect(offsetOfTimestamp('2026-01-15T22:00:00Z')).toBeUndefined();
    expect(countryZone('jp')).toBe('Asia/Tokyo');
    expect(countryZone('XX')).toBeUndefined();
  });
});

describe('request context', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const prefs = { genres: [], languages: [], content_types: [], liked_item_ids: [], disliked_item_ids: [], friends: [], updated_at: '', country: 'JP' };

  it('takes the zone from the request, else the timestamp offset, else the profile country, else UTC', () => {
    expect(resolveRequestContext({ timezone: 'Europe/Paris' }, prefs, now)).toMatchObject({ zone: 'Europe/Paris', zoneSource: 'request' });
    expect(resolveRequestContext({ timestamp: '2026-03-10T20:00:00+08:00' }, prefs, now)).toMatchObject({ zone: 480, zoneSource: 'timestamp' });
    expect(resolveRequestContext({}, prefs, now)).toMatchObject({ zone: 'Asia/Tokyo', zoneSource: 'profile' });
    expect(resolveRequestContext({ timezone: 'Not/AZone' }, undefined, now)).toMatchObject({ zone: 0, zoneSource: 'default' });
  });

  it('recommends for a past moment when asked, clamps a future one to now, and drops unknown devices', () => {
    expect(resolveRequestContext({ timestamp: '2026-03-01T00:00:00Z' }, undefined, now).nowMs).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(resolveRequestContext({ timestamp: new Date(now + 2 * MAX_CLOCK_SKEW_MS).toISOString() }, undefined, now).nowMs).toBe(now);
    expect(resolveRequestContext({ timestamp: 'yesterday' }, undefined, now).nowMs).toBe(now);
    expect(resolveRequestContext({ device: 'tv' }, undefined, now).device).toBe('tv');
    expect(resolveRequestContext({ device: 'toaster' }, undefined, now).device).toBeUndefined();
  });
});
