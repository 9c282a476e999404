import { describe, expect, it } from 'vitest';
import { ArtifactFormatError, encodeArtifact } from '@recsys/core';
import { ImplicitALS } from './als.js';
import { InteractionMatrix } from './interaction-matrix.js';
import { mulberry32 } from './random.js';

// Planted structure: 3 groups of 12 users; group g likes block g of 10 items (items 10g .. 10g+9).
// Each user trains on 7 random items of their block; the other 3 are held out.
const GROUPS = 3;
const USERS_PER_GROUP = 12;
const BLOCK = 10;
const N_USERS = GROUPS * USERS_PER_GROUP;
const N_ITEMS = GROUPS * BLOCK;
const SMALL = { factors: 8, regularization: 3, alpha: 2, iterations: 10 };

const groupOf = (u: number) => Math.floor(u / USERS_PER_GROUP);
const blockOf = (i: number) => Math.floor(i / BLOCK);

function plant() {
  const random = mulberry32(7);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const heldOut: number[][] = [];
  for (let u = 0; u < N_USERS; u++) {
    const items = Array.from({ length: BLOCK }, (_, j) => groupOf(u) * BLOCK + j).sort(() => random() - 0.5);
    for (const i of items.slice(0, 7)) {
      rows.push(u);
      cols.push(i);
      values.push(1 + 3 * random());
    }
    heldOut.push(items.slice(7));
  }
  return { rows, cols, values, heldOut };
}

const planted = plant();
const matrix = InteractionMatrix.fromTriples(N_USERS, N_ITEMS, planted.rows, planted.cols, planted.values);
const model = new ImplicitALS(SMALL).fit(matrix);

