import { type ExperimentAdmin, ExperimentError, ExperimentValidationError } from '@recsys/engine';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError } from '../errors/api-error.js';
import { errors } from '../schemas/common.js';
import {
  ExperimentInput,
  ExperimentList,
  ExperimentParams,
  ExperimentResults,
  ExperimentView,
  PromoteBody,
  ResultsQuery,
} from '../schemas/experiment.js';

/** The engine's experiment operations, or a 503 when the store keeps no learning state. */
export function experimentAdmin(engine: RouteDependencies['engine']): ExperimentAdmin {
  if (!engine.experiments) throw new ApiError('SERVICE_UNAVAILABLE', 'this store keeps no experiment state');
  return engine.experiments;
}

/** Runs an experiment operation, translating its refusals into stable error codes. */
async function translated<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ExperimentValidationError) {
      throw ApiError.validation(
        'body',
        error.errors.map((e) => ({ field: `/${e.field.replace(/\[(\d+)\]/g, '/$1').replaceAll('.', '/')}`.replace(/\/$/, ''), message: e.message })),
      );
    }
    if (error instanceof ExperimentError) throw new ApiError(error.code, error.message, error.details);
    throw error;
  }
}

export function experimentRoutes(app: App, { engine }: RouteDependencies): void {
  app.post(
    '/v1/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Start an A/B experiment',
        description:
          'Variants differ by signal weights, collaborative model, diversity and policy (hybrid or bandit); allocations are percentages ' +
          'summing to 100. Users are assigned stickily by hashing their id with the salt. One experiment runs at a time: ' +
          'stop the running one first (EXPERIMENT_RUNNING otherwise).',
        body: ExperimentInput,
        response: { 201: ExperimentView, ...errors(400, 409, 503) },
      },
    },
    async (request, reply) => {
      const view = await translated(() => experimentAdmin(engine).create(request.body));
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/v1/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Every experiment, the built-in default first, and which one users are assigned in',
        response: { 200: ExperimentList, ...errors(503) },
      },
    },
    async () => translated(() => experimentAdmin(engine).list()),
  );

  app.get(
    '/v1/experiments/:id',
    {
      schema: { tags: ['experiments'], summary: 'One experiment', params: ExperimentParams, response: { 200: ExperimentView, ...errors(404, 503) } },
    },
    async (request) => translated(() => experimentAdmin(engine).get(request.params.id)),
  );

  app.get(
    '/v1/experiments/:id/results',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Per-variant impressions, CTR, completion rate and watch time with 95 % intervals, P(best), the z-test and the stopping call',
        description:
          'No winner is called before every variant has required_impressions_per_variant impressions (two-proportion test at alpha and power ' +
          'for min_detectable_lift over the control CTR). Then the leader wins when its P(best) reaches p_best_threshold or its z-test ' +
          'against the runner-up has p < alpha / (variants - 1).',
        params: ExperimentParams,
        querystring: ResultsQuery,
        response: { 200: ExperimentResults, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      return translated(() =>
        experimentAdmin(engine).results(request.params.id, {
          minDetectableLift: q.min_detectable_lift,
          alpha: q.alpha,
          power: q.power,
          baselineRate: q.baseline_rate,
          probabilityBestThreshold: q.p_best_threshold,
        }),
      );
    },
  );

  app.post(
    '/v1/experiments/:id/stop',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Stop a running experiment: users return to the last promoted variant or the default experiment',
        params: ExperimentParams,
        response: { 200: ExperimentView, ...errors(404, 409, 503) },
      },
    },
    async (request) => translated(() => experimentAdmin(engine).stop(request.params.id)),
  );

  app.post(
    '/v1/experiments/:id/promote',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Serve one variant to everyone: the given one, or the winner the results call (NO_WINNER otherwise)',
        params: ExperimentParams,
        body: PromoteBody,
        response: { 200: ExperimentView, ...errors(400, 404, 409, 503) },
      },
    },
    async (request) => translated(() => experimentAdmin(engine).promote(request.params.id, request.body?.variant)),
  );
}
