import type { FastifyInstance } from 'fastify';
import type { CircuitBreaker } from '@recsys/core';
import { registerCircuitBreakerMetrics } from './circuit-breaker-metrics.js';
import { registerLearningMetrics } from './learning-metrics.js';
import type { RecommendationEngine } from '@recsys/engine';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'recsys_';

/** Prometheus metrics of the service; one registry per server so tests can run several. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly recommendationsServed = new Counter({
    name: `${METRIC_PREFIX}recommendations_served_total`,
    help: 'Items recommended, by the algorithm that contributed most',
    labelNames: ['algorithm_source'],
    registers: [this.registry],
  });
  readonly degradedResponses = new Counter({
    name: `${METRIC_PREFIX}recommendation_degraded_total`,
    help: 'Recommendation lists served from the popularity fallback',
    registers: [this.registry],
  });
  readonly eventsIngested = new Counter({
    name: `${METRIC_PREFIX}events_ingested_total`,
    help: 'Events acknowledged, and duplicates ignored',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** Exports the breakers' state (1 on the current one), openings and refused calls, read at scrape time. */
  watchCircuitBreakers(breakers: readonly CircuitBreaker[]): void {
    if (breakers.length > 0) registerCircuitBreakerMetrics(this.registry, METRIC_PREFIX, breakers);
  }

  /** Exports CTR and completion per variant and the bandit's traffic shares, read at scrape time. */
  watchLearning(engine: RecommendationEngine): void {
    registerLearningMetrics(this.registry, METRIC_PREFIX, engine);
  }
}

export function registerMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
