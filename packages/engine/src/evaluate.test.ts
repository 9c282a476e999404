import type { Item } from '@recsys/core';
import { applyCalibration, CatalogView, fitIsotonic, popularitySignal } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { evaluateRanking } from './evaluate.js';

const item = (id: string): Item => ({
  item_id: id, title: id, content_type: 'movie', genres: [], languages: [], cast: [], crew: [], regions: [],
  available: true, updated_at: '2026-01-01T00:00:00Z',
});

describe('evaluateRanking', () => {
  it('labels each shown item by whether the user consumed it later, with the score it was shown with', () => {
    const catalog = new CatalogView(Array.from({ length: 20 }, (_, i) => item(`i${i}`)));
    // Popularity falls with the row: i0 is the most popular.
    const score = Float32Array.from({ length: 20 }, (_, i) => 20 - i);
    const popularity = popularitySignal(score, score, score, Int32Array.from({ length: 20 }, (_, i) => i + 1));
    const heldOut = new Map([
      ['a', new Set(['i0', 'i1'])],
      ['b', new Set(['i2'])],
      ['c', new Set<string>()],
    ]);
    const interactions = new Map([['b', [{ item_id: 'i0', preference: 1, events: 1, consumed: true, last_at: 0 }]]]);
    const sample = { scores: [] as number[], labels: [] as number[] };
    const metrics = evaluateRanking({ catalog, popularity }, interactions, heldOut, {
      weights: { collaborative: 0, popularity: 1, trending: 0 },
      k: 3,
      sample,
    });
    expect(metrics.eval_users).toBe(2);
    // a sees i0 i1 i2; b (who watched i0) sees i1 i2 i3; c has nothing held out and is skipped.
    expect(sample.labels).toEqual([1, 1, 0, 0, 1, 0]);
    expect(sample.scores).toHaveLength(6);
    expect(sample.scores[0]).toBeGreaterThan(sample.scores[2]!);
    const fit = fitIsotonic(sample);
    expect(applyCalibration(fit, sample.scores[0]!)).toBeGreaterThan(applyCalibration(fit, sample.scores[5]!));
  });
});
