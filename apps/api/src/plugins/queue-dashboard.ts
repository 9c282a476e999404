import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues. Its routes need the `admin` scope like every admin route (the
 * authentication hook in plugins/auth.ts and the map in security/route-scopes.ts guard them).
 */
export async function registerQueueDashboard(app: FastifyInstance, queues: () => Queue[]): Promise<void> {
  await app.register(async (scope) => {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    const board = createBullBoard({ queues: [], serverAdapter });
    // Queues are declared when the engine starts, which may be after this (Redis down at start).
    scope.addHook('preHandler', async () => board.replaceQueues(queues().map((queue) => new BullMQAdapter(queue))));
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
