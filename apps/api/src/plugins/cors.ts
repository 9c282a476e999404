// CORS: off unless origins are configured, so browsers on other sites cannot read our answers.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * With no origin configured nothing is registered: no Access-Control-* header is ever sent and
 * preflights get a 404. Otherwise only the listed origins (or any, for "*") are allowed, without
 * cookies (keys travel in headers), and preflights are answered before authentication.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    credentials: false,
    maxAge: 600,
  });
}
