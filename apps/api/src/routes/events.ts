import type { InteractionEvent } from '@recsys/core';
import type { Static } from 'typebox';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError, type FieldError } from '../errors/api-error.js';
import { errors } from '../schemas/common.js';
import { EventBatch, EventBatchResult, type EventInput } from '../schemas/event.js';
import { checkMoment } from '../schemas/request-context.js';

/** Rules a JSON schema cannot say; the whole batch is refused if any event breaks one. */
export function checkEvents(events: Static<typeof EventInput>[], nowMs: number): FieldError[] {
  const problems: FieldError[] = [];
  events.forEach((event, i) => {
    const at = `/events/${i}`;
    if (event.type !== 'search' && !event.item_id) {
      problems.push({ field: `${at}/item_id`, message: `is required for ${event.type} events` });
    }
    if (event.type === 'rate' && event.rating === undefined) {
      problems.push({ field: `${at}/rating`, message: 'is required for rate events' });
    }
    // Clocks drift: an event stamped up to 5 minutes ahead of ours is accepted, one further ahead is not.
    problems.push(...checkMoment(event, at, nowMs));
  });
  return problems;
}

export function eventRoutes(app: App, { engine, metrics }: RouteDependencies): void {
  app.post(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Record a batch of interaction or search events (at most 1,000)',
        description:
          'Answers 202 once every accepted event is durably stored. Events are idempotent by event_id. ' +
          'A batch with any invalid event is refused whole and nothing of it is stored.',
        body: EventBatch,
        response: { 202: EventBatchResult, ...errors(400, 413) },
      },
    },
    async (request, reply) => {
      const nowMs = Date.now();
      const problems = checkEvents(request.body.events, nowMs);
      if (problems.length > 0) throw ApiError.validation('body', problems);
      const received = new Date(nowMs).toISOString();
      const events: InteractionEvent[] = request.body.events.map((event) => ({
        ...event,
        timestamp: event.timestamp ?? received,
      }));
      const result = await engine.ingestEvents(events);
      metrics.eventsIngested.inc({ outcome: 'accepted' }, result.accepted.length);
      metrics.eventsIngested.inc({ outcome: 'duplicate' }, result.duplicates.length);
      return reply.status(202).send({ accepted: result.accepted.length, duplicates: result.duplicates.length });
    },
  );
}
