import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { App, RouteDependencies } from './app-types.js';
import { ApiError } from './errors/api-error.js';
import { registerErrorHandling } from './errors/error-handler.js';
import { registerDocs } from './plugins/docs.js';
import { registerMetrics, ServiceMetrics } from './plugins/metrics.js';
import { registerQueueDashboard } from './plugins/queue-dashboard.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { modelRoutes } from './routes/models.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { userRoutes } from './routes/users.js';
import { ErrorResponse } from './schemas/common.js';
import { Item } from './schemas/item.js';

export interface ServerOptions extends Omit<RouteDependencies, 'metrics'> {
  logger: FastifyServerOptions['logger'] | false;
  /** Requests per minute and client address. */
  rateLimitPerMinute: number;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  version: string;
  /** bull-board at /admin/queues (distributed mode, when an admin API key is configured). */
  queueDashboard?: { queues: () => Queue[]; adminKey: string };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function buildServer(options: ServerOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: options.bodyLimitBytes,
    // Honour the caller's request id so one id follows a request through the backend and us.
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = new ServiceMetrics();
  const dependencies: RouteDependencies = { engine: options.engine, store: options.store, metrics };

  app.addSchema(ErrorResponse);
  app.addSchema(Item);
  registerErrorHandling(app, { storeHealthy: () => options.store.healthy() });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await registerDocs(app, options.version);
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`, {
        limit: context.max,
      }),
  });
  registerMetrics(app, metrics);
  if (options.queueDashboard) await registerQueueDashboard(app, options.queueDashboard.queues, options.queueDashboard.adminKey);

  healthRoutes(app, dependencies);
  itemRoutes(app, dependencies);
  eventRoutes(app, dependencies);
  userRoutes(app, dependencies);
  recommendationRoutes(app, dependencies);
  modelRoutes(app, dependencies);
  return app;
}
