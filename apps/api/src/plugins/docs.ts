import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI 3 document at /docs/json, Swagger UI at /docs. */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Recommendation engine API',
        description: 'Personalised, explained recommendations for movies, TV shows, series and anime.',
        version,
      },
      tags: [
        { name: 'catalogue', description: 'Items' },
        { name: 'events', description: 'Interaction and search events' },
        { name: 'users', description: 'Preferences and data export' },
        { name: 'recommendations', description: 'Personalised lists and similar items' },
        { name: 'models', description: 'Training jobs and model versions' },
        { name: 'experiments', description: 'A/B experiments, their results, and the Thompson-sampling bandit' },
        { name: 'ops', description: 'Health and readiness' },
      ],
      // API keys (README, Security): Swagger UI's Authorize button sends one with every call.
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
