// The one map from route to the scope a caller needs. Keyed on "METHOD /route/:pattern" as
// registered; a trailing "*" matches every route under a prefix (a lone "*" is the wildcard route
// itself), method "*" every method.
import type { Scope } from './api-keys.js';

/** `open`: no key needed. `authenticated`: any valid key (paths that match no route). */
export type Access = Scope | 'open' | 'authenticated';

export const ROUTE_SCOPES: Readonly<Record<string, Access>> = {
  // Probes of load balancers and orchestrators carry no key.
  'GET /healthz': 'open',
  'GET /readyz': 'open',
  // The API description holds no data; Swagger UI's "Authorize" button then sends a key.
  'GET /docs*': 'open',
  // CORS preflights carry no credentials (the browser strips them); answered before any handler.
  'OPTIONS *': 'open',
  'GET /metrics': 'metrics',

  'GET /v1/users/:user_id/recommendations': 'read',
  'POST /v1/recommendations': 'read',
  'GET /v1/items/:item_id': 'read',
  'GET /v1/items/:item_id/similar': 'read',

  'PUT /v1/items': 'write',
  'DELETE /v1/items/:item_id': 'write',
  'POST /v1/events': 'write',
  'PUT /v1/users/:user_id/preferences': 'write',
  'GET /v1/users/:user_id/preferences': 'write',

  'GET /v1/users/:user_id/export': 'admin',
  'DELETE /v1/users/:user_id': 'admin',
  '* /v1/models*': 'admin',
  '* /v1/experiments*': 'admin',
  '* /v1/bandit*': 'admin',
  '* /admin/queues*': 'admin',
};

/** Routes in no entry: whoever adds a route without deciding gets the safe answer. */
export const DEFAULT_ACCESS: Access = 'admin';

interface Rule {
  method: string;
  /** Exact route, or the prefix of a trailing-"*" entry. */
  path: string;
  prefix: boolean;
  access: Access;
}

export class RouteAccess {
  private readonly exact = new Map<string, Access>();
  /** Longest prefix first, so a narrower entry wins over a wider one. */
  private readonly prefixes: Rule[] = [];

  constructor(map: Readonly<Record<string, Access>> = ROUTE_SCOPES, private readonly fallback: Access = DEFAULT_ACCESS) {
    for (const [key, access] of Object.entries(map)) {
      const space = key.indexOf(' ');
      const method = key.slice(0, space).toUpperCase();
      const path = key.slice(space + 1);
      if (path.endsWith('*') && path !== '*') this.prefixes.push({ method, path: path.slice(0, -1), prefix: true, access });
      else this.exact.set(`${method} ${path}`, access);
    }
    this.prefixes.sort((a, b) => b.path.length - a.path.length);
  }

  /** What a request for `route` (the registered pattern; undefined when no route matched) needs. */
  required(method: string, route: string | undefined): Access {
    if (route === undefined) return 'authenticated';
    // HEAD is served by the GET route and reveals what GET does.
    const m = method === 'HEAD' ? 'GET' : method;
    const exact = this.exact.get(`${m} ${route}`) ?? this.exact.get(`* ${route}`);
    if (exact !== undefined) return exact;
    for (const rule of this.prefixes) {
      if ((rule.method === m || rule.method === '*') && route.startsWith(rule.path)) return rule.access;
    }
    return this.fallback;
  }
}
