import type { InteractionEvent, UserPreferences } from '@recsys/core';
import { testItem } from '@recsys/core/testing';
import { CatalogView, popularitySignal, rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { RegionPopularity, regionalSignal, resolveRegion } from './regional-signal.js';

const item = (id: string) => testItem(id, { title: `Title ${id}`, genres: ['Drama'] });
const catalog = new CatalogView(Array.from({ length: 30 }, (_, i) => item(`m${i}`)));
const n = catalog.size;
const popularity = popularitySignal(Float32Array.from({ length: n }, (_, r) => 1 - r / 1000), new Float32Array(n), new Float32Array(n).fill(5), new Int32Array(n));
const NOW = Date.parse('2026-03-01T12:00:00Z');
let next = 0;
const watch = (user: string, itemId: string, region: string | undefined, daysAgo = 1): InteractionEvent => ({
  event_id: `e${next++}`,
  user_id: user,
  item_id: itemId,
  type: 'complete',
  timestamp: new Date(NOW - daysAgo * 86_400_000).toISOString(),
  ...(region && { region }),
});
const prefs = (country?: string): UserPreferences => ({
  genres: [],
  languages: [],
  content_types: [],
  liked_item_ids: [],
  disliked_item_ids: [],
  friends: [],
  ...(country && { country }),
  updated_at: '2026-01-01T00:00:00Z',
});
const user: UserState = { userId: 'me', interactions: [] };
const weights = { collaborative: 0, popularity: 1, trending: 0 };

/** Planted: Brazil watches m20 and m21 a lot, Japan m22; both watch m0 (popular everywhere). */
function planted(): RegionPopularity {
  const aggregate = new RegionPopularity(undefined, NOW);
  const events: InteractionEvent[] = [];
  for (let u = 0; u < 10; u++) {
    events.push(watch(`br${u}`, 'm20', 'br'), watch(`br${u}`, 'm0', 'BR'), watch(`jp${u}`, 'm22', 'JP'), watch(`jp${u}`, 'm0', 'JP'));
    if (u < 6) events.push(watch(`br${u}`, 'm21', 'BR'));
  }
  events.push(watch('x', 'm5', undefined), watch('y', 'm6', 'BR')); // no region; too few to count
  aggregate.record(events, NOW);
  return aggregate;
}

describe('regional signal', () => {
  it('boosts what the region likes more than everyone does, explained as "popular in <region>"', () => {
    const signal = regionalSignal(catalog, planted(), 'BR')!;
    const result = rank({ catalog, popularity, contextSignals: [signal] }, user, { limit: 4, weights });
    const ids = result.items.map((r) => r.item.item_id);
    expect(ids.slice(0, 2)).toEqual(['m20', 'm21']);
    expect(ids).not.toContain('m22');
    expect(result.items[0]!.explanation_reasons).toContain('popular in BR');
    // Watched everywhere is not "popular in BR"; below the evidence threshold neither.
    expect(Array.from(signal.score(Int32Array.of(0, 6, 22)))).toEqual([0, 0, 0]);
  });

  it('is off without a region, for an unknown region, and without regional events', () => {
    expect(regionalSignal(catalog, planted(), undefined)).toBeUndefined();
    expect(regionalSignal(catalog, planted(), 'FR')).toBeUndefined();
    const empty = new RegionPopularity(undefined, NOW);
    empty.record([watch('a', 'm1', undefined), watch('b', 'm2', undefined)], NOW);
    expect(regionalSignal(catalog, empty, 'BR')).toBeUndefined();
  });

  it('takes the region from the request, else the profile country, else the latest event', () => {
    const events = [watch('me', 'm1', 'jp', 3), watch('me', 'm2', 'de', 1), watch('me', 'm3', undefined, 0)];
    expect(resolveRegion(' br ', prefs('US'), events)).toBe('BR');
    expect(resolveRegion(undefined, prefs('us'), events)).toBe('US');
    expect(resolveRegion(undefined, prefs(), events)).toBe('DE');
    expect(resolveRegion(undefined, undefined, [])).toBeUndefined();
    expect(resolveRegion('   ', undefined, [])).toBeUndefined();
  });

  it('is updated by new events and survives its artifact round trip', () => {
    const aggregate = planted();
    const restored = RegionPopularity.fromArtifact(aggregate.toArtifact());
    expect(restored.regions()).toEqual(['BR', 'JP']);
    const before = aggregate.scores('BR', catalog);
    const after = restored.scores('BR', catalog);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [row, score] of before) expect(after.get(row)).toBeCloseTo(score, 6);
    // Fresh events make m9 the thing to watch in Japan.
    restored.record(Array.from({ length: 20 }, (_, u) => watch(`jp-new${u}`, 'm9', 'JP', 0)), NOW);
    const top = regionalSignal(catalog, restored, 'JP')!.candidates(1);
    expect(Array.from(top)).toEqual([9]);
  });

  it('keeps a served view current event by event, and equal to a fresh build once rebuilt', () => {
    const live = planted();
    const signal = regionalSignal(catalog, live, 'BR')!;
    expect(Array.from(signal.candidates(5))).toEqual([20, 21]);
    const fresh = (a: RegionPopularity) => RegionPopularity.fromArtifact(a.toArtifact()).scores('BR', catalog);
    // One more like of m21 (a small change: only its own score is updated) moves it up at once.
    const before = signal.score(Int32Array.of(21))[0]!;
    live.record([watch('br-late', 'm21', 'BR', 0)], NOW);
    expect(signal.score(Int32Array.of(21))[0]).toBeGreaterThan(before);
    for (const [row, score] of fresh(live)) expect(signal.score(Int32Array.of(row))[0]).toBeCloseTo(score, 1);
    // m7 reaches the evidence threshold with three likes: it scores and is a candidate at once.
    live.record([0, 1, 2].map((u) => watch(`br-late${u}`, 'm7', 'BR', 0)), NOW);
    expect(signal.score(Int32Array.of(7))[0]).toBeGreaterThan(0);
    expect(Array.from(signal.candidates(5))).toContain(7);
    // Enough new weight for the region's total to drift: the view is rebuilt and exact again.
    live.record(Array.from({ length: 30 }, (_, u) => watch(`br-new${u}`, 'm8', 'BR', 0)), NOW);
    for (const [row, score] of fresh(live)) expect(signal.score(Int32Array.of(row))[0]).toBeCloseTo(score, 6);
    expect(Array.from(signal.candidates(1))).toEqual([8]);
  });

  it('recent likes outweigh old ones', () => {
    const aggregate = new RegionPopularity(undefined, NOW);
    const events: InteractionEvent[] = [];
    for (let u = 0; u < 8; u++) events.push(watch(`o${u}`, 'm1', 'BR', 200), watch(`r${u}`, 'm2', 'BR', 1), watch(`j${u}`, 'm3', 'JP', 1));
    aggregate.record(events, NOW);
    const [old, recent] = regionalSignal(catalog, aggregate, 'BR')!.score(Int32Array.of(1, 2));
    expect(recent!).toBeGreaterThan(old! * 10);
  });
});
