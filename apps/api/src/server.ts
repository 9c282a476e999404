import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { App, RouteDependencies } from './app-types.js';
import { ApiError } from './errors/api-error.js';
import { registerErrorHandling } from './errors/error-handler.js';
import { clientErrorHandler, frameworkErrorHandler, requireHostHeader } from './errors/framework-errors.js';
import { ApiKeyAuth, registerAuth } from './plugins/auth.js';
import { registerCors } from './plugins/cors.js';
import { registerDocs } from './plugins/docs.js';
import { registerMetrics, ServiceMetrics } from './plugins/metrics.js';
import { createPseudonymiser, registerObservabilityMetrics, withPseudonymisedUsers } from './plugins/observability.js';
import { registerQueueDashboard } from './plugins/queue-dashboard.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { banditRoutes } from './routes/bandit.js';
import { experimentRoutes } from './routes/experiments.js';
import { modelRoutes } from './routes/models.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { userRoutes } from './routes/users.js';
import { ErrorResponse } from './schemas/common.js';
import { Item } from './schemas/item.js';
import { withSecretRedaction } from './security/log-redaction.js';
import type { SecuritySettings } from './security/security-settings.js';
import type { Pseudonymiser } from '@recsys/insights';

export interface ServerOptions extends Omit<RouteDependencies, 'metrics'> {
  logger: FastifyServerOptions['logger'] | false;
  /** Requests per minute and API key (or client address, without a valid key). */
  rateLimitPerMinute: number;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  version: string;
  /** bull-board at /admin/queues (distributed mode), an admin route like the others. */
  queueDashboard?: { queues: () => Queue[] };
  /** API keys, CORS, public /metrics (security/); unset: no key, every route open. */
  security?: SecuritySettings;
  /** Keyed pseudonyms of user ids in request logs; unset: a random key of this process. */
  pseudonymiser?: Pseudonymiser;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function buildServer(options: ServerOptions): Promise<App> {
  const app = Fastify({
    logger: withPseudonymisedUsers(withSecretRedaction(options.logger), options.pseudonymiser ?? createPseudonymiser(undefined)),
    bodyLimit: options.bodyLimitBytes,
    // Ids are up to 256 characters: room for them percent-encoded; longer ones get a 414.
    routerOptions: { maxParamLength: 3072 },
    // Bad URLs and unparsable HTTP answered in the error format too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    http: { requireHostHeader: false },
    // Honour the caller's request id so one id follows a request through the backend and us.
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = new ServiceMetrics();
  registerObservabilityMetrics(metrics.registry, options.engine);
  const breakers = options.breakers ?? [];
  const dependencies: RouteDependencies = { engine: options.engine, store: options.store, metrics, breakers };
  metrics.watchCircuitBreakers(breakers);
  metrics.watchLearning(options.engine);

  app.addSchema(ErrorResponse);
  app.addSchema(Item);
  registerErrorHandling(app, { storeHealthy: () => options.store.healthy() });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const auth = new ApiKeyAuth({ keys: options.security?.apiKeys ?? [], metricsPublic: options.security?.metricsPublic ?? false });
  await registerCors(app, options.security?.corsOrigins ?? []);
  app.addHook('onRequest', requireHostHeader);
  registerAuth(app, auth);
  await registerDocs(app, options.version);
  await app.register(rateLimit, {
    max: auth.rateLimitMax(options.rateLimitPerMinute),
    keyGenerator: auth.rateLimitKey,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`, {
        limit: context.max,
      }),
  });
  registerMetrics(app, metrics);
  if (options.queueDashboard) await registerQueueDashboard(app, options.queueDashboard.queues);

  healthRoutes(app, dependencies);
  itemRoutes(app, dependencies);
  eventRoutes(app, dependencies);
  userRoutes(app, dependencies);
  recommendationRoutes(app, dependencies);
  modelRoutes(app, dependencies);
  experimentRoutes(app, dependencies);
  banditRoutes(app, dependencies);
  return app;
}
