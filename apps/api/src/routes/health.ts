import { Type } from 'typebox';
import type { App, RouteDependencies } from '../app-types.js';

const CircuitBreakerState = Type.Object({
  state: Type.Enum(['closed', 'open', 'half_open']),
  consecutive_failures: Type.Integer(),
  opened_total: Type.Integer(),
  rejected_total: Type.Integer(),
  retry_in_ms: Type.Number(),
});

export function healthRoutes(app: App, { engine, store, breakers = [] }: RouteDependencies): void {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );

  const Readiness = Type.Object({
    status: Type.Enum(['ready', 'not_ready']),
    checks: Type.Object({ engine: Type.Boolean(), store: Type.Boolean() }),
    model_version: Type.Union([Type.String(), Type.Null()]),
    /** Per dependency (distributed mode: redis): closed, open (failing fast) or half_open (probing). */
    circuit_breakers: Type.Optional(Type.Record(Type.String(), CircuitBreakerState)),
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
        .send({
          status: ready ? 'ready' : 'not_ready',
          checks,
          model_version: engine.activeVersion() ?? null,
          ...(breakers.length > 0 && { circuit_breakers: Object.fromEntries(breakers.map((b) => [b.name, b.snapshot()])) }),
        });
    },
  );
}
