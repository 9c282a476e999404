// Calibration of the blended ranking score into a probability: the hybrid total is a weighted sum
// of signals in 0-1, which orders items well but does not say how often a recommended item is
// actually taken. Fitted on held-out data (score of a recommended item, 1 when the user went on to
// consume it), the map turns the score into that frequency. Pure code, JSON-serialisable result.

/** Monotone step-free map: linear between (x[i], y[i]), flat beyond the ends. */
export interface IsotonicCalibration {
  kind: 'isotonic';
  /** Increasing score knots (the weighted mean score of each pooled block). */
  x: number[];
  /** Non-decreasing probabilities in 0-1 at the knots. */
  y: number[];
}

/** Platt scaling: p = 1 / (1 + exp(a·score + b)); a < 0 when higher scores mean likelier hits. */
export interface PlattCalibration {
  kind: 'platt';
  a: number;
  b: number;
}

export type Calibration = IsotonicCalibration | PlattCalibration;

export interface CalibrationSample {
  scores: ArrayLike<number>;
  /** 1 for a hit, 0 for a miss (values in between are read as a hit probability). */
  labels: ArrayLike<number>;
  /** Optional weight per sample (e.g. to balance users); default 1. */
  weights?: ArrayLike<number>;
}

function checkSample({ scores, labels, weights }: CalibrationSample): void {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  if (weights && weights.length !== scores.length) throw new RangeError(`${scores.length} scores but ${weights.length} weights`);
  if (scores.length === 0) throw new RangeError('calibration needs at least one sample');
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`score ${i} is not finite: ${scores[i]}`);
    if (!(labels[i]! >= 0 && labels[i]! <= 1)) throw new RangeError(`label ${i} is outside 0-1: ${labels[i]}`);
    if (weights && !(weights[i]! >= 0)) throw new RangeError(`weight ${i} is negative or not a number: ${weights[i]}`);
  }
}

/**
 * Isotonic regression by pool-adjacent-violators: the non-decreasing fit of labels on scores that
 * minimises the weighted squared error. Needs no assumption on the shape of the miscalibration,
 * hence the default; with few samples per score range prefer Platt scaling.
 */
export function fitIsotonic(sample: CalibrationSample): IsotonicCalibration {
  checkSample(sample);
  const { scores, labels, weights } = sample;
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Blocks as parallel stacks: weight, weighted label sum, weighted score sum.
  const w: number[] = [];
  const ly: number[] = [];
  const sx: number[] = [];
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    const wi = weights ? weights[i]! : 1;
    if (wi === 0) continue;
    // Ties in score pool at once: a calibration cannot tell them apart.
    if (w.length > 0 && j > 0 && scores[order[j - 1]!] === scores[i] && sx[sx.length - 1]! / w[w.length - 1]! === scores[i]) {
      w[w.length - 1]! += wi;
      ly[ly.length - 1]! += wi * labels[i]!;
      sx[sx.length - 1]! += wi * scores[i]!;
    } else {
      w.push(wi);
      ly.push(wi * labels[i]!);
      sx.push(wi * scores[i]!);
    }
    // Merge while the last block's mean falls below the previous one's.
    while (w.length > 1 && ly[ly.length - 1]! / w[w.length - 1]! <= ly[ly.length - 2]! / w[w.length - 2]!) {
      const lw = w.pop()!;
      const ll = ly.pop()!;
      const ls = sx.pop()!;
      w[w.length - 1]! += lw;
      ly[ly.length - 1]! += ll;
      sx[sx.length - 1]! += ls;
    }
  }
  if (w.length === 0) throw new RangeError('calibration needs at least one sample with a positive weight');
  return { kind: 'isotonic', x: w.map((wb, b) => sx[b]! / wb), y: w.map((wb, b) => ly[b]! / wb) };
}

export interface PlattOptions {
  /** Newton iterations at most. */
  maxIterations?: number;
  /** Stop when the log-likelihood improves by less than this. */
  tolerance?: number;
}

/**
 * Platt scaling (Platt 1999, with Lin, Lin & Weng's stable Newton iteration): a logistic fit of
 * the label on the score, with the targets pulled slightly off 0 and 1 so a separable sample does
 * not send the slope to infinity.
 */
