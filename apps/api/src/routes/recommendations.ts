import { CONTENT_TYPES, type ContentType } from '@recsys/core';
import type { RecommendationRequest, RecommendationResponse as Response } from '@recsys/engine';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError } from '../errors/api-error.js';
import { errors } from '../schemas/common.js';
import { ItemParams } from '../schemas/item.js';
import {
  RecommendationBody,
  RecommendationQuery,
  RecommendationResponse,
  SimilarQuery,
  SimilarResponse,
} from '../schemas/recommendation.js';
import { UserParams } from '../schemas/user.js';
import { checkMoment } from '../schemas/request-context.js';

const splitList = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter(Boolean);

function parseContentTypes(value: string | undefined): ContentType[] | undefined {
  const list = splitList(value);
  const unknown = list?.find((v) => !(CONTENT_TYPES as readonly string[]).includes(v));
  if (unknown !== undefined) {
    throw ApiError.validation('querystring', [
      { field: '/content_types', message: `has unknown value "${unknown}": allowed ${CONTENT_TYPES.join(', ')}` },
    ]);
  }
  return list as ContentType[] | undefined;
}

export function recommendationRoutes(app: App, { engine, metrics }: RouteDependencies): void {
  const serve = async (request: RecommendationRequest): Promise<Response> => {
    const response = await engine.recommend(request);
    for (const item of response.items) metrics.recommendationsServed.inc({ algorithm_source: item.algorithm_source });
    if (response.degraded) metrics.degradedResponses.inc();
    return response;
  };

  app.get(
    '/v1/users/:user_id/recommendations',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Personalised recommendations for a user',
        description: 'Unknown users get cold-start recommendations. degraded is true when no model is trained yet.',
        params: UserParams,
        querystring: RecommendationQuery,
        response: { 200: RecommendationResponse, ...errors(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const problems = checkMoment(q, '', Date.now());
      if (problems.length > 0) throw ApiError.validation('querystring', problems);
      return serve({
        user_id: request.params.user_id,
        limit: q.limit,
        content_types: parseContentTypes(q.content_types),
        languages: splitList(q.languages),
        genres: splitList(q.genres),
        exclude_item_ids: splitList(q.exclude_item_ids),
        device: q.device,
        session_id: q.session_id,
        timezone: q.timezone,
        region: q.region,
        timestamp: q.timestamp,
        diversity: q.diversity,
        explore: q.explore,
        max_popular_share: q.max_popular_share,
        max_language_share: q.max_language_share,
      });
    },
  );

  app.post(
    '/v1/recommendations',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Personalised recommendations with the request context in a JSON body',
        body: RecommendationBody,
        response: { 200: RecommendationResponse, ...errors(400) },
      },
    },
    async (request) => {
      const { context, ...rest } = request.body;
      const problems = checkMoment(context ?? {}, '/context', Date.now());
      if (problems.length > 0) throw ApiError.validation('body', problems);
      return serve({ ...rest, ...context });
    },
  );

  app.get(
    '/v1/items/:item_id/similar',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Items similar to one item',
        description:
          'collaborative: watched by the same people; hybrid: that plus shared genres, type and era; story: the closest plots (plot embeddings of the item text, or the items\' external embeddings).',
        params: ItemParams,
        querystring: SimilarQuery,
        response: { 200: SimilarResponse, ...errors(400, 404) },
      },
    },
    async (request) => {
      const mode = request.query.mode ?? 'hybrid';
      const items = await engine.similarItems(request.params.item_id, mode, request.query.limit ?? 10);
      if (!items) throw new ApiError('ITEM_NOT_FOUND', `item ${request.params.item_id} does not exist`);
      return { item_id: request.params.item_id, mode, items };
    },
  );
}
