// The request-context fields shared by recommendation requests and events, and the rules a JSON
// schema cannot state (a time zone Intl knows, a moment not in the future).
import { DEVICES, isValidTimeZone, MAX_CLOCK_SKEW_MS } from '@recsys/engine';
import { Type } from 'typebox';
import type { FieldError } from '../errors/api-error.js';

export const DeviceSchema = Type.Enum([...DEVICES], { description: `Kind of screen: ${DEVICES.join(', ')}` });
export const TimezoneSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Europe/Paris: where time of day, weekday and season are read',
});
export const RegionSchema = Type.String({ minLength: 1, maxLength: 50, description: 'Region code, e.g. a country' });
export const MomentSchema = Type.String({
  format: 'date-time',
  description:
    'The moment to recommend for, by default now; its offset (e.g. +09:00) is the local time when timezone is absent. ' +
    'More than 5 minutes ahead of the service clock is refused.',
});

/** Longest search query stored with an event; longer ones are refused (400), not truncated silently. */
export const MAX_QUERY_LENGTH = 500;

/** Problems with a timezone or a timestamp under `at` (a JSON pointer prefix, e.g. "/context"). */
export function checkMoment(value: { timezone?: string; timestamp?: string }, at: string, nowMs: number): FieldError[] {
  const problems: FieldError[] = [];
  if (value.timezone !== undefined && !isValidTimeZone(value.timezone)) {
    problems.push({ field: `${at}/timezone`, message: `"${value.timezone.slice(0, 64)}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)` });
  }
  if (value.timestamp !== undefined && Date.parse(value.timestamp) > nowMs + MAX_CLOCK_SKEW_MS) {
    problems.push({ field: `${at}/timestamp`, message: `is in the future (more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of the service clock)` });
  }
  return problems;
}