export function fitPlatt(sample: CalibrationSample, options: PlattOptions = {}): PlattCalibration {
  checkSample(sample);
  const { scores, labels, weights } = sample;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const n = scores.length;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights ? weights[i]! : 1;
    positives += wi * labels[i]!;
    negatives += wi * (1 - labels[i]!);
  }
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const target = (i: number) => labels[i]! * hi + (1 - labels[i]!) * lo;
  const loss = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = a * scores[i]! + b;
      const t = target(i);
      // -log-likelihood of t under p = 1 / (1 + e^z), written to avoid overflow.
      f += (weights ? weights[i]! : 1) * (z >= 0 ? t * z + Math.log1p(Math.exp(-z)) : (t - 1) * z + Math.log1p(Math.exp(z)));
    }
    return f;
  };
  let a = 0;
  let b = Math.log((negatives + 1) / (positives + 1));
  let f = loss(a, b);
  for (let it = 0; it < maxIterations; it++) {
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      const z = a * s + b;
      const p = z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
      const q = 1 - p;
      const wi = weights ? weights[i]! : 1;
      const d2 = wi * p * q;
      h11 += s * s * d2;
      h22 += d2;
      h21 += s * d2;
      const d1 = wi * (target(i) - p);
      g1 += s * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-9 && Math.abs(g2) < 1e-9) break;
    const det = h11 * h22 - h21 * h21;
    const da = -(h22 * g1 - h21 * g2) / det;
    const db = -(-h21 * g1 + h11 * g2) / det;
    const slope = g1 * da + g2 * db;
    // Backtracking line search: a full Newton step can overshoot on a flat likelihood.
    let step = 1;
    let improved = false;
    while (step >= 1e-10) {
      const na = a + step * da;
      const nb = b + step * db;
      const nf = loss(na, nb);
      if (nf < f + 1e-4 * step * slope) {
        const gain = f - nf;
        a = na;
        b = nb;
        f = nf;
        improved = gain > tolerance;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { kind: 'platt', a, b };
}

/** The calibrated probability of `score`, in 0-1. */
export function applyCalibration(calibration: Calibration, score: number): number {
  if (calibration.kind === 'platt') {
    const z = calibration.a * score + calibration.b;
    return z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
  }
  const { x, y } = calibration;
  if (x.length === 0 || Number.isNaN(score)) return Number.NaN;
  if (score <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (score >= x[last]!) return y[last]!;
  // Binary search for the knot interval holding the score.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span > 0 ? y[lo]! + ((score - x[lo]!) / span) * (y[hi]! - y[lo]!) : y[hi]!;
}

/**
 * Expected calibration error: the sample-weighted mean gap between the mean prediction and the hit
 * rate in `bins` equal-width bins of the prediction. 0 for a perfectly calibrated predictor.
 */
export function expectedCalibrationError(predictions: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  if (predictions.length !== labels.length) throw new RangeError(`${predictions.length} predictions but ${labels.length} labels`);
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < predictions.length; i++) {
    const p = Math.min(1, Math.max(0, predictions[i]!));
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    predicted[b]! += p;
    observed[b]! += labels[i]!;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) error += Math.abs(predicted[b]! - observed[b]!);
  return predictions.length > 0 ? error / predictions.length : 0;
}

const CALIBRATION_FORMAT = 1;

/** JSON bytes for a model version's artifacts (`{format, ...calibration}`). */
export function calibrationToArtifact(calibration: Calibration): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: CALIBRATION_FORMAT, ...calibration }));
}

/** Reads `calibrationToArtifact`'s bytes; throws on another format or a malformed map. */
export function calibrationFromArtifact(bytes: Uint8Array): Calibration {
  const value = JSON.parse(new TextDecoder().decode(bytes)) as { format?: unknown; kind?: unknown; a?: unknown; b?: unknown; x?: unknown; y?: unknown };
  if (value.format !== CALIBRATION_FORMAT) throw new Error(`calibration artifact: unknown format ${String(value.format)}`);
  const { kind, a, b, x, y } = value;
  if (kind === 'platt' && typeof a === 'number' && Number.isFinite(a) && typeof b === 'number' && Number.isFinite(b)) {
    return { kind: 'platt', a, b };
  }
  const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number' && Number.isFinite(e));
  if (
    kind === 'isotonic' &&
    numbers(x) &&
    numbers(y) &&
    x.length === y.length &&
    x.every((v, i) => i === 0 || v > x[i - 1]!) &&
    y.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= y[i - 1]!))
  ) {
    return { kind: 'isotonic', x, y };
  }
  throw new Error('calibration artifact: malformed calibration');
}
