import { checkHistory, checkIndex, decodeFactorArtifact, encodeFactorArtifact, f32Array, isPositiveInt, requirePositiveInt } from './factor-model.js';
import type { InteractionMatrix } from './interaction-matrix.js';
import {
  type NcfArchitecture,
  type NcfLayout,
  ITEM_BIAS,
  ITEM_GMF,
  ITEM_MLP,
  USER_GMF,
  USER_MLP,
  FIRST_CONTEXT,
  initialParameters,
  ncfLayout,
  sigmoid,
} from './ncf-network.js';
import { shareState, trainInWorkers } from './ncf-parallel.js';
import { type NcfState, type NcfTrainingSet, type NcfTrainOptions, ShardTrainer, shuffle } from './ncf-train.js';
import { mulberry32 } from './random.js';

export interface NcfOptions extends NcfArchitecture, NcfTrainOptions {
  epochs: number;
  /** Step size of the last epoch: the step size moves linearly from learningRate to it (default: constant). */
  finalLearningRate?: number;
  /** Training threads: 1 trains in the calling thread (deterministic); more use worker threads (Hogwild). */
  threads: number;
  /** A positive with preference p weighs 1 + confidence·|p| in the loss. */
  confidence: number;
  seed: number;
}

/**
 * Chosen on a validation split carved from the MovieLens-100k training part (nDCG@10 of direct
 * scoring, where ALS reaches 0.276 and PureSVD 0.255):
 * - Adam (lazy, per touched row) overfits within 2-4 epochs whatever the L2 (peaks 0.21-0.22):
 *   it gives rare items steps as large as popular ones. Plain SGD with per-use L2 does not.
 * - BPR with uniform negatives peaks at 0.216; dynamic negative sampling (the best of 5 drawn
 *   candidates) lifts it to 0.244, and 128 GMF factors to 0.253.
 * - The MLP branch overfits: 16-wide embeddings with layers [32, 16, 8] cost 0.02 against a
 *   1-unit MLP (0.254); 8-wide embeddings, layers [16, 8] and a 0.1 L2 on them recover 0.253.
 * - At a constant step size the curve peaks at epoch 20 (0.253) and declines (0.242 at 30); a
 *   step size falling linearly from 0.08 to 0.005 over 25 epochs reaches 0.264 (0.1 to 0.002
 *   over 30: 0.256; with L2 0.05: 0.258; two hard negatives per positive: 0.258).
 * - BCE with 4 negatives per positive: 0.224 uniform, 0.239 with the best of 3.
 * - Rating-weighted positives (confidence 0.25) overshoot with SGD (0.244 at epoch 5, then down).
 */
export const DEFAULT_NCF_OPTIONS: Readonly<NcfOptions> = {
  gmfFactors: 128,
  mlpFactors: 8,
  mlpLayers: [16, 8],
  contextFactors: 8,
  contextSizes: [],
  loss: 'bpr',
  negatives: 1,
  negativeCandidates: 5,
  optimizer: 'sgd',
  learningRate: 0.08,
  finalLearningRate: 0.005,
  momentum: 0,
  l2: 0.04,
  mlpL2: 0.1,
  denseL2: 0.001,
  batchSize: 64,
  epochs: 25,
  threads: 1,
  confidence: 0,
  seed: 42,
};

/** One observed preference, optionally with its context values (one per context field). */
export interface NcfEvent {
  user: number;
  item: number;
  preference: number;
  context?: ArrayLike<number>;
}

export interface NcfFitOptions {
  /** Context values per matrix entry (contextSizes.length per entry, in CSR order). */
  contexts?: Int32Array;
  onProgress?: (epoch: number, epochs: number, loss: number) => void;
}

export interface NcfUpdateOptions {
  epochs: number;
  learningRate: number;
  negatives: number;
  /** Also move the shared network (and context embeddings); by default only user and item rows move. */
  updateNetwork: boolean;
  seed: number;
}

