// Experiment definitions as posted by an operator: validated field by field so a rejection names
// what is wrong, plus the sticky assignment of users to variants.

/** The collaborative models a variant can choose. */
export const VARIANT_ALGORITHMS = ['ncf', 'mf'] as const;
export type VariantAlgorithm = (typeof VARIANT_ALGORITHMS)[number];

/**
 * How a variant fills its lists: `hybrid` ranks by the blended score (weights), `bandit` lets the
 * Thompson-sampling bandit share the slots among the arms ncf, mf, story, trending and random.
 */
export const VARIANT_POLICIES = ['hybrid', 'bandit'] as const;
export type VariantPolicy = (typeof VARIANT_POLICIES)[number];

/** Hybrid signal weights (the ranking pipeline's SignalWeights). */
export interface VariantWeights {
  collaborative: number;
  popularity: number;
  trending: number;
  story?: number;
  /** Context signals' weights by name (time of day, session, mood, ...); absent ones keep their defaults. */
  context?: Record<string, number>;
}

export interface ExperimentVariant {
  name: string;
  /** Percentage of users; the variants of an experiment sum to 100. */
  allocation: number;
  collaborative: VariantAlgorithm;
  weights: VariantWeights;
  /** Default diversity (0-1) of the variant's lists. */
  diversity: number;
  policy: VariantPolicy;
}

export interface ExperimentDefinition {
  id: string;
  /** Mixed into the assignment hash so experiments assign independently; default the id. */
  salt: string;
  description?: string;
  variants: ExperimentVariant[];
}

export interface ValidationError {
  /** Path of the offending field, e.g. `variants[1].weights.story`. */
  field: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; experiment: ExperimentDefinition }
  | { ok: false; errors: ValidationError[] };

export interface ValidationOptions {
  /** Weights for variants that give none; without it weights are required. */
  defaultWeights?: VariantWeights;
  /** Diversity for variants that give none; default 0.15. */
  defaultDiversity?: number;
  /** The context signals a variant may weigh (`weights.context`); without it any name is accepted. */
  contextSignals?: readonly string[];
}

