import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CircuitBreaker, Store } from '@recsys/core';
import type { RecommendationEngine } from '@recsys/engine';
import type { ServiceMetrics } from './plugins/metrics.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What the routes need from the composition root. */
export interface RouteDependencies {
  engine: RecommendationEngine;
  store: Store;
  metrics: ServiceMetrics;
  /** Circuit breakers on remote dependencies (distributed mode: Redis); their state is in /readyz and /metrics. */
  breakers?: readonly CircuitBreaker[];
}