export interface NcfFoldInOptions {
  steps: number;
  learningRate: number;
  /** Sampled negatives per liked item. */
  negatives: number;
  seed: number;
}

const DEFAULT_UPDATE: NcfUpdateOptions = { epochs: 3, learningRate: 0.01, negatives: 4, updateNetwork: false, seed: 1 };
const MIN_FOLD_NEGATIVES = 32;
const MAX_FOLD_NEGATIVES = 64;
/**
 * Validation (MovieLens-100k, every user folded in from their training history instead of using
 * their trained embeddings, 0.264): 3 steps with one negative per liked item 0.253 at 0.43 ms per
 * user (56 items on average); 4 steps 0.253 at 0.54 ms; two negatives per liked item 0.241;
 * 6 steps 0.235 (the steps overshoot).
 */
const DEFAULT_FOLD_IN: NcfFoldInOptions = { steps: 3, learningRate: 0.15, negatives: 1, seed: 1 };

const ARTIFACT_KIND = 'ncf';
const ARTIFACT_FORMAT = 1;

/**
 * Neural collaborative filtering, NeuMF variant (He et al. 2017): a GMF branch (user ⊙ item
 * embeddings) and an MLP branch over separate user, item and optional context embeddings, fused
 * by one output layer into a logit. Trained on implicit feedback with sampled negatives.
 *
 * A user vector is the user's GMF embedding followed by their MLP embedding (gmfFactors +
 * mlpFactors floats), so a trained user, a folded-in one and an incrementally updated one all
 * score through `scoreItems`.
 */
export class NeuMF {
  readonly options: Readonly<NcfOptions>;
  private layoutValue: NcfLayout;
  private p: Float32Array;
  /** Per item, the MLP's first-layer pre-activation from the item embedding plus bias (scoring cache). */
  private itemFirst: Float32Array | undefined;
  private meanUser: Float32Array | undefined;

  constructor(options: Partial<NcfOptions> = {}) {
    this.options = checkOptions({ ...DEFAULT_NCF_OPTIONS, ...options });
    this.layoutValue = ncfLayout(0, 0, this.options);
    this.p = new Float32Array(this.layoutValue.size);
  }

  get nUsers(): number {
    return this.layoutValue.nUsers;
  }
  get nItems(): number {
    return this.layoutValue.nItems;
  }
  get layout(): NcfLayout {
    return this.layoutValue;
  }
  /** All parameters, laid out as `layout` says. */
  get parameters(): Float32Array {
    return this.p;
  }
  /** Length of a user vector: gmfFactors + mlpFactors. */
  get userVectorLength(): number {
    return this.options.gmfFactors + this.options.mlpFactors;
  }

