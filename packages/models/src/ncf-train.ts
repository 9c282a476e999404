// One thread's share of NCF training: mini-batches of positives with sampled negatives, sparse
// (lazy) optimiser steps on the embedding rows a batch touched and dense steps on the network.
// Parameters and optimiser moments may live in SharedArrayBuffers written by several threads at
// once without locks (Hogwild, Recht et al. 2011): collisions are rare and harmless for SGD.

import {
  FIRST_CONTEXT,
  ITEM_MLP,
  USER_MLP,
  backward,
  BackwardScratch,
  forward,
  ForwardCache,
  type GradientSink,
  type NcfLayout,
  sigmoid,
} from './ncf-network.js';

export type NcfLoss = 'bce' | 'bpr';
export type NcfOptimizer = 'adam' | 'sgd';

export interface NcfTrainOptions {
  /** 'bce': pointwise log loss, positives 1 and sampled negatives 0; 'bpr': pairwise, positive above each negative. */
  loss: NcfLoss;
  /** Sampled negatives per positive per epoch. */
  negatives: number;
  optimizer: NcfOptimizer;
  learningRate: number;
  /** Momentum of 'sgd' (ignored by 'adam'). */
  momentum: number;
  /** L2 penalty on the GMF embeddings and item biases, per use of a row (as in per-example SGD). */
  l2: number;
  /** L2 penalty on the MLP branch's user, item and context embeddings, per use of a row. */
  mlpL2: number;
  /** L2 penalty (weight decay) on the MLP layers and the MLP's output weights, per batch. */
  denseL2: number;
  /** Positives per mini-batch. */
  batchSize: number;
  /**
   * Candidates drawn per negative; the one the model scores highest is used (dynamic negative
   * sampling, Zhang et al. 2013). 1 = plain uniform sampling.
   */
  negativeCandidates: number;
}

/** Training examples as typed arrays (copied to each worker once). */
export interface NcfTrainingSet {
  users: Int32Array;
  items: Int32Array;
  /** 1 for a positive, 0 for an explicit rejection. */
  labels: Uint8Array;
  /** Loss weight of each example. */
  weights: Float32Array;
  /** Context values, `contextFields` per example (row-major); absent when the model has no context. */
  contexts?: Int32Array;
  /** Each user's positive items, sorted (CSR): never drawn as that user's negatives. */
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
}

/** Parameters and optimiser moments (`m` doubles as the SGD velocity; `v` is unused by SGD). */
export interface NcfState {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Gradients of the embedding rows touched by one batch, packed into slots. */
class CompactSink implements GradientSink {
  rows: Float32Array;
  readonly dense: Float32Array;
  readonly slotOf: Int32Array[];
  slotTable: Int32Array;
  slotRow: Int32Array;
  /** Backward passes that touched each slot: the L2 penalty is applied once per use, as in per-example SGD. */
  slotUses: Int32Array;
  nSlots = 0;
  readonly stride: number;

  constructor(private readonly layout: NcfLayout, capacity: number) {
    this.stride = Math.max(...layout.tables.map((t) => t.dim), 1);
    this.rows = new Float32Array(capacity * this.stride);
    this.dense = new Float32Array(layout.size - layout.embeddingSize);
    this.slotOf = layout.tables.map((t) => new Int32Array(t.rows).fill(-1));
    this.slotTable = new Int32Array(capacity);
    this.slotRow = new Int32Array(capacity);
    this.slotUses = new Int32Array(capacity);
  }

  embedding(table: number, row: number): number {
    const slots = this.slotOf[table]!;
    let s = slots[row]!;
    if (s < 0) {
      s = this.nSlots++;
      if (s >= this.slotTable.length) this.grow();
      slots[row] = s;
      this.slotTable[s] = table;
      this.slotRow[s] = row;
      this.slotUses[s] = 0;
      this.rows.fill(0, s * this.stride, (s + 1) * this.stride);
    }
    this.slotUses[s]!++;
    return s * this.stride;
  }

  reset(): void {
    for (let s = 0; s < this.nSlots; s++) this.slotOf[this.slotTable[s]!]![this.slotRow[s]!] = -1;
    this.nSlots = 0;
    this.dense.fill(0);
  }

