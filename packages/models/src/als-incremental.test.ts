import { describe, expect, it } from 'vitest';
import { ImplicitALS } from './als.js';
import { plantBlocks } from './planted-blocks.js';

const planted = plantBlocks();
const SMALL = { factors: 8, regularization: 3, alpha: 2, iterations: 10 };
const trained = () => new ImplicitALS(SMALL).fit(planted.matrix);
const blockMean = (scores: Float32Array, block: number) => {
  let s = 0;
  for (let i = block * planted.block; i < (block + 1) * planted.block; i++) s += scores[i]!;
  return s / planted.block;
};

describe('ImplicitALS.partialFit', () => {
  it('moves a user towards a block they just started watching, without a retrain', () => {
    const model = trained();
    const u = 0; // group 0
    const before = model.scoreItems(Float32Array.from(model.userVector(u)));
    model.partialFit([20, 21, 22, 23, 24].map((item) => ({ user: u, item, preference: 4 })));
    const after = model.scoreItems(model.userVector(u));
    expect(blockMean(after, 2)).toBeGreaterThan(blockMean(before, 2) + 0.1);
    // Items of block 2 that were not in the events rise too: the item side learned who watches them.
    expect(after[27]!).toBeGreaterThan(before[27]!);
  });

  it('adds a new user and a new item, both placed where their events say', () => {
    const model = trained();
    const newUser = planted.nUsers;
    const history = [11, 13, 15, 17];
    const expected = model.foldIn(history, [3, 2, 4, 1]);
    model.partialFit(history.map((item, j) => ({ user: newUser, item, preference: [3, 2, 4, 1][j]! })));
    expect(model.nUsers).toBe(planted.nUsers + 1);
    // The items moved a little after the user step, so compare rankings rather than numbers.
    const scores = model.scoreItems(model.userVector(newUser));
    const reference = model.scoreItems(expected);
    const top = (s: Float32Array) => Array.from(s.keys()).filter((i) => !history.includes(i)).sort((a, b) => s[b]! - s[a]!).slice(0, 6);
    expect(top(scores).map(planted.blockOf)).toEqual(new Array(6).fill(1));
    expect(top(reference).map(planted.blockOf)).toEqual(new Array(6).fill(1));

    const newItem = planted.nItems;
    model.partialFit(planted.heldOut.slice(0, 12).map((_, u) => ({ user: u, item: newItem, preference: 4 })));
    expect(model.nItems).toBe(planted.nItems + 1);
    const group0 = model.scoreItems(model.userVector(3))[newItem]!;
    const group2 = model.scoreItems(model.userVector(30))[newItem]!;
    expect(group0).toBeGreaterThan(group2 + 0.1);
  });

  it('gives a new user exactly their fold-in vector (the user half runs against the unchanged items)', () => {
    const model = trained();
    const expected = model.foldIn([21, 23, 25], [4, 4, -2]);
    const user = planted.nUsers;
    model.partialFit([21, 23, 25].map((item, j) => ({ user, item, preference: [4, 4, -2][j]! })));
    const x = model.userVector(user);
    let maxDiff = 0;
    for (let f = 0; f < x.length; f++) maxDiff = Math.max(maxDiff, Math.abs(x[f]! - expected[f]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
