// API key authentication and scopes for every route (the map is in security/route-scopes.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { ApiKeyDefinition } from '../security/api-keys.js';
import { allows, KeyRing, type Principal } from '../security/key-ring.js';
import { type Access, RouteAccess } from '../security/route-scopes.js';

export interface AuthOptions {
  keys: readonly ApiKeyDefinition[];
  /** GET /metrics without a key. */
  metricsPublic?: boolean;
  routes?: RouteAccess;
}

export const OPEN_MODE_WARNING =
  'AUTHENTICATION IS OFF: no API key is configured (RECSYS_API_KEYS, RECSYS_API_KEYS_FILE or RECSYS_ADMIN_API_KEY), ' +
  'so anyone who reaches this port can read, write, erase users and activate models. Configure keys before exposing ' +
  'the service; with NODE_ENV=production it refuses to start without them.';

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>` (never a query parameter). */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (bearer) return bearer[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}

type Identity = { principal: Principal } | { failure: 'missing' | 'unknown' };

export class ApiKeyAuth {
  readonly ring: KeyRing;
  private readonly routes: RouteAccess;
  private readonly identities = new WeakMap<FastifyRequest, Identity>();

  constructor(private readonly options: AuthOptions) {
    this.ring = new KeyRing(options.keys);
    this.routes = options.routes ?? new RouteAccess();
  }

  /** No key configured: every route is open. */
  get open(): boolean {
    return this.ring.size === 0;
  }

  /** Resolved once per request: the rate limiter (onRequest) and the check (preParsing) share it. */
  identify(request: FastifyRequest): Identity {
    let identity = this.identities.get(request);
    if (!identity) {
      const key = presentedKey(request);
      const principal = key === undefined ? undefined : this.ring.authenticate(key);
      identity = principal ? { principal } : { failure: key === undefined ? 'missing' : 'unknown' };
      this.identities.set(request, identity);
    }
    return identity;
  }

  required(request: FastifyRequest): Access {
    if (this.open) return 'open';
    const access = this.routes.required(request.method, request.routeOptions.url);
    return access === 'metrics' && this.options.metricsPublic ? 'open' : access;
  }

  /** Rate-limit bucket: the key's name when it authenticated, else the client address. */
  rateLimitKey = (request: FastifyRequest): string => {
    const identity = this.open ? undefined : this.identify(request);
    return identity && 'principal' in identity ? `key:${identity.principal.name}` : `ip:${request.ip}`;
  };

  /** The key's own limit, else `perMinute`. */
  rateLimitMax =
    (perMinute: number) =>
    (request: FastifyRequest): number => {
      const identity = this.open ? undefined : this.identify(request);
      return (identity && 'principal' in identity && identity.principal.rateLimitPerMinute) || perMinute;
    };

  /** The error to answer with, or undefined when the request may go on. */
  check(request: FastifyRequest): ApiError | undefined {
    const access = this.required(request);
    if (access === 'open') return undefined;
    const identity = this.identify(request);
    if (!('principal' in identity)) {
      return identity.failure === 'missing'
        ? new ApiError('UNAUTHORIZED', 'an API key is required: send Authorization: Bearer <key> or x-api-key: <key>')
        : new ApiError('UNAUTHORIZED', 'the API key is not valid');
    }
    if (access === 'authenticated' || allows(identity.principal.scopes, access)) return undefined;
    return new ApiError('FORBIDDEN', `this API key lacks the "${access}" scope that ${request.method} ${request.routeOptions.url} needs`, {
      required_scope: access,
      key_name: identity.principal.name,
      key_scopes: [...identity.principal.scopes],
    });
  }
}

async function refuse(reply: FastifyReply, error: ApiError): Promise<FastifyReply> {
  if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="recsys"');
  // Answered here, not thrown: some plugins (the queue dashboard) install their own error handler.
  return reply.code(error.statusCode).send(error.toBody());
}

/**
 * Checks every request's key against the route's scope before its body is read (preParsing, so
 * the rate limiter, an onRequest hook, has counted it first: guessing keys is rate limited too).
 * Call before registering routes. With no key configured, logs a loud warning and lets all through.
 */
export function registerAuth(app: FastifyInstance, auth: ApiKeyAuth): void {
  if (auth.open) {
    app.log.warn(OPEN_MODE_WARNING);
    return;
  }
  app.log.info({ api_keys: auth.ring.size }, 'API key authentication on');
  app.addHook('preParsing', async (request, reply, payload) => {
    const error = auth.check(request);
    if (!error) return payload;
    const identity = auth.identify(request);
    // Names and reasons only: the key itself is never logged.
    if (error.code === 'FORBIDDEN') request.log.warn({ key_name: error.details.key_name, required_scope: error.details.required_scope }, 'API key lacks scope');
    else request.log.info({ reason: 'failure' in identity ? identity.failure : 'unknown' }, 'request without a valid API key');
    return refuse(reply, error);
  });
}