  private grow(): void {
    const capacity = this.slotTable.length * 2;
    const rows = new Float32Array(capacity * this.stride);
    rows.set(this.rows);
    this.rows = rows;
    const table = new Int32Array(capacity);
    table.set(this.slotTable);
    this.slotTable = table;
    const row = new Int32Array(capacity);
    row.set(this.slotRow);
    this.slotRow = row;
    const uses = new Int32Array(capacity);
    uses.set(this.slotUses);
    this.slotUses = uses;
  }
}

/** Trains one thread's share of the examples; keeps its own scratch space and optimiser step count. */
export class ShardTrainer {
  private readonly sink: CompactSink;
  private readonly pos: ForwardCache;
  private neg: ForwardCache;
  private spare: ForwardCache;
  private readonly scratch: BackwardScratch;
  private readonly contextFields: number;
  private readonly contextScratch: Int32Array;
  /** Optimiser steps taken (Adam bias correction). */
  step = 0;
  /** Step size in force (starts at options.learningRate; a schedule may change it between epochs). */
  learningRate: number;

  constructor(
    readonly layout: NcfLayout,
    readonly state: NcfState,
    readonly options: NcfTrainOptions,
    readonly data: NcfTrainingSet,
  ) {
    this.sink = new CompactSink(layout, Math.max(64, options.batchSize * (options.negatives + 1) * 2));
    this.pos = new ForwardCache(layout);
    this.neg = new ForwardCache(layout);
    this.spare = new ForwardCache(layout);
    this.scratch = new BackwardScratch(layout);
    this.contextFields = layout.arch.contextSizes.length;
    this.contextScratch = new Int32Array(this.contextFields);
    this.learningRate = options.learningRate;
  }

  /**
   * One pass over the positives listed in `order` (indices into the training set), in that order.
   * With `embeddingsOnly` the network stays fixed and only embedding rows move (incremental
   * updates). Returns the mean loss per positive.
   */
  trainEpoch(order: ArrayLike<number>, random: () => number, embeddingsOnly = false): number {
    const { batchSize } = this.options;
    let loss = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      for (let j = start; j < end; j++) loss += this.example(order[j]!, random, embeddingsOnly);
      this.apply(end - start, embeddingsOnly);
    }
    return order.length ? loss / order.length : 0;
  }

  private example(e: number, random: () => number, embeddingsOnly: boolean): number {
    const { layout, state, options, data, pos, sink, scratch } = this;
    const p = state.params;
    const u = data.users[e]!;
    const w = data.weights[e]!;
    let context: Int32Array | undefined;
    if (this.contextFields > 0 && data.contexts) {
      context = this.contextScratch;
      for (let f = 0; f < this.contextFields; f++) context[f] = data.contexts[e * this.contextFields + f]!;
    }
    let loss = 0;
    if (data.labels[e] === 0) {
      // An explicit rejection: a weighted negative example under BCE; BPR has no place for it.
      if (options.loss !== 'bce') return 0;
      const z = forward(layout, p, u, data.items[e]!, context, pos);
      const s = sigmoid(z);
      backward(layout, p, pos, w * s, sink, scratch, embeddingsOnly);
      return -w * Math.log(Math.max(1 - s, 1e-12));
    }
    if (options.loss === 'bce') {
      const z = forward(layout, p, u, data.items[e]!, context, pos);
      const s = sigmoid(z);
      loss -= w * Math.log(Math.max(s, 1e-12));
      backward(layout, p, pos, w * (s - 1), sink, scratch, embeddingsOnly);
      for (let n = 0; n < options.negatives; n++) {
        const zn = this.hardNegative(u, random, context);
        const sn = sigmoid(zn);
        loss -= Math.log(Math.max(1 - sn, 1e-12));
        backward(layout, p, this.neg, sn, sink, scratch, embeddingsOnly);
      }
    } else {
      const zp = forward(layout, p, u, data.items[e]!, context, pos);
      // Parameters only change between batches, so the positive's gradient is linear in its
      // d(loss)/d(logit): one backward pass with the sum over its negatives does for all of them.
      let dPositive = 0;
      for (let n = 0; n < options.negatives; n++) {
        const zn = this.hardNegative(u, random, context);
        const d = zp - zn;
        loss -= w * Math.log(Math.max(sigmoid(d), 1e-12));
        const dd = -w * sigmoid(-d);
        dPositive += dd;
        backward(layout, p, this.neg, -dd, sink, scratch, embeddingsOnly);
      }
      backward(layout, p, pos, dPositive, sink, scratch, embeddingsOnly);
    }
    return loss;
  }

