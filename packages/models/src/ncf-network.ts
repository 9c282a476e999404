// NeuMF (He et al. 2017) as flat typed arrays: one parameter vector laid out by `ncfLayout`, a
// forward pass that keeps its activations in a cache, and a backward pass that hands gradients to
// a sink. No allocation per sample, so the same code runs in the main thread and in workers.

export interface NcfArchitecture {
  /** Width of the GMF branch (user ⊙ item). */
  gmfFactors: number;
  /** Width of each of the MLP branch's user and item embeddings. */
  mlpFactors: number;
  /** Hidden layer widths of the MLP branch (ReLU), input side first. */
  mlpLayers: readonly number[];
  /** Width of each context embedding (time-of-day bucket, device, ...) fed to the MLP branch. */
  contextFactors: number;
  /** Number of values of each context field; value 0 of a field means "unknown". Empty = no context. */
  contextSizes: readonly number[];
}

/** An embedding table inside the parameter vector: `rows` rows of `dim` floats from `offset`. */
export interface EmbeddingTable {
  offset: number;
  dim: number;
  rows: number;
}

export interface NcfLayout {
  nUsers: number;
  nItems: number;
  arch: NcfArchitecture;
  /** Tables in order: user GMF, item GMF, user MLP, item MLP, item bias, then one per context field. */
  tables: EmbeddingTable[];
  /** Embeddings occupy [0, embeddingSize); the dense network follows. */
  embeddingSize: number;
  /** Per MLP layer: weight offset (out × in, row-major), bias offset, input and output width. */
  layers: { weight: number; bias: number; nIn: number; nOut: number }[];
  mlpInput: number;
  mlpOutput: number;
  /** Output weights over [GMF vector, last MLP layer], then the output bias. */
  out: number;
  outBias: number;
  size: number;
}

export const USER_GMF = 0;
export const ITEM_GMF = 1;
export const USER_MLP = 2;
export const ITEM_MLP = 3;
export const ITEM_BIAS = 4;
export const FIRST_CONTEXT = 5;

export function ncfLayout(nUsers: number, nItems: number, arch: NcfArchitecture): NcfLayout {
  const tables: EmbeddingTable[] = [];
  let offset = 0;
  const table = (rows: number, dim: number) => {
    tables.push({ offset, dim, rows });
    offset += rows * dim;
  };
  table(nUsers, arch.gmfFactors);
  table(nItems, arch.gmfFactors);
  table(nUsers, arch.mlpFactors);
  table(nItems, arch.mlpFactors);
  table(nItems, 1);
  for (const size of arch.contextSizes) table(size, arch.contextFactors);
  const embeddingSize = offset;
  const mlpInput = 2 * arch.mlpFactors + arch.contextSizes.length * arch.contextFactors;
  const layers: NcfLayout['layers'] = [];
  let nIn = mlpInput;
  for (const nOut of arch.mlpLayers) {
    layers.push({ weight: offset, bias: offset + nOut * nIn, nIn, nOut });
    offset += nOut * nIn + nOut;
    nIn = nOut;
  }
  const mlpOutput = nIn;
  const out = offset;
  offset += arch.gmfFactors + mlpOutput;
  const outBias = offset++;
  return { nUsers, nItems, arch, tables, embeddingSize, layers, mlpInput, mlpOutput, out, outBias, size: offset };
}

/** Activations of one forward pass, kept for its backward pass. */
export class ForwardCache {
  user = 0;
  item = 0;
  context: ArrayLike<number> | undefined;
  readonly gmf: Float32Array;
  /** acts[0] is the MLP input; acts[l + 1] the output of layer l (after ReLU). */
  readonly acts: Float32Array[];
  logit = 0;

  constructor(layout: NcfLayout) {
    this.gmf = new Float32Array(layout.arch.gmfFactors);
    this.acts = [new Float32Array(layout.mlpInput), ...layout.layers.map((l) => new Float32Array(l.nOut))];
  }
}

