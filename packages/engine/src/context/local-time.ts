// Local wall-clock time of an instant in a time zone, and the buckets temporal signals learn over.

/** Where local time comes from: an IANA zone name, or a fixed offset from UTC in minutes. */
export type Zone = string | number;

export const UTC: Zone = 0;

const HOUR_MS = 3_600_000;

/** Zone names already checked (constructing a formatter to check one costs tens of microseconds). */
const checkedZones = new Map<string, boolean>();

export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  let valid = checkedZones.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    // Bounded: a client sending random names cannot grow it without limit.
    if (checkedZones.size >= 10_000) checkedZones.clear();
    checkedZones.set(zone, valid);
  }
  return valid;
}

/**
 * The UTC offset (minutes) written in an ISO-8601 timestamp ("...+09:00", "...-0500", "...Z"),
 * undefined when it has none: a client that sends local time with its offset tells us its zone.
 */
export function offsetOfTimestamp(timestamp: string | undefined): number | undefined {
  if (!timestamp) return undefined;
  if (/z$/i.test(timestamp)) return undefined; // UTC by convention, not a statement about the user
  const match = /([+-])(\d\d):?(\d\d)$/.exec(timestamp);
  if (!match || !/T\d/.test(timestamp)) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return minutes > 18 * 60 ? undefined : (match[1] === '-' ? -1 : 1) * minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone and UTC hour: zone rules change at most at hour boundaries in practice. */
const offsets = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 20_000;

/** Minutes to add to UTC to get the zone's wall-clock time at `ms`. */
export function zoneOffsetMinutes(ms: number, zone: Zone): number {
  if (typeof zone === 'number') return zone;
  const hour = Math.floor(ms / HOUR_MS);
  let byHour = offsets.get(zone);
  const cached = byHour?.get(hour);
  if (cached !== undefined) return cached;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(hour * HOUR_MS)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  const offset = Math.round((wall - hour * HOUR_MS) / 60_000);
  if (!byHour || byHour.size >= MAX_CACHED_HOURS) offsets.set(zone, (byHour = new Map()));
  byHour.set(hour, offset);
  return offset;
}

/** Local hour (0-23), weekday (0 = Sunday) and month (0-11) of `ms` in `zone`. */
export function localTime(ms: number, zone: Zone): { hour: number; weekday: number; month: number } {
  const local = new Date(ms + zoneOffsetMinutes(ms, zone) * 60_000);
  return { hour: local.getUTCHours(), weekday: local.getUTCDay(), month: local.getUTCMonth() };
}

// ---- buckets ----------------------------------------------------------------------------------

/** The bucket families: each instant falls in exactly one bucket of each. */
export const TIME_BUCKETS = {
  part_of_day: ['night', 'morning', 'afternoon', 'evening'],
  part_of_week: ['weekday', 'weekend'],
  season: ['winter', 'spring', 'summer', 'autumn'],
} as const;
export type BucketFamily = keyof typeof TIME_BUCKETS;
export const BUCKET_FAMILIES = Object.keys(TIME_BUCKETS) as BucketFamily[];

/** Bucket ids are global: part_of_day 0-3, part_of_week 4-5, season 6-9. */
export const BUCKET_COUNT = BUCKET_FAMILIES.reduce((n, family) => n + TIME_BUCKETS[family].length, 0);
const FIRST_BUCKET: Record<BucketFamily, number> = { part_of_day: 0, part_of_week: 4, season: 6 };

export const BUCKET_LABELS: readonly string[] = BUCKET_FAMILIES.flatMap((family) => [...TIME_BUCKETS[family]]);

/** How a reason says "in that bucket": "at night", "in the evening", "at weekends", "in summer". */
export const BUCKET_PHRASES: readonly string[] = [
  'at night',
  'in the morning',
  'in the afternoon',
  'in the evening',
  'on weekdays',
  'at weekends',
  'in winter',
  'in spring',
  'in summer',
  'in autumn',
];

/**
 * The global bucket id of each family for a local time: night 0-5 h, morning 6-11, afternoon
 * 12-17, evening 18-23; weekend is Saturday and Sunday; seasons are meteorological, northern
 * hemisphere unless `southern` (December-February is summer there).
 */
export function bucketsOf(local: { hour: number; weekday: number; month: number }, southern = false): [number, number, number] {
  const partOfDay = Math.floor(local.hour / 6);
  const weekend = local.weekday === 0 || local.weekday === 6 ? 1 : 0;
  let season = Math.floor(((local.month + 1) % 12) / 3); // Dec-Feb 0, Mar-May 1, Jun-Aug 2, Sep-Nov 3
  if (southern) season = (season + 2) % 4;
  return [FIRST_BUCKET.part_of_day + partOfDay, FIRST_BUCKET.part_of_week + weekend, FIRST_BUCKET.season + season];
}

/** Zones whose seasons are flipped: the southern hemisphere's main zone prefixes and names. */
export function isSouthern(zone: Zone): boolean {
  if (typeof zone === 'number') return false;
  return /^(Australia|Antarctica)\/|^Pacific\/(Auckland|Fiji|Chatham)|^America\/(Argentina|Sao_Paulo|Santiago|Montevideo|Asuncion)|^Africa\/(Johannesburg|Maputo|Harare|Windhoek)/.test(
    zone,
  );
}

/**
 * A default zone per country (ISO 3166 alpha-2) for users whose requests and events carry none:
 * the zone most of the country's population lives in. Countries not listed fall back to UTC.
 */
const COUNTRY_ZONES: Record<string, string> = {
  US: 'America/New_York',
  CA: 'America/Toronto',
  MX: 'America/Mexico_City',
  BR: 'America/Sao_Paulo',
  AR: 'America/Argentina/Buenos_Aires',
  CL: 'America/Santiago',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  PT: 'Europe/Lisbon',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  AT: 'Europe/Vienna',
  CH: 'Europe/Zurich',
  GR: 'Europe/Athens',
  TR: 'Europe/Istanbul',
  RU: 'Europe/Moscow',
  UA: 'Europe/Kyiv',
  IL: 'Asia/Jerusalem',
  AE: 'Asia/Dubai',
  SA: 'Asia/Riyadh',
  EG: 'Africa/Cairo',
  NG: 'Africa/Lagos',
  KE: 'Africa/Nairobi',
  ZA: 'Africa/Johannesburg',
  IN: 'Asia/Kolkata',
  PK: 'Asia/Karachi',
  BD: 'Asia/Dhaka',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  ID: 'Asia/Jakarta',
  MY: 'Asia/Kuala_Lumpur',
  SG: 'Asia/Singapore',
  PH: 'Asia/Manila',
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  TW: 'Asia/Taipei',
  KR: 'Asia/Seoul',
  JP: 'Asia/Tokyo',
  AU: 'Australia/Sydney',
  NZ: 'Pacific/Auckland',
};

export function countryZone(country: string | undefined): string | undefined {
  return country ? COUNTRY_ZONES[country.trim().toUpperCase()] : undefined;
}