  /** Trains from scratch in the calling thread (deterministic for a seed). */
  fit(matrix: InteractionMatrix, fitOptions: NcfFitOptions = {}): this {
    const { state, data, order } = this.prepare(matrix, fitOptions.contexts);
    const trainer = new ShardTrainer(this.layoutValue, state, this.options, data);
    const { epochs, seed } = this.options;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      trainer.learningRate = this.learningRateAt(epoch);
      const random = mulberry32(seed + 1_000_003 * epoch);
      const loss = trainer.trainEpoch(shuffle(order, random), random);
      this.invalidate();
      fitOptions.onProgress?.(epoch, epochs, loss);
    }
    return this;
  }

  /**
   * Trains from scratch on `options.threads` worker threads sharing the parameters (Hogwild: not
   * bit-for-bit repeatable with more than one thread). With one thread it is `fit`, run so that
   * progress callbacks can reach the event loop between epochs.
   */
  async fitAsync(matrix: InteractionMatrix, fitOptions: NcfFitOptions = {}): Promise<this> {
    const { threads, epochs, seed } = this.options;
    if (threads <= 1) {
      const { state, data, order } = this.prepare(matrix, fitOptions.contexts);
      const trainer = new ShardTrainer(this.layoutValue, state, this.options, data);
      for (let epoch = 1; epoch <= epochs; epoch++) {
        trainer.learningRate = this.learningRateAt(epoch);
        const random = mulberry32(seed + 1_000_003 * epoch);
        const loss = trainer.trainEpoch(shuffle(order, random), random);
        this.invalidate();
        fitOptions.onProgress?.(epoch, epochs, loss);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return this;
    }
    const prepared = this.prepare(matrix, fitOptions.contexts);
    const state = shareState(prepared.state);
    this.p = state.params;
    // Examples are in user order: contiguous equal slices give each thread its own users.
    const n = prepared.order.length;
    const shards = Array.from({ length: threads }, (_, t) =>
      Int32Array.from({ length: Math.floor(((t + 1) * n) / threads) - Math.floor((t * n) / threads) }, (_, j) => Math.floor((t * n) / threads) + j),
    );
    await trainInWorkers(this.layoutValue, state, this.options, prepared.data, shards, seed, epochs, (epoch) => this.learningRateAt(epoch), (epoch, loss) => {
      this.invalidate();
      fitOptions.onProgress?.(epoch, epochs, loss);
    });
    this.p = Float32Array.from(state.params);
    this.invalidate();
    return this;
  }

  /** Linear schedule from learningRate (epoch 1) to finalLearningRate (last epoch). */
  private learningRateAt(epoch: number): number {
    const { learningRate, epochs } = this.options;
    const finalLearningRate = this.options.finalLearningRate ?? learningRate;
    return epochs <= 1 ? learningRate : learningRate + ((finalLearningRate - learningRate) * (epoch - 1)) / (epochs - 1);
  }

  /** The trained vector of user `u` (a copy: GMF embedding, then MLP embedding). */
  userVector(u: number): Float32Array {
    checkIndex('user', u, this.nUsers);
    const { gmfFactors: g, mlpFactors: m } = this.options;
    const t = this.layoutValue.tables;
    const out = new Float32Array(g + m);
    out.set(this.p.subarray(t[USER_GMF]!.offset + u * g, t[USER_GMF]!.offset + (u + 1) * g), 0);
    out.set(this.p.subarray(t[USER_MLP]!.offset + u * m, t[USER_MLP]!.offset + (u + 1) * m), g);
    return out;
  }

  /**
   * Logits of every item for a user vector (into `out` when given), in an optional context (one
   * value per context field; 0 or absent = unknown). Higher is better; `sigmoid` maps to 0-1.
   */
  scoreItems(userVector: Float32Array, out = new Float32Array(this.nItems), context?: ArrayLike<number>): Float32Array {
    const n = this.nItems;
    if (out.length < n) throw new RangeError(`output holds ${out.length} scores, need ${n}`);
    const score = this.scorer(userVector, context);
    for (let i = 0; i < n; i++) out[i] = score(i);
    return out;
  }

  /** Logits for the listed items only. */
  scoreSome(userVector: Float32Array, items: ArrayLike<number>, context?: ArrayLike<number>): Float32Array {
    const out = new Float32Array(items.length);
    const scorer = this.scorer(userVector, context);
    for (let j = 0; j < items.length; j++) out[j] = scorer(items[j]!);
    return out;
  }

  /** Predicted probability that the user likes the item (sigmoid of the logit). */
  predict(userVector: Float32Array, item: number, context?: ArrayLike<number>): number {
    return sigmoid(this.scorer(userVector, context)(item));
  }

  /**
   * A vector for a user the model did not train on: gradient steps on their GMF and MLP
   * embeddings (network and items fixed) from the mean user, against their liked items and a few
   * sampled negatives; rejections (preference < 0) count as negatives.
   */
  foldIn(itemIndices: ArrayLike<number>, preferences: ArrayLike<number>, options: Partial<NcfFoldInOptions> = {}): Float32Array {
    checkHistory(itemIndices, preferences);
    const { steps, learningRate, negatives, seed } = { ...DEFAULT_FOLD_IN, ...options };
    const { gmfFactors: g, mlpFactors: m, confidence, l2, mlpL2 } = this.options;
    const layout = this.layoutValue;
    const p = this.p;
    const itemFirst = this.firstLayerCache();
    const items: number[] = [];
    const labels: number[] = [];
    const weights: number[] = [];
    const history = new Set<number>();
    for (let j = 0; j < itemIndices.length; j++) {
      const i = itemIndices[j]!;
      checkIndex('item', i, this.nItems);
      history.add(i);
      const pref = preferences[j]!;
      if (pref === 0) continue;
      items.push(i);
      labels.push(pref > 0 ? 1 : 0);
      weights.push(1 + confidence * Math.abs(pref));
    }
    // Sampled negatives stand for all the items the user did not pick: between MIN_ and
    // MAX_FOLD_NEGATIVES of them share a total weight of `negatives` per liked item, which keeps the
    // fold-in's variance low for short histories and its cost bounded for long ones.
    const random = mulberry32(seed);
    const liked = labels.reduce((a, b) => a + b, 0);
    const draws = liked > 0 ? Math.min(MAX_FOLD_NEGATIVES, Math.max(MIN_FOLD_NEGATIVES, liked * negatives)) : 0;
    const negativeWeight = draws > 0 ? (liked * negatives) / draws : 0;
    for (let k = 0; k < draws && history.size < this.nItems; k++) {
      let j = Math.floor(random() * this.nItems);
      for (let tries = 0; tries < 16 && history.has(j); tries++) j = Math.floor(random() * this.nItems);
      items.push(j);
      labels.push(0);
      weights.push(negativeWeight);
    }
    const x = Float32Array.from(this.meanUserVector());
    if (items.length === 0) return x;

    const first = layout.layers[0]!;
    const h1 = first.nOut;
    const userFirst = new Float32Array(h1);
    const dFirst = new Float64Array(h1);
    // Float64: squared gradients of a converging fold-in fall into float32 subnormals, which are slow.
    const grad = new Float64Array(g + m);
    const mom = new Float64Array(g + m);
    const vel = new Float64Array(g + m);
    const acts = layout.layers.map((l) => new Float32Array(l.nOut));
    const deltas = [new Float64Array(Math.max(...this.options.mlpLayers)), new Float64Array(Math.max(...this.options.mlpLayers))];
    const itemGmf = layout.tables[ITEM_GMF]!.offset;
    const out = layout.out;
    // h ⊙ x once per step, so the GMF term of each sample is one dot product.
    const hx = new Float32Array(g + m);
    for (let step = 1; step <= steps; step++) {
      this.userFirstLayer(x, undefined, userFirst);
      for (let f = 0; f < g; f++) hx[f] = p[out + f]! * x[f]!;
      grad.fill(0);
      dFirst.fill(0);
      for (let s = 0; s < items.length; s++) {
        const i = items[s]!;
        const z = this.logitFrom(hx, userFirst, itemFirst, i, acts, true);
        const dz = weights[s]! * (sigmoid(z) - labels[s]!);
        const q = itemGmf + i * g;
        for (let f = 0; f < g; f++) grad[f]! += dz * p[q + f]!;
        this.backToFirst(acts, dz, deltas, dFirst);
      }
      for (let f = 0; f < g; f++) grad[f]! *= p[out + f]!;
      // d(loss)/d(user MLP embedding) = W1[:, user part]ᵀ · d(first-layer pre-activation).
      for (let o = 0, w = first.weight; o < h1; o++, w += first.nIn) {
        const d = dFirst[o]!;
        if (d === 0) continue;
        for (let f = 0; f < m; f++) grad[g + f]! += d * p[w + f]!;
      }
      // Adam on the one vector: step sizes do not depend on the history's length.
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let f = 0; f < g + m; f++) {
        const gf = grad[f]! / items.length + (f < g ? l2 : mlpL2) * x[f]!;
        mom[f] = 0.9 * mom[f]! + 0.1 * gf;
        vel[f] = 0.999 * vel[f]! + 0.001 * gf * gf;
        x[f]! -= (learningRate * (mom[f]! / c1)) / (Math.sqrt(vel[f]! / c2) + 1e-8);
      }
    }
    return x;
  }

  /**
   * Mini-batch SGD on fresh events without a full retrain: the users' and items' embeddings move
   * (and the network too with `updateNetwork`), against sampled negatives. Users or items beyond
   * the current counts are added first (users start at the mean user, items small and random).
   */
  partialFit(events: readonly NcfEvent[], options: Partial<NcfUpdateOptions> = {}): this {
    const o = { ...DEFAULT_UPDATE, ...options };
    if (events.length === 0) return this;
    let nUsers = this.nUsers;
    let nItems = this.nItems;
    for (const e of events) {
      if (!Number.isInteger(e.user) || e.user < 0 || !Number.isInteger(e.item) || e.item < 0) {
        throw new RangeError(`bad event (user ${e.user}, item ${e.item})`);
      }
      nUsers = Math.max(nUsers, e.user + 1);
      nItems = Math.max(nItems, e.item + 1);
    }
    this.resize(nUsers, nItems, o.seed);
    const fields = this.options.contextSizes.length;
    const order = Int32Array.from(events.keys()).sort((a, b) => events[a]!.user - events[b]!.user);
    const users = Int32Array.from(order, (j) => events[j]!.user);
    const items = Int32Array.from(order, (j) => events[j]!.item);
    const seenIndptr = new Int32Array(nUsers + 1);
    const positives = order.filter((j) => events[j]!.preference > 0);
    for (const j of positives) seenIndptr[events[j]!.user + 1]!++;
    for (let u = 0; u < nUsers; u++) seenIndptr[u + 1]! += seenIndptr[u]!;
    const next = seenIndptr.slice(0, nUsers);
    const seenIndices = new Int32Array(positives.length);
    for (const j of positives) seenIndices[next[events[j]!.user]!++] = events[j]!.item;
    for (let u = 0; u < nUsers; u++) seenIndices.subarray(seenIndptr[u], seenIndptr[u + 1]).sort();
    const data: NcfTrainingSet = {
      users,
      items,
      labels: Uint8Array.from(order, (j) => (events[j]!.preference > 0 ? 1 : 0)),
      weights: Float32Array.from(order, (j) => 1 + this.options.confidence * Math.abs(events[j]!.preference)),
      contexts: fields ? Int32Array.from({ length: order.length * fields }, (_, k) => events[order[Math.floor(k / fields)]!]!.context?.[k % fields] ?? 0) : undefined,
      seenIndptr,
      seenIndices,
    };
    const state: NcfState = { params: this.p, m: new Float32Array(this.p.length), v: new Float32Array(this.p.length) };
    const trainer = new ShardTrainer(this.layoutValue, state, { ...this.options, learningRate: o.learningRate, negatives: o.negatives }, data);
    const random = mulberry32(o.seed);
    const shuffled = Int32Array.from(order.keys());
    for (let epoch = 0; epoch < o.epochs; epoch++) trainer.trainEpoch(shuffle(shuffled, random), random, !o.updateNetwork);
    this.invalidate();
    return this;
  }

  /** Serialises the model (kind "ncf", format 1): meta {nUsers, nItems, options}, array params (f32). */
  toArtifact(): Uint8Array {
    const options = { ...this.options, mlpLayers: [...this.options.mlpLayers], contextSizes: [...this.options.contextSizes] };
    return encodeFactorArtifact(ARTIFACT_KIND, ARTIFACT_FORMAT, this.nUsers, this.nItems, options, { params: this.p });
  }

  /** Loads a model written by `toArtifact`; throws ArtifactFormatError on another kind or format version. */
  static fromArtifact(bytes: Uint8Array): NeuMF {
    const { meta, arrays } = decodeFactorArtifact<NcfOptions>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const model = new NeuMF(meta.options);
    const layout = ncfLayout(meta.nUsers, meta.nItems, model.options);
    model.layoutValue = layout;
    model.p = f32Array(arrays.params, layout.size, ARTIFACT_KIND, 'params');
    return model;
  }

  private prepare(matrix: InteractionMatrix, contexts: Int32Array | undefined): { state: NcfState; data: NcfTrainingSet; order: Int32Array } {
    const fields = this.options.contextSizes.length;
    if (fields > 0 && contexts && contexts.length !== matrix.nnz * fields) {
      throw new RangeError(`contexts hold ${contexts.length} values, expected ${matrix.nnz * fields}`);
    }
    this.layoutValue = ncfLayout(matrix.nRows, matrix.nCols, this.options);
    const params = initialParameters(this.layoutValue, mulberry32(this.options.seed));
    const keep: number[] = [];
    for (let j = 0; j < matrix.nnz; j++) if (matrix.values[j] !== 0) keep.push(j);
    const rowOf = new Int32Array(matrix.nnz);
    for (let u = 0; u < matrix.nRows; u++) rowOf.fill(u, matrix.indptr[u]!, matrix.indptr[u + 1]!);
    const pick = Int32Array.from(keep);
    // Negatives are drawn from items outside each user's positives.
    const seenIndptr = new Int32Array(matrix.nRows + 1);
    const seen: number[] = [];
    for (let u = 0; u < matrix.nRows; u++) {
      for (let j = matrix.indptr[u]!; j < matrix.indptr[u + 1]!; j++) if (matrix.values[j]! > 0) seen.push(matrix.indices[j]!);
      seenIndptr[u + 1] = seen.length;
    }
    const { confidence } = this.options;
    const data: NcfTrainingSet = {
      users: Int32Array.from(pick, (j) => rowOf[j]!),
      items: Int32Array.from(pick, (j) => matrix.indices[j]!),
      labels: Uint8Array.from(pick, (j) => (matrix.values[j]! > 0 ? 1 : 0)),
      weights: Float32Array.from(pick, (j) => 1 + confidence * Math.abs(matrix.values[j]!)),
      contexts: fields && contexts ? Int32Array.from({ length: pick.length * fields }, (_, k) => contexts[pick[Math.floor(k / fields)]! * fields + (k % fields)]!) : undefined,
      seenIndptr,
      seenIndices: Int32Array.from(seen),
    };
    const state: NcfState = { params, m: new Float32Array(params.length), v: new Float32Array(params.length) };
    // The model reads the parameters being trained, so progress callbacks can score with them.
    this.p = params;
    this.invalidate();
    return { state, data, order: Int32Array.from(pick.keys()) };
  }

  private invalidate(): void {
    this.itemFirst = undefined;
    this.meanUser = undefined;
  }

  /** Item-side first-layer pre-activations plus bias, nItems × h1, computed once per parameter set. */
  private firstLayerCache(): Float32Array {
    if (this.itemFirst) return this.itemFirst;
    const layout = this.layoutValue;
    const { weight, bias, nIn, nOut } = layout.layers[0]!;
    const m = this.options.mlpFactors;
    const p = this.p;
    const itemMlp = layout.tables[ITEM_MLP]!.offset;
    const cache = new Float32Array(this.nItems * nOut);
    for (let i = 0; i < this.nItems; i++) {
      for (let o = 0, w = weight + m; o < nOut; o++, w += nIn) {
        let s = p[bias + o]!;
        for (let f = 0; f < m; f++) s += p[w + f]! * p[itemMlp + i * m + f]!;
        cache[i * nOut + o] = s;
      }
    }
    this.itemFirst = cache;
    return cache;
  }

  /** User-side (and context) first-layer pre-activations, without the bias. */
  private userFirstLayer(userVector: Float32Array, context: ArrayLike<number> | undefined, out: Float32Array): void {
    const layout = this.layoutValue;
    const { weight, nIn, nOut } = layout.layers[0]!;
    const { gmfFactors: g, mlpFactors: m, contextFactors: c, contextSizes } = this.options;
    const p = this.p;
    for (let o = 0, w = weight; o < nOut; o++, w += nIn) {
      let s = 0;
      for (let f = 0; f < m; f++) s += p[w + f]! * userVector[g + f]!;
      for (let field = 0; field < contextSizes.length; field++) {
        const value = context?.[field] ?? 0;
        if (!Number.isInteger(value) || value < 0 || value >= contextSizes[field]!) throw new RangeError(`context field ${field} value ${value} outside [0, ${contextSizes[field]})`);
        const t = layout.tables[FIRST_CONTEXT + field]!.offset + value * c;
        for (let f = 0; f < c; f++) s += p[w + 2 * m + field * c + f]! * p[t + f]!;
      }
      out[o] = s;
    }
  }

  /** Full logit given the precomputed first-layer halves; leaves every layer's output in `acts`. */
  private logitFrom(
    userVector: Float32Array,
    userFirst: Float32Array,
    itemFirst: Float32Array,
    item: number,
    acts: Float32Array[],
    /** `userVector`'s GMF part is already multiplied by the GMF output weights. */
    weighted = false,
  ): number {
    const layout = this.layoutValue;
    const p = this.p;
    const g = this.options.gmfFactors;
    const itemGmf = layout.tables[ITEM_GMF]!.offset + item * g;
    const out = layout.out;
    let z = p[layout.outBias]! + p[layout.tables[ITEM_BIAS]!.offset + item]!;
    if (weighted) for (let f = 0; f < g; f++) z += userVector[f]! * p[itemGmf + f]!;
    else for (let f = 0; f < g; f++) z += p[out + f]! * userVector[f]! * p[itemGmf + f]!;
    const a0 = acts[0]!;
    const h1 = a0.length;
    for (let o = 0; o < h1; o++) {
      const s = userFirst[o]! + itemFirst[item * h1 + o]!;
      a0[o] = s > 0 ? s : 0;
    }
    for (let l = 1; l < layout.layers.length; l++) {
      const { weight, bias, nIn, nOut } = layout.layers[l]!;
      const x = acts[l - 1]!;
      const y = acts[l]!;
      for (let o = 0, w = weight; o < nOut; o++, w += nIn) {
        let s = p[bias + o]!;
        for (let k = 0; k < nIn; k++) s += p[w + k]! * x[k]!;
        y[o] = s > 0 ? s : 0;
      }
    }
    const last = acts[layout.layers.length - 1]!;
    const mlpOut = out + g;
    for (let k = 0; k < last.length; k++) z += p[mlpOut + k]! * last[k]!;
    return z;
  }

  /** Adds d(loss)/d(first-layer pre-activation) for a logit gradient `dz` to `dFirst`. */
  private backToFirst(acts: Float32Array[], dz: number, deltas: Float64Array[], dFirst: Float64Array): void {
    const layout = this.layoutValue;
    const p = this.p;
    const g = this.options.gmfFactors;
    const nLayers = layout.layers.length;
    let delta = deltas[0]!;
    let next = deltas[1]!;
    const last = acts[nLayers - 1]!;
    for (let k = 0; k < last.length; k++) delta[k] = last[k]! > 0 ? dz * p[layout.out + g + k]! : 0;
    for (let l = nLayers - 1; l >= 1; l--) {
      const { weight, nIn, nOut } = layout.layers[l]!;
      next.fill(0, 0, nIn);
      for (let o = 0, w = weight; o < nOut; o++, w += nIn) {
        const d = delta[o]!;
        if (d === 0) continue;
        for (let k = 0; k < nIn; k++) next[k]! += d * p[w + k]!;
      }
      const x = acts[l - 1]!;
      for (let k = 0; k < nIn; k++) if (x[k]! <= 0) next[k] = 0;
      const t = delta;
      delta = next;
      next = t;
    }
    for (let o = 0; o < dFirst.length; o++) dFirst[o]! += delta[o]!;
  }

  private scorer(userVector: Float32Array, context: ArrayLike<number> | undefined): (item: number) => number {
    if (userVector.length !== this.userVectorLength) {
      throw new RangeError(`user vector has ${userVector.length} values, expected ${this.userVectorLength}`);
    }
    const itemFirst = this.firstLayerCache();
    const userFirst = new Float32Array(this.layoutValue.layers[0]!.nOut);
    this.userFirstLayer(userVector, context, userFirst);
    const acts = this.layoutValue.layers.map((l) => new Float32Array(l.nOut));
    return (item) => {
      if (!(item >= 0 && item < this.nItems)) throw new RangeError(`item ${item} outside [0, ${this.nItems})`);
      return this.logitFrom(userVector, userFirst, itemFirst, item, acts);
    };
  }

  private meanUserVector(): Float32Array {
    if (this.meanUser) return this.meanUser;
    const { gmfFactors: g, mlpFactors: m } = this.options;
    const mean = new Float32Array(g + m);
    for (let u = 0; u < this.nUsers; u++) {
      const v = this.userVector(u);
      for (let f = 0; f < g + m; f++) mean[f]! += v[f]! / this.nUsers;
    }
    this.meanUser = mean;
    return mean;
  }

  /** Grows the embedding tables to nUsers × nItems, keeping every trained parameter. */
  private resize(nUsers: number, nItems: number, seed: number): void {
    if (nUsers === this.nUsers && nItems === this.nItems) return;
    const old = this.layoutValue;
    const layout = ncfLayout(nUsers, nItems, this.options);
    const p = new Float32Array(layout.size);
    const random = mulberry32(seed);
    const mean = this.meanUserVector();
    const { gmfFactors: g } = this.options;
    layout.tables.forEach((t, k) => {
      const o = old.tables[k]!;
      p.set(this.p.subarray(o.offset, o.offset + o.rows * o.dim), t.offset);
      for (let r = o.rows; r < t.rows; r++) {
        for (let f = 0; f < t.dim; f++) {
          // New users start at the mean user; new items small and random (they have no signal yet).
          p[t.offset + r * t.dim + f] =
            k === USER_GMF ? mean[f]! : k === USER_MLP ? mean[g + f]! : 0.05 * (random() * 2 - 1);
        }
      }
    });
    p.set(this.p.subarray(old.embeddingSize), layout.embeddingSize);
    this.layoutValue = layout;
    this.p = p;
    this.invalidate();
  }
}

