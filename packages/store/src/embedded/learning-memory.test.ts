import type { Impression } from '@recsys/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedLearningStore } from './learning-store.js';
import { removeDir, tempDir } from './test-support.js';

// The embedded learning store holds impressions in memory only while attribution may need them:
// the window (measured from the newest served list) and the cap evict the oldest lists, aggregates
// stay, and a restart holds exactly what the live process held.

const MIN = 60_000;
/** Recent: attributions older than the retention (7 days, wall clock) leave at compaction. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3 * 3600_000;
const NO_DECAY = { halfLifeObservations: null };
const dirs: string[] = [];
const open: EmbeddedLearningStore[] = [];

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) removeDir(dir);
});

async function openStore(dir: string, options: { impressionWindowMs?: number; maxImpressions?: number } = {}): Promise<EmbeddedLearningStore> {
  const store = new EmbeddedLearningStore({ dir, ...options });
  await store.open();
  open.push(store);
  return store;
}

function list(request: string, user: string, servedAt: number, items: string[], arm?: string): Impression[] {
  return items.map((item_id, i) => ({
    request_id: request,
    user_id: user,
    item_id,
    position: i + 1,
    algorithm_source: 'ncf_primary',
    experiment_id: 'exp',
    variant: 'control',
    served_at: servedAt,
    ...(arm && { arm }),
  }));
}

const click = (event_id: string, user: string, item: string, fields: object = {}) => ({
  event_id,
  user_id: user,
  item_id: item,
  event_type: 'click' as const,
  at: T0,
  preference: 0.5,
  play: false,
  completed: false,
  ...fields,
});

describe('EmbeddedLearningStore impression memory', () => {
  it('drops lists served longer than the window before the newest one; counters and assignments stay', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await openStore(dir, { impressionWindowMs: 30 * MIN });
    await store.recordImpressions(list('old', 'u1', T0, ['m1', 'm2']), NO_DECAY);
    await store.recordImpressions(list('mid', 'u2', T0 + 20 * MIN, ['m1']), NO_DECAY);
    expect(store.impressionsHeld).toBe(3);
    await store.recordImpressions(list('new', 'u2', T0 + 31 * MIN, ['m3']), NO_DECAY);
    expect(store.impressionsHeld).toBe(2);
    expect(store.impressionsEvicted).toBe(2);
    expect(await store.impressionsOf('old')).toEqual([]);
    expect(await store.impressionsOfUser('u1')).toEqual([]);
    expect((await store.impressionsOfUser('u2')).map((i) => i.request_id)).toEqual(['mid', 'new']);
    // An event naming the dropped list, or relying on it by window, is unattributed.
    expect(await store.attribute([click('e1', 'u1', 'm1', { request_id: 'old' }), click('e2', 'u1', 'm2', { window_start: 0 })])).toEqual([
      'unknown',
      'unknown',
    ]);
    expect(await store.attribute([click('e3', 'u2', 'm1', { window_start: 0 })])).toEqual(['attributed']);
    expect((await store.variantCounters('exp'))[0]).toMatchObject({ users: 2, impressions: 4, clicks: 1 });
    expect(await store.assignmentsOf('u1')).toEqual({ exp: 'control' });
  });

  it('holds at most the cap, evicting the oldest lists', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await openStore(dir, { maxImpressions: 5 });
    for (let r = 0; r < 4; r++) await store.recordImpressions(list(`r${r}`, `u${r}`, T0 + r, ['a', 'b']), NO_DECAY);
    expect(store.impressionsHeld).toBe(4);
    expect(store.impressionsEvicted).toBe(4);
    expect((await store.impressionsOf('r1')).length).toBe(0);
    expect((await store.impressionsOf('r2')).length).toBe(2);
    expect((await store.variantCounters('exp'))[0]!.impressions).toBe(8);
  });

  it('a restart holds what the live store held: replay evicts at the same points, outcomes kept', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const options = { impressionWindowMs: 30 * MIN, maxImpressions: 1000 };
    const live = await openStore(dir, options);
    await live.recordImpressions(list('a', 'u1', T0, ['m1', 'm2'], 'ncf'), NO_DECAY);
    expect(await live.attribute([click('c1', 'u1', 'm1', { request_id: 'a' })])).toEqual(['attributed']);
    await live.recordImpressions(list('b', 'u1', T0 + 40 * MIN, ['m1']), NO_DECAY);
    // 'a' is gone: an event for it arriving now is unknown, also on replay.
    expect(await live.attribute([click('c2', 'u1', 'm2', { request_id: 'a' })])).toEqual(['unknown']);
    expect(await live.attribute([click('c3', 'u1', 'm1', { request_id: 'b', event_type: 'watch', preference: 1, play: true })])).toEqual([
      'attributed',
    ]);
    const counters = await live.variantCounters('exp');
    const bandit = await live.banditState();
    await live.close();
    open.splice(open.indexOf(live), 1);

    const replayed = await openStore(dir, options); // log replay
    expect(await replayed.variantCounters('exp')).toEqual(counters);
    expect(await replayed.banditState()).toEqual(bandit);
    expect(replayed.impressionsHeld).toBe(1);
    expect(await replayed.attribute([click('c3', 'u1', 'm1', { request_id: 'b' })])).toEqual(['duplicate']);
    await replayed.compact();
    await replayed.close();
    open.splice(open.indexOf(replayed), 1);

    const restored = await openStore(dir, options); // snapshot
    expect(await restored.variantCounters('exp')).toEqual(counters);
    expect(await restored.impressionsOf('b')).toEqual(list('b', 'u1', T0 + 40 * MIN, ['m1']));
    expect(await restored.attribute([click('c3', 'u1', 'm1', { request_id: 'b' })])).toEqual(['duplicate']);
    expect((await restored.attributionsOf('u1')).map((a) => a.event_id)).toEqual(['c1', 'c3']);
  });

  it('a lower cap at open evicts what the snapshot held beyond it', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const first = await openStore(dir);
    for (let r = 0; r < 3; r++) await first.recordImpressions(list(`r${r}`, 'u', T0 + r, ['a', 'b']), NO_DECAY);
    await first.compact();
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await openStore(dir, { maxImpressions: 2 });
    expect(second.impressionsHeld).toBe(2);
    expect((await second.impressionsOfUser('u')).map((i) => i.request_id)).toEqual(['r2', 'r2']);
  });
});
