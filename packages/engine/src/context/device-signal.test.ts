import type { ContentType, InteractionEvent, Item } from '@recsys/core';
import { CatalogView, popularitySignal, rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { DevicePreferences, deviceSignal, resolveDevice } from './device-signal.js';

const item = (id: string, content_type: ContentType, duration_minutes: number): Item => ({
  item_id: id,
  title: `Title ${id}`,
  content_type,
  genres: ['Drama'],
  languages: ['en'],
  cast: [],
  crew: [],
  regions: [],
  duration_minutes,
  available: true,
  updated_at: '2026-01-01T00:00:00Z',
});
// Rows 0-9 long films, 10-19 short series episodes, 20-29 medium TV shows.
const items = [
  ...Array.from({ length: 10 }, (_, i) => item(`film${i}`, 'movie', 120)),
  ...Array.from({ length: 10 }, (_, i) => item(`short${i}`, 'series', 22)),
  ...Array.from({ length: 10 }, (_, i) => item(`show${i}`, 'tv_show', 50)),
];
const catalog = new CatalogView(items);
const n = catalog.size;
// Popularity favours the TV shows a little, so a device preference has something to overturn.
const popularity = popularitySignal(
  Float32Array.from({ length: n }, (_, r) => (r >= 20 ? 1 : 0.97) - r / 10_000),
  new Float32Array(n),
  new Float32Array(n).fill(5),
  new Int32Array(n),
);
const user: UserState = { userId: 'me', interactions: [] };
const weights = { collaborative: 0, popularity: 1, trending: 0 };
let next = 0;
const event = (user: string, itemId: string, device: string | undefined, extra: Partial<InteractionEvent> = {}): InteractionEvent => ({
  event_id: `e${next++}`,
  user_id: user,
  item_id: itemId,
  type: 'complete',
  timestamp: '2026-02-01T20:00:00Z',
  ...(device && { device }),
  ...extra,
});

/** Planted: mobile watches short episodes 80 % of the time, TV long films 80 %; desktop a mix. */
function plantedHistory(): InteractionEvent[] {
  const events: InteractionEvent[] = [];
  for (let u = 0; u < 100; u++) {
    const k = u % 10;
    events.push(event(`u${u}`, k < 8 ? `short${k}` : `film${k}`, 'mobile'));
    events.push(event(`u${u}`, k < 8 ? `film${k}` : `show${k}`, 'tv'));
    events.push(event(`u${u}`, [`film${k}`, `short${k}`, `show${k}`][u % 3]!, 'desktop'));
  }
  return events;
}

describe('device signal', () => {
  it('puts short episodes first on mobile and films first on TV, with a reason naming the device', () => {
    const learned = DevicePreferences.fit(plantedHistory(), items);
    const mobile = deviceSignal(catalog, learned, 'mobile')!;
    const onMobile = rank({ catalog, popularity, contextSignals: [mobile] }, user, { limit: 5, weights });
    expect(onMobile.items.every((r) => r.item.item_id.startsWith('short'))).toBe(true);
    expect(onMobile.items[0]!.explanation_reasons).toContain('suits mobile: short episodes');

    const tv = deviceSignal(catalog, learned, 'tv')!;
    const onTv = rank({ catalog, popularity, contextSignals: [tv] }, user, { limit: 5, weights });
    expect(onTv.items.every((r) => r.item.item_id.startsWith('film'))).toBe(true);
    expect(onTv.items[0]!.explanation_reasons).toContain('suits TV: long films');
  });

  it('is off without a device, for a device with no history, and when devices do not differ', () => {
    const learned = DevicePreferences.fit(plantedHistory(), items);
    expect(deviceSignal(catalog, learned, undefined)).toBeUndefined();
    expect(deviceSignal(catalog, learned, 'tablet')).toBeUndefined();
    // Same mix on every device: no shift to learn.
    const flat: InteractionEvent[] = [];
    for (let u = 0; u < 90; u++) {
      for (const device of ['mobile', 'tv']) flat.push(event(`u${u}`, [`film${u % 10}`, `short${u % 10}`, `show${u % 10}`][u % 3]!, device));
    }
    expect(deviceSignal(catalog, DevicePreferences.fit(flat, items), 'mobile')).toBeUndefined();
    // Events without a device teach nothing either.
    expect(deviceSignal(catalog, DevicePreferences.fit(plantedHistory().map(({ device: _, ...e }) => e), items), 'mobile')).toBeUndefined();
  });

  it("a user with enough events of their own follows their own shift", () => {
    const learned = DevicePreferences.fit(plantedHistory(), items);
    // This user watches long films on mobile (and TV shows elsewhere), against the crowd.
    const own = [
      ...Array.from({ length: 30 }, (_, i) => event('me', `film${i % 10}`, 'mobile')),
      ...Array.from({ length: 30 }, (_, i) => event('me', `show${i % 10}`, 'desktop')),
    ];
    const signal = deviceSignal(catalog, learned, 'mobile', own)!;
    const [film, short] = signal.score(Int32Array.of(0, 10));
    expect(film!).toBeGreaterThan(short!);
    // A handful of events is not enough to overrule the population.
    const few = deviceSignal(catalog, learned, 'mobile', own.slice(0, 3))!;
    const [fewFilm, fewShort] = few.score(Int32Array.of(0, 10));
    expect(fewShort!).toBeGreaterThan(fewFilm!);
  });

  it('survives its artifact round trip', () => {
    const learned = DevicePreferences.fit(plantedHistory(), items);
    const restored = DevicePreferences.fromArtifact(learned.toArtifact());
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(sorted(restored.lifts('mobile'))).toEqual(sorted(learned.lifts('mobile')));
    expect(sorted(restored.lifts('mobile')).some(([, lift]) => lift > 0)).toBe(true);
  });

  it('takes the device from the request, else from the latest event of the session', () => {
    const events = [
      event('me', 'film1', 'tv', { session_id: 's1', timestamp: '2026-02-01T20:00:00Z' }),
      event('me', 'film2', 'mobile', { session_id: 's1', timestamp: '2026-02-01T21:00:00Z' }),
      event('me', 'film3', 'desktop', { session_id: 's2', timestamp: '2026-02-01T22:00:00Z' }),
    ];
    expect(resolveDevice('TV', 's1', events)).toBe('tv');
    expect(resolveDevice(undefined, 's1', events)).toBe('mobile');
    expect(resolveDevice(undefined, 's3', events)).toBeUndefined();
    expect(resolveDevice(undefined, undefined, events)).toBeUndefined();
  });
});
