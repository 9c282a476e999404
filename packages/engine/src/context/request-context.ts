import type { UserPreferences } from '@recsys/core';
import { countryZone, isSouthern, isValidTimeZone, offsetOfTimestamp, UTC, type Zone } from './local-time.js';

export const DEVICES = ['mobile', 'desktop', 'tv', 'tablet', 'other'] as const;
export type Device = (typeof DEVICES)[number];

export function isDevice(value: unknown): value is Device {
  return typeof value === 'string' && (DEVICES as readonly string[]).includes(value);
}

/**
 * Clocks drift: a request or event stamped this far ahead of the service's clock is accepted (and
 * treated as now); further ahead it is refused over HTTP and clamped to now by the engine.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What a recommendation request says about its moment and surroundings (all optional). */
export interface RequestContextInput {
  timezone?: string;
  /** ISO-8601 instant to recommend for; its offset, when given, is the user's zone if `timezone` is not. */
  timestamp?: string;
  device?: string;
  session_id?: string;
  region?: string;
}

/** The request context resolved once per request, what every context signal reads. */
export interface RequestContext {
  /** Epoch milliseconds of the moment recommended for (never in the future). */
  nowMs: number;
  /** Where local time is read: the request's zone, else its timestamp's offset, else the profile country's, else UTC. */
  zone: Zone;
  /** Where `zone` came from, for explanations and tests. */
  zoneSource: 'request' | 'timestamp' | 'profile' | 'default';
  southern: boolean;
  device?: Device;
  sessionId?: string;
  region?: string;
}

/**
 * Resolves the request context. Nothing here throws: invalid zones and devices (which the HTTP
 * layer refuses with a 400 before this) fall back to the defaults; a future timestamp is clamped.
 */
export function resolveRequestContext(
  input: RequestContextInput,
  preferences: UserPreferences | undefined,
  serviceNowMs: number,
): RequestContext {
  const parsed = input.timestamp ? Date.parse(input.timestamp) : NaN;
  const nowMs = Number.isFinite(parsed) ? Math.min(parsed, serviceNowMs) : serviceNowMs;
  const offset = offsetOfTimestamp(input.timestamp);
  const profileZone = countryZone(preferences?.country);
  let zone: Zone = UTC;
  let zoneSource: RequestContext['zoneSource'] = 'default';
  if (input.timezone && isValidTimeZone(input.timezone)) [zone, zoneSource] = [input.timezone, 'request'];
  else if (offset !== undefined) [zone, zoneSource] = [offset, 'timestamp'];
  else if (profileZone) [zone, zoneSource] = [profileZone, 'profile'];
  return {
    nowMs,
    zone,
    zoneSource,
    southern: isSouthern(zone),
    device: isDevice(input.device) ? input.device : undefined,
    sessionId: input.session_id,
    region: input.region?.trim() || undefined,
  };
}