describe('ImplicitALS', () => {
  it('ranks held-out items of the user’s own block above every other block', () => {
    for (let u = 0; u < N_USERS; u++) {
      const scores = model.scoreItems(model.userVector(u));
      const worstHeldOut = Math.min(...planted.heldOut[u]!.map((i) => scores[i]!));
      for (let i = 0; i < N_ITEMS; i++) {
        if (blockOf(i) !== groupOf(u)) expect(scores[i]!).toBeLessThan(worstHeldOut);
      }
    }
  });

  it('pushes down an item the user rejected', () => {
    const u = 0;
    const [rejected, kept] = planted.heldOut[u]! as [number, number];
    const withRejection = InteractionMatrix.fromTriples(
      N_USERS,
      N_ITEMS,
      [...planted.rows, u],
      [...planted.cols, rejected],
      [...planted.values, -4],
    );
    const after = new ImplicitALS(SMALL).fit(withRejection);
    const before = model.scoreItems(model.userVector(u));
    const scores = after.scoreItems(after.userVector(u));
    expect(scores[rejected]!).toBeLessThan(before[rejected]! - 0.2);
    expect(scores[rejected]!).toBeLessThan(scores[kept]!);
  });

  it('folds in a new user who likes block B and ranks block B first', () => {
    const history = [11, 13, 15, 17];
    const vector = model.foldIn(history, [3, 2, 4, 1]);
    const scores = model.scoreItems(vector);
    const unseen = Array.from({ length: N_ITEMS }, (_, i) => i).filter((i) => !history.includes(i));
    const top = unseen.sort((a, b) => scores[b]! - scores[a]!).slice(0, BLOCK - history.length);
    expect(top.map(blockOf)).toEqual(new Array(BLOCK - history.length).fill(1));
  });

  it('folds in a rejection as a confident zero, lowering the item', () => {
    const without = model.scoreItems(model.foldIn([11, 13, 15], [3, 3, 3]));
    const rejected = model.scoreItems(model.foldIn([11, 13, 15, 12], [3, 3, 3, -4]));
    const ignored = model.scoreItems(model.foldIn([11, 13, 15, 12], [3, 3, 3, 0]));
    expect(ignored[12]).toBeCloseTo(without[12]!, 5);
    expect(rejected[12]!).toBeLessThan(without[12]! - 0.1);
  });

  it('folds in short and long histories to the exact least-squares solution', () => {
    // Short histories (2h <= k) go through the low-rank update, long ones through the full solve:
    // both must match the normal equations solved here by plain Gaussian elimination.
    const random = mulberry32(11);
    const k = 16;
    const m = new ImplicitALS({ factors: k, regularization: 0.5, alpha: 1.5, iterations: 3 }).fit(
      InteractionMatrix.fromTriples(20, 60, [0, 1, 2, 3], [5, 9, 12, 40], [2, 1, 3, 1]),
    );
    const Y = m.itemFactors;
    for (const h of [1, 3, 8, 9, 30]) {
      const items = Array.from({ length: h }, () => Math.floor(random() * 60));
      const prefs = items.map((_, j) => (j % 4 === 3 ? -2 : j % 7 === 6 ? 0 : 1 + 3 * random()));
      const A = Array.from({ length: k }, (_, a) => Array.from({ length: k + 1 }, (_, c) => (a === c ? 0.5 : 0)));
      for (let i = 0; i < 60; i++) for (let a = 0; a < k; a++) for (let c = 0; c < k; c++) A[a]![c]! += Y[i * k + a]! * Y[i * k + c]!;
      items.forEach((i, j) => {
        const w = 1.5 * Math.abs(prefs[j]!);
        const ct = prefs[j]! > 0 ? 1 + w : 0;
        for (let a = 0; a < k; a++) {
          A[a]![k]! += ct * Y[i * k + a]!;
          for (let c = 0; c < k; c++) A[a]![c]! += w * Y[i * k + a]! * Y[i * k + c]!;
        }
      });
      for (let a = 0; a < k; a++) {
        for (let r = a + 1; r < k; r++) {
          const f = A[r]![a]! / A[a]![a]!;
          for (let c = a; c <= k; c++) A[r]![c]! -= f * A[a]![c]!;
        }
      }
      const expected = new Array<number>(k).fill(0);
      for (let a = k - 1; a >= 0; a--) {
        let s = A[a]![k]!;
        for (let c = a + 1; c < k; c++) s -= A[a]![c]! * expected[c]!;
        expected[a] = s / A[a]![a]!;
      }
      const got = m.foldIn(items, prefs);
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((x, f) => expect(Math.abs(got[f]! - x) / scale, `h=${h} factor ${f}`).toBeLessThan(1e-5));
    }
  });

  it('folds in a 50-item history at 64 factors in under a millisecond', () => {
    const big = new ImplicitALS({ iterations: 1 }).fit(
      InteractionMatrix.fromTriples(50, 2000, [0, 1], [0, 1], [1, 1]),
    );
    const items = Array.from({ length: 50 }, (_, j) => j * 37);
    const prefs = items.map((_, j) => (j % 5 === 0 ? -2 : 3));
    big.foldIn(items, prefs); // warm-up (builds YᵀY once)
    const runs = 200;
    const start = performance.now();
    for (let r = 0; r < runs; r++) big.foldIn(items, prefs);
    expect((performance.now() - start) / runs).toBeLessThan(1);
  });

  it('is deterministic for a seed and reports progress per iteration', () => {
    const calls: [number, number][] = [];
    const again = new ImplicitALS(SMALL).fit(matrix, (i, n) => calls.push([i, n]));
    expect(again.userFactors).toEqual(model.userFactors);
    expect(again.itemFactors).toEqual(model.itemFactors);
    expect(calls).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, 10]));
  });

  it('scores identically after a save and load', () => {
    const loaded = ImplicitALS.fromArtifact(model.toArtifact());
    expect([loaded.nUsers, loaded.nItems, loaded.factors]).toEqual([N_USERS, N_ITEMS, 8]);
    expect(loaded.options).toEqual(model.options);
    for (const u of [0, 17, 35]) {
      expect(loaded.scoreItems(loaded.userVector(u))).toEqual(model.scoreItems(model.userVector(u)));
    }
    expect(loaded.foldIn([1, 2], [1, 2])).toEqual(model.foldIn([1, 2], [1, 2]));
  });

  it('loads the item side alone for serving: the same fold-ins and scores, no user rows', () => {
    const serving = ImplicitALS.fromArtifact(model.toArtifact(), { userFactors: false });
    expect([serving.nUsers, serving.nItems, serving.userFactors.length]).toEqual([0, N_ITEMS, 0]);
    expect(serving.itemFactors).toEqual(model.itemFactors);
    const folded = serving.foldIn([1, 2], [1, 2]);
    expect(folded).toEqual(model.foldIn([1, 2], [1, 2]));
    expect(serving.scoreItems(folded)).toEqual(model.scoreItems(folded));
    expect(() => serving.userVector(0)).toThrow(RangeError);
  });

  it('refuses an artifact of another kind or format version', () => {
    const other = encodeArtifact({ kind: 'svd', format: 1, meta: {}, arrays: {} });
    const newer = encodeArtifact({ kind: 'als', format: 2, meta: {}, arrays: {} });
    expect(() => ImplicitALS.fromArtifact(other)).toThrow(ArtifactFormatError);
    expect(() => ImplicitALS.fromArtifact(newer)).toThrow(ArtifactFormatError);
  });

  it('refuses unknown items in a fold-in history', () => {
    expect(() => model.foldIn([N_ITEMS], [1])).toThrow(RangeError);
  });
});

describe('ImplicitALS.fitAsync', () => {
  it('trains the same model as fit, giving the event loop turns while it trains', async () => {
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    for (let u = 0; u < 30; u++) for (let i = 0; i < 10; i++) if ((u + i) % 3 === 0) (rows.push(u), cols.push(i), values.push(1));
    const matrix = InteractionMatrix.fromTriples(30, 10, rows, cols, values);
    const sync = new ImplicitALS({ factors: 4, iterations: 3 }).fit(matrix);
    let done = false;
    const pending = new ImplicitALS({ factors: 4, iterations: 3 }).fitAsync(matrix).then((model) => ((done = true), model));
    // Other work gets a turn before training ends: the fit yields after every half-sweep.
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    const async = await pending;
    expect(Array.from(async.itemFactors)).toEqual(Array.from(sync.itemFactors));
  });
});
