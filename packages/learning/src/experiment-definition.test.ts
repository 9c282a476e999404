import { describe, expect, it } from 'vitest';
import { assignmentBucket, assignVariant, fnv1a, validateExperimentDefinition } from './experiment-definition.js';

const WEIGHTS = { collaborative: 0.75, popularity: 0.1, trending: 0.05, story: 0.1 };
const DEFAULT = {
  id: 'exp-default',
  variants: [
    { name: 'ncf_primary', allocation: 90, collaborative: 'ncf', weights: WEIGHTS, diversity: 0.15 },
    { name: 'mf_fallback', allocation: 10, collaborative: 'mf', weights: WEIGHTS, diversity: 0.15 },
  ],
};

function errorsOf(input: unknown) {
  const result = validateExperimentDefinition(input);
  if (result.ok) throw new Error('expected a rejection');
  return result.errors;
}

describe('validateExperimentDefinition', () => {
  it('accepts the default 90 / 10 experiment, salting by id', () => {
    const result = validateExperimentDefinition(DEFAULT);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.experiment.salt).toBe('exp-default');
    expect(result.experiment.variants.map((v) => [v.name, v.allocation, v.collaborative])).toEqual([
      ['ncf_primary', 90, 'ncf'],
      ['mf_fallback', 10, 'mf'],
    ]);
  });

  it('fills weights and diversity from defaults when given', () => {
    const result = validateExperimentDefinition(
      { id: 'x', variants: [{ name: 'a', allocation: 100, collaborative: 'mf' }] },
      { defaultWeights: WEIGHTS, defaultDiversity: 0.3 },
    );
    expect(result.ok && result.experiment.variants[0]).toMatchObject({ weights: WEIGHTS, diversity: 0.3 });
  });

  it('rejects allocations that do not sum to 100, with the sum', () => {
    const input = { ...DEFAULT, variants: [DEFAULT.variants[0], { ...DEFAULT.variants[1], allocation: 20 }] };
    expect(errorsOf(input)).toEqual([{ field: 'variants', message: 'allocations must sum to 100, got 110' }]);
    // Fractions that sum to 100 are fine.
    const thirds = [33.33, 33.33, 33.34].map((allocation, i) => ({ ...DEFAULT.variants[0], name: `v${i}`, allocation }));
    expect(validateExperimentDefinition({ id: 'thirds', variants: thirds }).ok).toBe(true);
  });

  it('rejects unknown fields, algorithms and signals naming the field', () => {
    const input = {
      ...DEFAULT,
      owner: 'x',
      variants: [
        { ...DEFAULT.variants[0], colour: 'red' },
        { ...DEFAULT.variants[1], collaborative: 'als', weights: { ...WEIGHTS, novelty: 0.2 } },
      ],
    };
    const fields = errorsOf(input).map((e) => e.field);
    expect(fields).toEqual(['owner', 'variants[0].colour', 'variants[1].collaborative', 'variants[1].weights.novelty']);
    expect(errorsOf(input)[2]!.message).toMatch(/unknown algorithm "als"; expected one of ncf, mf/);
  });

  it('lets a variant weigh context signals by name, refusing unknown names and negative weights', () => {
    const options = { contextSignals: ['mood', 'temporal'] };
    const withContext = (context: unknown) => ({
      id: 'ctx',
      variants: [{ ...DEFAULT.variants[0], allocation: 100, weights: { ...WEIGHTS, context } }],
    });
    const ok = validateExperimentDefinition(withContext({ mood: 0, temporal: 0.3 }), options);
    expect(ok.ok && ok.experiment.variants[0]!.weights.context).toEqual({ mood: 0, temporal: 0.3 });
    const bad = validateExperimentDefinition(withContext({ weather: 1, mood: -1 }), options);
    expect(bad.ok ? [] : bad.errors).toEqual([
      { field: 'variants[0].weights.context.weather', message: 'unknown context signal; expected mood, temporal' },
      { field: 'variants[0].weights.context.mood', message: 'must be a non-negative number' },
    ]);
    expect(errorsOf(withContext(3))[0]!.field).toBe('variants[0].weights.context');
  });

  it('rejects bad values and duplicate names', () => {
    const input = {
      id: 'bad id!',
      variants: [
        { ...DEFAULT.variants[0], allocation: -10, diversity: 2 },
        { ...DEFAULT.variants[1], name: 'ncf_primary', weights: { collaborative: 1, popularity: 'high' } },
      ],
    };
    expect(errorsOf(input).map((e) => e.field)).toEqual([
      'id',
      'variants[0].allocation',
      'variants[0].diversity',
      'variants[1].weights.popularity',
      'variants[1].weights.trending',
    ]);
    const duplicate = { id: 'd', variants: [DEFAULT.variants[0], { ...DEFAULT.variants[1], name: 'ncf_primary' }] };
    expect(errorsOf(duplicate)).toEqual([{ field: 'variants[1].name', message: 'duplicate variant name ncf_primary' }]);
    expect(errorsOf({ id: 'e', variants: [] })).toEqual([{ field: 'variants', message: 'must be a non-empty array' }]);
    expect(errorsOf(null)).toEqual([{ field: '', message: 'must be an object' }]);
  });
});

describe('sticky assignment', () => {
  it('hashes with 32-bit FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('puts a user in the same bucket the engine uses: salt, colon, user id', () => {
    expect(assignmentBucket('exp-default', 'u42')).toBe((fnv1a('exp-default:u42') % 10_000) / 100);
  });

  it('assigns each user one variant for good, in the allocated proportions', () => {
    const result = validateExperimentDefinition(DEFAULT);
    if (!result.ok) throw new Error('default experiment rejected');
    const counts: Record<string, number> = {};
    for (let u = 0; u < 20_000; u++) {
      const variant = assignVariant(result.experiment, `user-${u}`);
      expect(assignVariant(result.experiment, `user-${u}`)).toBe(variant);
      counts[variant.name] = (counts[variant.name] ?? 0) + 1;
    }
    expect(counts.mf_fallback! / 20_000).toBeGreaterThan(0.09);
    expect(counts.mf_fallback! / 20_000).toBeLessThan(0.11);
  });

  it('assigns independently across experiments with different salts', () => {
    const variants = [{ allocation: 50, name: 'a' }, { allocation: 50, name: 'b' }];
    let same = 0;
    for (let u = 0; u < 10_000; u++) {
      const id = `user-${u}`;
      if (assignVariant({ salt: 'one', variants }, id).name === assignVariant({ salt: 'two', variants }, id).name) same++;
    }
    expect(same / 10_000).toBeGreaterThan(0.47);
    expect(same / 10_000).toBeLessThan(0.53);
  });
});

describe('variant policy', () => {
  const base = { id: 'p', variants: [{ name: 'a', allocation: 100, collaborative: 'ncf', weights: { collaborative: 1, popularity: 0, trending: 0 } }] };
  it('defaults to hybrid, accepts bandit and names an unknown policy', () => {
    const plain = validateExperimentDefinition(base);
    expect(plain.ok && plain.experiment.variants[0]!.policy).toBe('hybrid');
    const bandit = validateExperimentDefinition({ ...base, variants: [{ ...base.variants[0], policy: 'bandit' }] });
    expect(bandit.ok && bandit.experiment.variants[0]!.policy).toBe('bandit');
    const bad = validateExperimentDefinition({ ...base, variants: [{ ...base.variants[0], policy: 'greedy' }] });
    expect(bad.ok ? [] : bad.errors).toEqual([{ field: 'variants[0].policy', message: 'unknown policy "greedy"; expected one of hybrid, bandit' }]);
  });
});