/** Where a backward pass puts its gradients. */
export interface GradientSink {
  /**
   * Offset in `rows` of the gradient of row `row` of embedding table `table` (dim floats, to be
   * added to). May grow `rows`: read `rows` after the last call.
   */
  embedding(table: number, row: number): number;
  readonly rows: Float32Array;
  /** Gradient buffer of the dense part, indexed from layout.embeddingSize. */
  readonly dense: Float32Array;
}

/**
 * Forward pass for (user, item, context): logit = item bias + output bias + h_g · (p_u ⊙ q_i) +
 * h_m · MLP([p'_u, q'_i, context embeddings]). The item bias is an addition to He et al.'s NeuMF:
 * it carries item popularity so the factors need not.
 *
 * Forward pass for (user, item, context): fills `cache` and returns the logit. The MLP's first
 * layer can take a precomputed user-side or item-side contribution elsewhere (see scoring); here it
 * is computed in full because training changes every parameter.
 */
export function forward(
  layout: NcfLayout,
  p: Float32Array,
  user: number,
  item: number,
  context: ArrayLike<number> | undefined,
  cache: ForwardCache,
): number {
  const { tables, arch } = layout;
  cache.user = user;
  cache.item = item;
  cache.context = context;
  const g = arch.gmfFactors;
  const ug = tables[USER_GMF]!.offset + user * g;
  const ig = tables[ITEM_GMF]!.offset + item * g;
  let z = p[layout.outBias]! + p[tables[ITEM_BIAS]!.offset + item]!;
  const out = layout.out;
  const gmf = cache.gmf;
  for (let f = 0; f < g; f++) {
    const v = p[ug + f]! * p[ig + f]!;
    gmf[f] = v;
    z += p[out + f]! * v;
  }
  const x0 = cache.acts[0]!;
  const m = arch.mlpFactors;
  x0.set(p.subarray(tables[USER_MLP]!.offset + user * m, tables[USER_MLP]!.offset + (user + 1) * m), 0);
  x0.set(p.subarray(tables[ITEM_MLP]!.offset + item * m, tables[ITEM_MLP]!.offset + (item + 1) * m), m);
  const c = arch.contextFactors;
  for (let field = 0; field < arch.contextSizes.length; field++) {
    const t = tables[FIRST_CONTEXT + field]!;
    const row = context?.[field] ?? 0;
    x0.set(p.subarray(t.offset + row * c, t.offset + (row + 1) * c), 2 * m + field * c);
  }
  for (let l = 0; l < layout.layers.length; l++) {
    const { weight, bias, nIn, nOut } = layout.layers[l]!;
    const x = cache.acts[l]!;
    const y = cache.acts[l + 1]!;
    for (let o = 0, w = weight; o < nOut; o++, w += nIn) {
      let s = p[bias + o]!;
      for (let k = 0; k < nIn; k++) s += p[w + k]! * x[k]!;
      y[o] = s > 0 ? s : 0;
    }
  }
  const last = cache.acts[layout.layers.length]!;
  for (let k = 0; k < layout.mlpOutput; k++) z += p[out + g + k]! * last[k]!;
  cache.logit = z;
  return z;
}

/** Scratch space for `backward` (two buffers as wide as the widest MLP layer). */
export class BackwardScratch {
  readonly a: Float32Array;
  readonly b: Float32Array;
  constructor(layout: NcfLayout) {
    const widest = Math.max(layout.mlpInput, ...layout.arch.mlpLayers);
    this.a = new Float32Array(widest);
    this.b = new Float32Array(widest);
  }
}

/**
 * Back-propagates d(loss)/d(logit) = `dz` through the pass in `cache`, adding every gradient to
 * `sink`. With `embeddingsOnly`, the dense network's gradients are skipped (fold-in, incremental).
 */
