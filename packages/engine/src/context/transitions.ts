// What people watch next after X: an item-to-item transition model fitted from each user's
// time-ordered liked titles, kept as the top successors of every item (a sparse row per item).
import { decodeArtifact, encodeArtifact } from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import type { ContextLearner } from './context-models.js';
import { type ContextInputs, defaultWeight, recentlyWatched } from './context-inputs.js';
import type { ContextHistory, TimedEvent } from './history.js';
import { isLikedWatch } from './temporal.js';

export interface TransitionModel {
  itemIds: string[];
  /** Successors of item i are next[offsets[i] .. offsets[i+1]), best first. */
  offsets: Int32Array;
  next: Int32Array;
  /** P(next | item) among the item's observed successors. */
  probability: Float32Array;
  /** Weighted number of transitions out of each item: how much its successors can be trusted. */
  support: Float32Array;
}

export interface TransitionOptions {
  /** How many later titles count as "next" (weights 1, 1/2, 1/3, ...). */
  window: number;
  /** A later title further away in time than this is not a transition. */
  maxGapMs: number;
  /** Successors kept per item. */
  successors: number;
  /** Transitions seen fewer times than this are noise. */
  minCount: number;
}

export const DEFAULT_TRANSITION_OPTIONS: TransitionOptions = { window: 3, maxGapMs: 3 * 86_400_000, successors: 30, minCount: 2 };

export function transitionLearner(options: TransitionOptions = DEFAULT_TRANSITION_OPTIONS): ContextLearner<TransitionModel> {
  return {
    name: 'watched_next',
    artifact: 'context-transitions.bin',
    fit(history: ContextHistory) {
      const index = new Map<string, number>();
      const idOf = (id: string) => {
        let i = index.get(id);
        if (i === undefined) index.set(id, (i = index.size));
        return i;
      };
      // counts.get(a).get(b): weighted number of times b followed a.
      const counts = new Map<number, Map<number, number>>();
      for (const events of history.users.values()) {
        const liked = events.filter(isLikedWatch);
        for (let i = 0; i < liked.length; i++) {
          const a = idOf(liked[i]!.event.item_id!);
          for (let d = 1; d <= options.window && i + d < liked.length; d++) {
            const next = liked[i + d]!;
            if (next.at - liked[i]!.at > options.maxGapMs) break;
            const b = idOf(next.event.item_id!);
            if (a === b) continue;
            let row = counts.get(a);
            if (!row) counts.set(a, (row = new Map()));
            row.set(b, (row.get(b) ?? 0) + 1 / d);
          }
        }
      }
      if (counts.size === 0) return undefined;
      const n = index.size;
      const offsets = new Int32Array(n + 1);
      const support = new Float32Array(n);
      const next: number[] = [];
      const probability: number[] = [];
      for (let a = 0; a < n; a++) {
        offsets[a] = next.length;
        const row = counts.get(a);
        if (!row) continue;
        let total = 0;
        for (const c of row.values()) total += c;
        support[a] = total;
        const kept = [...row].filter(([, c]) => c >= options.minCount).sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, options.successors);
        for (const [b, c] of kept) {
          next.push(b);
          probability.push(c / total);
        }
      }
      offsets[n] = next.length;
      if (next.length === 0) return undefined;
      return { itemIds: [...index.keys()], offsets, next: Int32Array.from(next), probability: Float32Array.from(probability), support };
    },
    encode: (m) =>
      encodeArtifact({
        kind: 'context-transitions',
        format: 1,
        meta: { itemIds: m.itemIds },
        arrays: { offsets: m.offsets, next: m.next, probability: m.probability, support: m.support },
      }),
    decode(bytes) {
      const a = decodeArtifact<{ itemIds: string[] }>(bytes, 'context-transitions', 1);
      return {
        itemIds: a.meta.itemIds,
        offsets: a.arrays.offsets as Int32Array,
        next: a.arrays.next as Int32Array,
        probability: a.arrays.probability as Float32Array,
        support: a.arrays.support as Float32Array,
      };
    },
  };
}