const EXPERIMENT_FIELDS = new Set(['id', 'salt', 'description', 'variants']);
const VARIANT_FIELDS = new Set(['name', 'allocation', 'collaborative', 'weights', 'diversity', 'policy']);
const WEIGHT_FIELDS = new Set(['collaborative', 'popularity', 'trending', 'story', 'context']);
const REQUIRED_WEIGHTS = ['collaborative', 'popularity', 'trending'] as const;
/** Allocations are percentages given with a few decimals; sums within this are 100. */
const ALLOCATION_TOLERANCE = 1e-6;
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Validates an experiment definition (parsed JSON); every problem is reported with its field. */
export function validateExperimentDefinition(input: unknown, options: ValidationOptions = {}): ValidationResult {
  const errors: ValidationError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (!isRecord(input)) return { ok: false, errors: [{ field: '', message: 'must be an object' }] };

  for (const key of Object.keys(input)) if (!EXPERIMENT_FIELDS.has(key)) fail(key, 'unknown field');
  const id = input.id;
  if (typeof id !== 'string' || !NAME_PATTERN.test(id)) fail('id', 'must be 1-64 letters, digits, _ . or -');
  const salt = input.salt ?? id;
  if (typeof salt !== 'string' || salt.length === 0) fail('salt', 'must be a non-empty string');
  if (input.description !== undefined && typeof input.description !== 'string') fail('description', 'must be a string');

  const variants: ExperimentVariant[] = [];
  if (!Array.isArray(input.variants) || input.variants.length === 0) {
    fail('variants', 'must be a non-empty array');
  } else {
    const names = new Set<string>();
    input.variants.forEach((raw, i) => {
      const at = `variants[${i}]`;
      const variant = validateVariant(raw, at, options, fail);
      if (!variant) return;
      if (names.has(variant.name)) fail(`${at}.name`, `duplicate variant name ${variant.name}`);
      names.add(variant.name);
      variants.push(variant);
    });
    if (variants.length === input.variants.length) {
      const total = variants.reduce((sum, v) => sum + v.allocation, 0);
      if (Math.abs(total - 100) > ALLOCATION_TOLERANCE) fail('variants', `allocations must sum to 100, got ${total}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const experiment: ExperimentDefinition = { id: id as string, salt: salt as string, variants };
  if (typeof input.description === 'string') experiment.description = input.description;
  return { ok: true, experiment };
}

function validateVariant(
  raw: unknown,
  at: string,
  options: ValidationOptions,
  fail: (field: string, message: string) => void,
): ExperimentVariant | undefined {
  if (!isRecord(raw)) {
    fail(at, 'must be an object');
    return undefined;
  }
  let ok = true;
  const bad = (field: string, message: string) => {
    ok = false;
    fail(`${at}${field ? `.${field}` : ''}`, message);
  };
  for (const key of Object.keys(raw)) if (!VARIANT_FIELDS.has(key)) bad(key, 'unknown field');
  const { name, allocation, collaborative } = raw;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) bad('name', 'must be 1-64 letters, digits, _ . or -');
  if (!isFiniteNumber(allocation) || allocation < 0 || allocation > 100) bad('allocation', 'must be a number from 0 to 100');
  if (!(VARIANT_ALGORITHMS as readonly unknown[]).includes(collaborative)) {
    bad('collaborative', `unknown algorithm ${JSON.stringify(collaborative)}; expected one of ${VARIANT_ALGORITHMS.join(', ')}`);
  }
  const policy = raw.policy ?? 'hybrid';
  if (!(VARIANT_POLICIES as readonly unknown[]).includes(policy)) {
    bad('policy', `unknown policy ${JSON.stringify(policy)}; expected one of ${VARIANT_POLICIES.join(', ')}`);
  }
  const diversity = raw.diversity ?? options.defaultDiversity ?? 0.15;
  if (!isFiniteNumber(diversity) || diversity < 0 || diversity > 1) bad('diversity', 'must be a number from 0 to 1');

  let weights: VariantWeights | undefined;
  const rawWeights = raw.weights ?? options.defaultWeights;
  if (!isRecord(rawWeights)) bad('weights', 'must be an object of signal weights');
  else {
    for (const key of Object.keys(rawWeights)) {
      if (!WEIGHT_FIELDS.has(key)) bad(`weights.${key}`, `unknown signal; expected ${[...WEIGHT_FIELDS].join(', ')}`);
    }
    for (const key of WEIGHT_FIELDS) {
      const value = rawWeights[key];
      if (key === 'context') {
        if (value !== undefined) checkContextWeights(value, options.contextSignals, bad);
        continue;
      }
      if (value === undefined) {
        if ((REQUIRED_WEIGHTS as readonly string[]).includes(key)) bad(`weights.${key}`, 'is required');
      } else if (!isFiniteNumber(value) || value < 0) bad(`weights.${key}`, 'must be a non-negative number');
    }
    weights = { ...(rawWeights as unknown as VariantWeights) };
  }
  if (!ok || !weights) return undefined;
  return {
    name: name as string,
    allocation: allocation as number,
    collaborative: collaborative as VariantAlgorithm,
    weights,
    diversity: diversity as number,
    policy: policy as VariantPolicy,
  };
}

function checkContextWeights(value: unknown, known: readonly string[] | undefined, bad: (field: string, message: string) => void): void {
  if (!isRecord(value)) return bad('weights.context', 'must be an object of context signal weights');
  for (const [name, weight] of Object.entries(value)) {
    if (known && !known.includes(name)) bad(`weights.context.${name}`, `unknown context signal; expected ${known.join(', ')}`);
    else if (!isFiniteNumber(weight) || weight < 0) bad(`weights.context.${name}`, 'must be a non-negative number');
  }
}

/**
 * FNV-1a, 32 bit, over UTF-16 code units: stable across processes and releases, so assignment is
 * sticky everywhere. The same hash and bucket rule as the engine's current assignment, so moving to
 * this module reassigns nobody.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The user's bucket in [0, 100) for an experiment salt, in steps of 0.01 %. */
export function assignmentBucket(salt: string, userId: string): number {
  return (fnv1a(`${salt}:${userId}`) % 10_000) / 100;
}

/** Sticky assignment: the same user always lands in the same variant of an experiment. */
export function assignVariant<V extends { allocation: number }>(
  experiment: { salt: string; variants: readonly V[] },
  userId: string,
): V {
  const bucket = assignmentBucket(experiment.salt, userId);
  let upper = 0;
  for (const variant of experiment.variants) {
    upper += variant.allocation;
    if (bucket < upper) return variant;
  }
  return experiment.variants[experiment.variants.length - 1]!;
}