function checkOptions(o: NcfOptions): NcfOptions {
  for (const key of ['gmfFactors', 'mlpFactors', 'contextFactors', 'batchSize', 'threads'] as const) requirePositiveInt(key, o[key]);
  if (o.mlpLayers.length === 0 || !o.mlpLayers.every(isPositiveInt)) throw new RangeError('mlpLayers must list at least one positive width');
  if (!o.contextSizes.every(isPositiveInt)) throw new RangeError('contextSizes must be positive integers');
  if (!Number.isInteger(o.negativeCandidates) || o.negativeCandidates < 1) throw new RangeError(`negativeCandidates must be >= 1, got ${o.negativeCandidates}`);
  if (!Number.isInteger(o.negatives) || o.negatives < 1) throw new RangeError(`negatives must be >= 1, got ${o.negatives}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new RangeError(`epochs must be an integer >= 0, got ${o.epochs}`);
  if (!(o.learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${o.learningRate}`);
  if (o.finalLearningRate !== undefined && !(o.finalLearningRate > 0)) throw new RangeError(`finalLearningRate must be > 0, got ${o.finalLearningRate}`);
  if (!(o.l2 >= 0) || !(o.mlpL2 >= 0) || !(o.denseL2 >= 0) || !(o.confidence >= 0) || !(o.momentum >= 0 && o.momentum < 1)) throw new RangeError('l2, confidence >= 0 and momentum in [0, 1) required');
  if (o.loss !== 'bce' && o.loss !== 'bpr') throw new RangeError(`loss must be bce or bpr, got ${String(o.loss)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new RangeError(`optimizer must be adam or sgd, got ${String(o.optimizer)}`);
  return o;
}