export const TRANSITION_LEARNER = transitionLearner();

const indexes = new WeakMap<TransitionModel, Map<string, number>>();
function indexOf(model: TransitionModel): Map<string, number> {
  let index = indexes.get(model);
  if (!index) indexes.set(model, (index = new Map(model.itemIds.map((id, i) => [id, i]))));
  return index;
}

/** Recency weights of the last titles watched: the latest counts most. */
const RECENCY = [1, 0.5, 0.3, 0.2, 0.1];
/** Pseudo-transitions of doubt: a title followed by 10 transitions is trusted half as much as a well-known one. */
const SHRINK = 10;

/** The successors of a user's latest titles: sparse, with the title behind each (for the reason). */
interface Successors {
  scores: Map<number, number>;
  because: Map<number, { row: number; part: number }>;
  max: number;
  ordered: number[];
}

/** Per recent-event array (kept until the user acts): "next after" only changes when they watch something. */
const successorsMemo = new WeakMap<readonly TimedEvent[], { model: TransitionModel; catalog: CatalogView; successors: Successors | null }>();

/** Boosts what people watched next after the user's latest titles. */
export function transitionSignal(inputs: ContextInputs): ContextSignal | undefined {
  const model = inputs.models.get(TRANSITION_LEARNER);
  if (!model) return undefined;
  const { catalog } = inputs;
  let memo = successorsMemo.get(inputs.recent);
  if (!memo || memo.model !== model || memo.catalog !== catalog) {
    memo = { model, catalog, successors: successorsOf(inputs, model) ?? null };
    successorsMemo.set(inputs.recent, memo);
  }
  if (!memo.successors) return undefined;
  const { scores, because, max, ordered } = memo.successors;
  return {
    name: 'watched_next',
    defaultWeight: defaultWeight(inputs.options, 'watched_next'),
    score(rows) {
      const out = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const s = scores.get(rows[i]!);
        if (s !== undefined) out[i] = s / max;
      }
      return out;
    },
    candidates: (limit) => ordered.slice(0, limit),
    reason(row) {
      const from = because.get(row);
      return from ? `people who watched ${catalog.items[from.row]!.title} next watched this` : undefined;
    },
  };
}

function successorsOf(inputs: ContextInputs, model: TransitionModel): Successors | undefined {
  const { catalog } = inputs;
  const index = indexOf(model);
  const scores = new Map<number, number>();
  /** The same without the doubt about thinly supported titles: what the scale is taken from. */
  const unshrunk = new Map<number, number>();
  /** For each successor row, the recent title that contributed most (named in the reason). */
  const because = new Map<number, { row: number; part: number }>();
  recentlyWatched(inputs, RECENCY.length).forEach(({ row: from }, j) => {
    const a = index.get(catalog.items[from]!.item_id);
    if (a === undefined) return;
    const confidence = model.support[a]! / (model.support[a]! + SHRINK);
    for (let k = model.offsets[a]!; k < model.offsets[a + 1]!; k++) {
      const row = catalog.rowOf(model.itemIds[model.next[k]!]!);
      if (row === undefined) continue;
      const part = RECENCY[j]! * model.probability[k]!;
      unshrunk.set(row, (unshrunk.get(row) ?? 0) + part);
      scores.set(row, (scores.get(row) ?? 0) + part * confidence);
      if (part > (because.get(row)?.part ?? 0)) because.set(row, { row: from, part });
    }
  });
  if (scores.size === 0) return undefined;
  // Relative to the best successor, so the most likely next title scores its confidence (1 when
  // the titles it follows are well supported).
  let max = 0;
  for (const s of unshrunk.values()) if (s > max) max = s;
  const ordered = [...scores].sort((x, y) => y[1] - x[1] || x[0] - y[0]).map(([row]) => row);
  return { scores, because, max, ordered };
}
