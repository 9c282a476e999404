import { Type } from 'typebox';
import type { App, RouteDependencies } from '../app-types.js';

export function healthRoutes(app: App, { engine, store }: RouteDependencies): void {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );

  const Readiness = Type.Object({
    status: Type.Enum(['ready', 'not_ready']),
    checks: Type.Object({ engine: Type.Boolean(), store: Type.Boolean() }),
    model_version: Type.Union([Type.String(), Type.Null()]),
  });
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the engine has started and its store answers',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const checks = { engine: engine.isReady(), store: await store.healthy().catch(() => false) };
      const ready = checks.engine && checks.store;
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks, model_version: engine.activeVersion() ?? null });
    },
  );
}
