import type { Item } from '@recsys/core';
import { testItem } from '@recsys/core/testing';
import { DriftMonitor, gini } from '@recsys/insights';
import { CatalogView, popularitySignal } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { type DriftReference, driftMonitorsOf } from './drift-reference.js';
import { giniWithZeros, ServingMonitor } from './serving-monitor.js';
import type { ServingState } from './serving-state.js';

const item = (id: string, language: string, content_type: Item['content_type']) => testItem(id, { languages: [language], content_type });

// 4 popular English movies, 16 tail titles (Japanese anime).
const items = [...Array.from({ length: 4 }, (_, i) => item(`hit-${i}`, 'en', 'movie')), ...Array.from({ length: 16 }, (_, i) => item(`tail-${i}`, 'ja', 'anime'))];
const catalog = new CatalogView(items);
const support = Float32Array.from(items, (_it, row) => (row < 4 ? 100 : 1));
const state: ServingState = {
  catalog,
  popularity: popularitySignal(support, new Float32Array(items.length), support, new Int32Array(items.length)),
  popularityAt: 0,
};

/** Deterministic pseudo-normal scores around `mean`. */
function scores(n: number, mean: number, seed: number): number[] {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, () => mean + 0.1 * (u() + u() + u() - 1.5));
}

function reference(): Uint8Array {
  const json: DriftReference = {
    format: 1,
    users: { activity: 2000, ranked: 200 },
    monitors: {
      scores: DriftMonitor.fromReference(scores(2000, 0.5, 1), { window: 1000, minLive: 100 }).toJSON(),
      user_activity: DriftMonitor.fromReference(Array.from({ length: 2000 }, (_, i) => 1 + (i % 30)), { window: 1000, minLive: 100 }).toJSON(),
    },
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

const list = (ids: string[], s: number[]) => ids.map((item_id, i) => ({ item: { item_id }, predicted_score: s[i]! }));

describe('giniWithZeros', () => {
  it('equals the Gini of the values with the zeros written out', () => {
    const values = [0.5, 1, 2, 7];
    expect(giniWithZeros(Float64Array.from(values), 6)).toBeCloseTo(gini([...values, 0, 0, 0, 0, 0, 0]), 12);
    expect(giniWithZeros(new Float64Array(0), 3)).toBe(0);
  });
});

describe('ServingMonitor', () => {
  it('reads no drift for versions without a reference', () => {
    expect(driftMonitorsOf(undefined)).toEqual({});
    const monitor = new ServingMonitor(() => 0);
    monitor.setReference('v0', undefined);
    monitor.observe(state, { userId: 'u', interactions: [] }, list(['hit-0'], [0.5]));
    expect(monitor.snapshot().drift).toEqual({});
  });

  it('keeps served-score and activity PSI low on the training distribution and raises it on a planted shift', () => {
    let now = 0;
    const monitor = new ServingMonitor(() => now, { snapshotEveryMs: 1000 });
    monitor.setReference('v1', reference());
    const same = scores(1000, 0.5, 7);
    for (let r = 0; r < 100; r++) {
      monitor.observe(state, { userId: `u${r}`, interactions: Array.from({ length: 1 + (r % 30) }, () => ({ item_id: 'x', preference: 1, events: 1, consumed: true, last_at: 0 })) }, list(items.slice(0, 10).map((i) => i.item_id), same.slice(r * 10, r * 10 + 10)));
    }
    const stable = monitor.snapshot();
    expect(stable.reference_version).toBe('v1');
    expect(stable.drift.scores!.psi).toBeLessThan(0.1);
    expect(stable.drift.scores!.ready).toBe(true);
    expect(stable.drift.user_activity!.psi).toBeLessThan(0.1);

    // Cached until snapshotEveryMs has passed: a scrape storm costs nothing.
    const shifted = scores(1000, 0.7, 9);
    for (let r = 0; r < 100; r++) monitor.observe(state, { userId: `new-${r}`, interactions: [] }, list(items.slice(0, 10).map((i) => i.item_id), shifted.slice(r * 10, r * 10 + 10)));
    expect(monitor.snapshot()).toBe(stable);
    now += 1000;
    const drifted = monitor.snapshot();
    expect(drifted.drift.scores!.psi).toBeGreaterThan(0.25);
    expect(drifted.drift.scores!.level).toBe('act');
    // Cold users only (no history) against a 1-30 spread of training histories.
    expect(drifted.drift.user_activity!.psi).toBeGreaterThan(0.25);
  });

  it('measures exposure concentration, long-tail share and group shares over the window', () => {
    const monitor = new ServingMonitor(() => 0, { exposureWindow: 50 });
    const hits = ['hit-0', 'hit-1', 'hit-2', 'hit-3'];
    for (let r = 0; r < 100; r++) monitor.observe(state, { userId: 'u', interactions: [] }, list(hits, [0.9, 0.8, 0.7, 0.6]));
    const concentrated = monitor.snapshot().exposure;
    expect(concentrated.lists).toBe(50);
    expect(concentrated.long_tail_share).toBe(0);
    expect(concentrated.coverage).toBeCloseTo(4 / 20, 12);
    expect(concentrated.gini).toBeCloseTo(0.8, 12); // 4 of 20 items hold everything: 1 - 4/20
    expect(concentrated.by_language).toEqual({ en: 1 });
    expect(concentrated.by_content_type).toEqual({ movie: 1 });

    const fair = new ServingMonitor(() => 0, { exposureWindow: 50 });
    for (let r = 0; r < 50; r++) fair.observe(state, { userId: 'u', interactions: [] }, list(['hit-0', `tail-${r % 16}`], [0.9, 0.8]));
    const spread = fair.snapshot().exposure;
    expect(spread.long_tail_share).toBeCloseTo(0.5, 12);
    expect(spread.gini).toBeLessThan(concentrated.gini);
    expect(spread.by_language.ja).toBeCloseTo(0.5, 12);
  });
});
