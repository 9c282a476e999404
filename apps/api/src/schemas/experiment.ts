import { Type } from 'typebox';

// A/B experiments and the bandit. The JSON schema checks shapes; the rules across fields
// (allocations summing to 100, unique variant names) are checked by the experiment validation,
// which names the offending field the same way.

const Name = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: '1-64 letters, digits, _ . or -' });

const Weights = Type.Object(
  {
    collaborative: Type.Number({ minimum: 0 }),
    popularity: Type.Number({ minimum: 0 }),
    trending: Type.Number({ minimum: 0 }),
    story: Type.Optional(Type.Number({ minimum: 0 })),
    context: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z_]{1,64}$' }), Type.Number({ minimum: 0 }), {
        description: 'Context signals by name (temporal, watched_next, mood, social, regional, device, search, segment, ...); absent ones keep their defaults, 0 turns one off',
      }),
    ),
  },
  { additionalProperties: false, description: 'Hybrid signal weights; default the served hybrid weights' },
);

export const VariantInput = Type.Object(
  {
    name: Name,
    allocation: Type.Number({ minimum: 0, maximum: 100, description: 'Percentage of users; the variants sum to 100' }),
    collaborative: Type.Enum(['ncf', 'mf'], { description: 'Collaborative model: ncf (with MF blended in) or mf alone' }),
    weights: Type.Optional(Weights),
    diversity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Default diversity of the lists; default 0.15' })),
    policy: Type.Optional(
      Type.Enum(['hybrid', 'bandit'], {
        description: 'hybrid: rank by the weighted score; bandit: Thompson sampling shares the slots among ncf, mf, story, trending and random',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ExperimentInput = Type.Object(
  {
    id: Name,
    salt: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Assignment hash salt; default the id' })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    variants: Type.Array(VariantInput, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

const VariantView = Type.Object({
  name: Type.String(),
  allocation: Type.Number(),
  collaborative: Type.String(),
  weights: Type.Object({}, { additionalProperties: true, description: 'Signal weights' }),
  diversity: Type.Number(),
  policy: Type.String(),
});

export const ExperimentView = Type.Object({
  id: Type.String(),
  salt: Type.String(),
  description: Type.Optional(Type.String()),
  status: Type.Enum(['running', 'stopped', 'promoted']),
  builtin: Type.Boolean({ description: 'The built-in default experiment (90 % ncf_primary / 10 % mf_fallback)' }),
  serving: Type.Boolean({ description: 'Users are assigned in this experiment now' }),
  winner: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Type.String(), Type.Null()]),
  variants: Type.Array(VariantView),
});

export const ExperimentList = Type.Object({
  serving: Type.String({ description: 'Id of the experiment users are assigned in now' }),
  experiments: Type.Array(ExperimentView),
});

export const ExperimentParams = Type.Object({ id: Name });

export const ResultsQuery = Type.Object(
  {
    min_detectable_lift: Type.Optional(Type.Number({ minimum: 0.001, maximum: 10, description: 'Relative CTR lift to detect; default 0.1' })),
    alpha: Type.Optional(Type.Number({ minimum: 0.0001, maximum: 0.5, description: 'Two-sided significance; default 0.05' })),
    power: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.9999, description: 'Default 0.8' })),
    baseline_rate: Type.Optional(Type.Number({ minimum: 0.0001, maximum: 0.9999, description: 'Control CTR for the sample size; default the observed one' })),
    p_best_threshold: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.9999, description: 'P(best) that calls a winner; default 0.975' })),
  },
  { additionalProperties: false },
);

const Interval = Type.Array(Type.Union([Type.Number(), Type.Null()]), { minItems: 2, maxItems: 2, description: '95 % interval (null: unbounded)' });

export const ExperimentResults = Type.Object({
  experiment_id: Type.String(),
  status: Type.String(),
  generated_at: Type.String({ format: 'date-time' }),
  variants: Type.Array(
    Type.Object({
      variant: Type.String(),
      users: Type.Integer(),
      impressions: Type.Integer(),
      clicks: Type.Integer({ description: 'Impressions whose strongest attributed feedback is positive' }),
      ctr: Type.Number(),
      ctr_interval_95: Interval,
      plays: Type.Integer(),
      completions: Type.Integer(),
      completion_rate: Type.Number({ description: 'completions / plays' }),
      completion_interval_95: Interval,
      mean_watch_seconds: Type.Number({ description: 'Per play with a known watch time' }),
      watch_seconds_interval_95: Interval,
      probability_best: Type.Number({ description: 'Posterior probability that the variant has the highest CTR' }),
    }),
  ),
  leader: Type.Union([Type.String(), Type.Null()]),
  p_value: Type.Union([Type.Number(), Type.Null()], { description: 'Two-proportion z-test, leader against runner-up' }),
  required_impressions_per_variant: Type.Union([Type.Integer(), Type.Null()]),
  enough_data: Type.Boolean(),
  winner: Type.Union([Type.String(), Type.Null()]),
  recommendation: Type.Enum(['continue', 'stop_winner', 'stop_no_difference']),
  reason: Type.String(),
  settings: Type.Object({
    min_detectable_lift: Type.Number(),
    alpha: Type.Number(),
    power: Type.Number(),
    probability_best_threshold: Type.Number(),
    baseline_rate: Type.Union([Type.Number(), Type.Null()]),
  }),
});

export const PromoteBody = Type.Object(
  { variant: Type.Optional(Name) },
  { additionalProperties: false, description: 'variant: promote this one; default the winner the results call' },
);

export const BanditView = Type.Object({
  arms: Type.Array(
    Type.Object({
      arm: Type.String(),
      algorithm_source: Type.String(),
      alpha: Type.Number(),
      beta: Type.Number(),
      mean: Type.Number({ description: 'Posterior mean success rate' }),
      interval_95: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
      effective_observations: Type.Number({ description: 'Decayed slots behind the posterior' }),
      traffic_share: Type.Number({ description: 'Expected share of slots (Thompson draws)' }),
    }),
  ),
  observations: Type.Integer({ description: 'Bandit slots recorded ever' }),
  half_life_observations: Type.Union([Type.Number(), Type.Null()]),
  prior: Type.Object({ alpha: Type.Number(), beta: Type.Number() }),
});
