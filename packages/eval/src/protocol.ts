import type { Item, UserItemFeature } from '@recsys/core';
import type { TrainingData } from '@recsys/engine';
import { InteractionMatrix, mulberry32 } from '@recsys/models';
import type { Rating } from './datasets.js';

/** The offline protocol: per-user random split, k, and which ratings count as relevant. */
export interface Protocol {
  /** Share of each user's ratings held out for testing. */
  testShare: number;
  seed: number;
  k: number;
}

/** Per-user random 75/25 split, seed 42, k = 10; every test rating is relevant. */
export const DEFAULT_PROTOCOL: Readonly<Protocol> = { testShare: 0.25, seed: 42, k: 10 };

export interface RatingSplit {
  train: Rating[];
  test: Rating[];
}

/**
 * Splits each user's ratings at random: round((1 − testShare)·n) to train, the rest to test. Users
 * are visited in id order (numeric ids numerically) and one seeded stream shuffles them all, so
 * the split depends only on the data and the seed.
 */
export function splitPerUser(ratings: readonly Rating[], testShare: number, seed: number): RatingSplit {
  if (!(testShare > 0 && testShare < 1)) throw new RangeError(`testShare must be in (0, 1), got ${testShare}`);
  const byUser = new Map<string, Rating[]>();
  for (const r of ratings) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const users = [...byUser.keys()].sort(compareIds);
  const random = mulberry32(seed);
  const train: Rating[] = [];
  const test: Rating[] = [];
  for (const user of users) {
    const list = byUser.get(user)!.slice();
    for (let j = list.length - 1; j > 0; j--) {
      const s = Math.floor(random() * (j + 1));
      [list[j], list[s]] = [list[s]!, list[j]!];
    }
    const cut = Math.round(list.length * (1 - testShare));
    train.push(...list.slice(0, cut));
    test.push(...list.slice(cut));
  }
  return { train, test };
}

/** Numeric ids in numeric order, others after them as strings. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a model trains on and what the ranking is evaluated against. */
export interface EvaluationData {
  /** Training data in the service's own shape (rows = users, columns = catalogue items). */
  train: TrainingData;
  /** Per user, the held-out items: all relevant. */
  heldOut: Map<string, Set<string>>;
  /** Per training entry in CSR order, the rating's timestamp (unix seconds), for context features. */
  timestamps: Float64Array;
}

/**
 * Turns a split into the service's shapes: a rating becomes a consumed interaction whose
 * preference is the star rating (every rating is a watch, so every one is positive, as the
 * protocol counts every test rating as relevant), last seen at the rating's time. Columns are
 * the whole catalogue, so items without training ratings still have (untrained) columns.
 */
export function evaluationData(items: readonly Item[], split: RatingSplit): EvaluationData {
  const itemIds = items.map((i) => i.item_id);
  const column = new Map(itemIds.map((id, c) => [id, c]));
  const userIds = [...new Set(split.train.map((r) => r.user))].sort(compareIds);
  const row = new Map(userIds.map((id, r) => [id, r]));
  const interactions = new Map<string, UserItemFeature[]>();
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (const r of split.train) {
    const col = column.get(r.item);
    if (col === undefined) throw new RangeError(`rated item ${r.item} is not in the catalogue`);
    let list = interactions.get(r.user);
    if (!list) interactions.set(r.user, (list = []));
    list.push({ item_id: r.item, preference: r.rating, events: 1, consumed: true, last_at: r.timestamp * 1000 });
    rows.push(row.get(r.user)!);
    cols.push(col);
    values.push(r.rating);
    times.push(r.timestamp);
  }
  const matrix = InteractionMatrix.fromTriples(userIds.length, itemIds.length, rows, cols, values);
  // fromTriples orders entries by (row, col); line the timestamps up with that order.
  const timestamps = new Float64Array(matrix.nnz);
  const order = Array.from(rows.keys()).sort((a, b) => rows[a]! - rows[b]! || cols[a]! - cols[b]!);
  order.forEach((j, k) => (timestamps[k] = times[j]!));
  const heldOut = new Map<string, Set<string>>();
  for (const r of split.test) {
    if (!row.has(r.user)) continue;
    let set = heldOut.get(r.user);
    if (!set) heldOut.set(r.user, (set = new Set()));
    set.add(r.item);
  }
  return { train: { userIds, itemIds, matrix, interactions, items: [...items] }, heldOut, timestamps };
}