  /**
   * Leaves in `this.neg` the forward pass of the highest-scoring of `negativeCandidates` sampled
   * negatives and returns its logit.
   */
  private hardNegative(u: number, random: () => number, context: Int32Array | undefined): number {
    const { layout, state } = this;
    let best = forward(layout, state.params, u, this.negative(u, random), context, this.neg);
    for (let c = 1; c < this.options.negativeCandidates; c++) {
      const z = forward(layout, state.params, u, this.negative(u, random), context, this.spare);
      if (z > best) {
        best = z;
        [this.neg, this.spare] = [this.spare, this.neg];
      }
    }
    return best;
  }

  /** A uniformly drawn item the user has no positive for (rejection sampling, bounded). */
  private negative(u: number, random: () => number): number {
    const { seenIndptr, seenIndices } = this.data;
    const nItems = this.layout.nItems;
    const lo = seenIndptr[u]!;
    const hi = seenIndptr[u + 1]!;
    let j = 0;
    for (let tries = 0; tries < 32; tries++) {
      j = Math.floor(random() * nItems);
      if (!sortedHas(seenIndices, lo, hi, j)) return j;
    }
    return j;
  }

  /** Applies the batch's gradients: lazily to the touched embedding rows, fully to the network. */
  private apply(batchExamples: number, embeddingsOnly: boolean): void {
    const { layout, state, options, sink } = this;
    const { params: p, m, v } = state;
    const lr = this.learningRate;
    const adam = options.optimizer === 'adam';
    this.step++;
    const c1 = 1 - Math.pow(BETA1, this.step);
    const c2 = 1 - Math.pow(BETA2, this.step);
    const mu = options.momentum;
    const update = (j: number, grad: number) => {
      if (adam) {
        const mj = BETA1 * m[j]! + (1 - BETA1) * grad;
        const vj = BETA2 * v[j]! + (1 - BETA2) * grad * grad;
        m[j] = mj;
        v[j] = vj;
        p[j]! -= (lr * (mj / c1)) / (Math.sqrt(vj / c2) + EPSILON);
      } else {
        const vel = mu * m[j]! + grad;
        m[j] = vel;
        p[j]! -= lr * vel;
      }
    };
    const { rows, stride, slotTable, slotRow, slotUses } = sink;
    for (let s = 0; s < sink.nSlots; s++) {
      const t = slotTable[s]!;
      const table = layout.tables[t]!;
      const base = table.offset + slotRow[s]! * table.dim;
      const l2 = (t === USER_MLP || t === ITEM_MLP || t >= FIRST_CONTEXT ? options.mlpL2 : options.l2) * slotUses[s]!;
      for (let f = 0; f < table.dim; f++) update(base + f, rows[s * stride + f]! + l2 * p[base + f]!);
    }
    if (!embeddingsOnly) {
      // Dense gradients are averaged over the batch: one step per batch, however many examples.
      const scale = 1 / Math.max(1, batchExamples);
      const dense = sink.dense;
      const d0 = layout.embeddingSize;
      // Weight decay on the MLP layers and the MLP's output weights; the GMF output weights and
      // the output bias stay free (decaying them would shrink the GMF branch as a whole).
      const decay = options.denseL2;
      const mlpOut = layout.out + layout.arch.gmfFactors;
      for (let j = 0; j < dense.length; j++) {
        const at = d0 + j;
        const decayed = at < layout.out || (at >= mlpOut && at < layout.outBias);
        update(at, dense[j]! * scale + (decayed ? decay * p[at]! : 0));
      }
    }
    sink.reset();
  }
}

export function sortedHas(xs: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = xs[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Fisher-Yates shuffle in place. */
export function shuffle(xs: Int32Array, random: () => number): Int32Array {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }
  return xs;
}