export function backward(
  layout: NcfLayout,
  p: Float32Array,
  cache: ForwardCache,
  dz: number,
  sink: GradientSink,
  scratch: BackwardScratch,
  embeddingsOnly = false,
): void {
  const { tables, arch } = layout;
  const g = arch.gmfFactors;
  const out = layout.out;
  const dense = sink.dense;
  const d0 = layout.embeddingSize;
  const nLayers = layout.layers.length;
  if (!embeddingsOnly) {
    dense[layout.outBias - d0]! += dz;
    for (let f = 0; f < g; f++) dense[out - d0 + f]! += dz * cache.gmf[f]!;
    const last = cache.acts[nLayers]!;
    for (let k = 0; k < layout.mlpOutput; k++) dense[out - d0 + g + k]! += dz * last[k]!;
  }
  const sb = sink.embedding(ITEM_BIAS, cache.item);
  sink.rows[sb]! += dz;
  // GMF branch.
  const ug = tables[USER_GMF]!.offset + cache.user * g;
  const ig = tables[ITEM_GMF]!.offset + cache.item * g;
  const su = sink.embedding(USER_GMF, cache.user);
  const si = sink.embedding(ITEM_GMF, cache.item);
  let rows = sink.rows;
  for (let f = 0; f < g; f++) {
    const dg = dz * p[out + f]!;
    rows[su + f]! += dg * p[ig + f]!;
    rows[si + f]! += dg * p[ug + f]!;
  }
  // MLP branch: delta holds d(loss)/d(output of layer l), turned into d/d(pre-activation) by ReLU.
  let delta = scratch.a;
  let next = scratch.b;
  for (let k = 0; k < layout.mlpOutput; k++) delta[k] = dz * p[out + g + k]!;
  for (let l = nLayers - 1; l >= 0; l--) {
    const { weight, bias, nIn, nOut } = layout.layers[l]!;
    const x = cache.acts[l]!;
    const y = cache.acts[l + 1]!;
    next.fill(0, 0, nIn);
    for (let o = 0, w = weight; o < nOut; o++, w += nIn) {
      if (y[o]! <= 0) continue;
      const d = delta[o]!;
      if (d === 0) continue;
      if (!embeddingsOnly) {
        dense[bias - d0 + o]! += d;
        const wg = w - d0;
        for (let k = 0; k < nIn; k++) dense[wg + k]! += d * x[k]!;
      }
      for (let k = 0; k < nIn; k++) next[k]! += d * p[w + k]!;
    }
    const t = delta;
    delta = next;
    next = t;
  }
  // delta now holds d(loss)/d(MLP input): split it over the embeddings it was built from.
  const m = arch.mlpFactors;
  const um = sink.embedding(USER_MLP, cache.user);
  const im = sink.embedding(ITEM_MLP, cache.item);
  rows = sink.rows;
  for (let f = 0; f < m; f++) rows[um + f]! += delta[f]!;
  for (let f = 0; f < m; f++) rows[im + f]! += delta[m + f]!;
  const c = arch.contextFactors;
  for (let field = 0; field < arch.contextSizes.length; field++) {
    const sc = sink.embedding(FIRST_CONTEXT + field, cache.context?.[field] ?? 0);
    rows = sink.rows;
    for (let f = 0; f < c; f++) rows[sc + f]! += delta[2 * m + field * c + f]!;
  }
}

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Initial parameters: small Gaussian embeddings, He-initialised ReLU layers, zero biases. */
export function initialParameters(layout: NcfLayout, random: () => number, buffer?: Float32Array): Float32Array {
  const p = buffer ?? new Float32Array(layout.size);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let j = 0; j < layout.embeddingSize; j++) p[j] = 0.05 * gauss();
  const bias = layout.tables[ITEM_BIAS]!;
  p.fill(0, bias.offset, bias.offset + bias.rows);
  for (const { weight, bias, nIn, nOut } of layout.layers) {
    const scale = Math.sqrt(2 / nIn);
    for (let j = 0; j < nIn * nOut; j++) p[weight + j] = scale * gauss();
    p.fill(0, bias, bias + nOut);
  }
  const g = layout.arch.gmfFactors;
  // Output weights start at 1 on the GMF branch (a plain dot product) and small on the MLP branch.
  for (let f = 0; f < g; f++) p[layout.out + f] = 1;
  for (let k = 0; k < layout.mlpOutput; k++) p[layout.out + g + k] = 0.1 * gauss();
  p[layout.outBias] = 0;
  return p;
}
