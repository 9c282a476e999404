import { CallTimeoutError, CircuitOpenError } from '@recsys/core';
import { StoreUnavailableError } from '@recsys/engine';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, type FieldError } from './api-error.js';

interface AjvError {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldErrors(validation: AjvError[]): FieldError[] {
  return validation.map((e) => {
    const missing = typeof e.params.missingProperty === 'string' ? `/${e.params.missingProperty}` : '';
    const allowed = Array.isArray(e.params.allowedValues) ? `: ${e.params.allowedValues.join(', ')}` : '';
    return { field: `${e.instancePath}${missing}` || '/', message: `${e.message ?? 'is invalid'}${allowed}` };
  });
}

/** Translates every failure into the `{error: {code, message, details}}` shape with a stable code. */
function toApiError(error: FastifyError & { validation?: AjvError[]; validationContext?: string }): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) return ApiError.validation(error.validationContext ?? 'request', fieldErrors(error.validation));
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_JSON', `request body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', `${error.message}; send application/json`);
  }
  if (error instanceof StoreUnavailableError) return new ApiError('SERVICE_UNAVAILABLE', error.message);
  if (error instanceof CircuitOpenError) return new ApiError('SERVICE_UNAVAILABLE', `${error.message}; retry later`);
  // A store call that timed out may still land: the client's retry is safe (writes are idempotent).
  if (error instanceof CallTimeoutError) return new ApiError('SERVICE_UNAVAILABLE', `${error.message}; retry later`);
  if (error.statusCode === 429) return new ApiError('RATE_LIMITED', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('VALIDATION_ERROR', error.message, { fastify_code: error.code });
  }
  return new ApiError('INTERNAL_ERROR', 'internal error; see the service log for the request id');
}

export interface ErrorHandlingOptions {
  /** Whether the store answers; an unexpected failure while it does not is reported as a 503. */
  storeHealthy?: () => Promise<boolean>;
}

export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    let apiError = toApiError(error);
    // A read that failed because the store is unreachable is the outage, not a bug: retryable.
    if (apiError.code === 'INTERNAL_ERROR' && options.storeHealthy && !(await options.storeHealthy().catch(() => false))) {
      apiError = new ApiError('SERVICE_UNAVAILABLE', 'the store is unreachable; retry later');
    }
    const refused = circuitRefusal(error);
    if (apiError.statusCode >= 500 && !refused) request.log.error({ err: error }, 'request failed');
    // Unavailability is temporary: tell clients when to come back (when the breaker lets calls through again).
    if (apiError.statusCode === 503) reply.header('retry-after', refused ? String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))) : '5');
    // Headers such as Retry-After set by earlier hooks are kept.
    return reply.status(apiError.statusCode).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new ApiError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toBody()),
  );
}

/** The open circuit breaker behind a failure, if that is what refused it (directly or as its cause). */
function circuitRefusal(error: unknown): CircuitOpenError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e instanceof CircuitOpenError) return e;
  }
  return undefined;
}
