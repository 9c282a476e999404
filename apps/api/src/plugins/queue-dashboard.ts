import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Constant-time comparison, so response timing does not leak how much of a key was right. */
export function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}

/**
 * bull-board at /admin/queues, behind the admin API key (`x-api-key` or `Authorization: Bearer`).
 * Encapsulated: the key check guards the dashboard's routes only.
 */
export async function registerQueueDashboard(app: FastifyInstance, queues: () => Queue[], adminKey: string): Promise<void> {
  await app.register(async (scope) => {
    // Answered here rather than thrown: the dashboard plugin installs its own error handler.
    scope.addHook('onRequest', async (request, reply) => {
      if (keyMatches(presentedKey(request), adminKey)) return;
      const error = new ApiError('UNAUTHORIZED', 'the queue dashboard needs the admin API key (x-api-key or Authorization: Bearer)');
      return reply.code(error.statusCode).send(error.toBody());
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    const board = createBullBoard({ queues: [], serverAdapter });
    // Queues are declared when the engine starts, which may be after this (Redis down at start).
    scope.addHook('preHandler', async () => board.replaceQueues(queues().map((queue) => new BullMQAdapter(queue))));
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
