import { describe, expect, it } from 'vitest';
import { RouteAccess } from './route-scopes.js';

describe('RouteAccess', () => {
  const routes = new RouteAccess();

  it('maps each route group to its scope', () => {
    expect(routes.required('GET', '/v1/users/:user_id/recommendations')).toBe('read');
    expect(routes.required('HEAD', '/v1/items/:item_id')).toBe('read');
    expect(routes.required('POST', '/v1/events')).toBe('write');
    expect(routes.required('PUT', '/v1/items')).toBe('write');
    expect(routes.required('GET', '/v1/users/:user_id/export')).toBe('admin');
    expect(routes.required('DELETE', '/v1/users/:user_id')).toBe('admin');
    expect(routes.required('POST', '/v1/models/:version/activate')).toBe('admin');
    expect(routes.required('GET', '/metrics')).toBe('metrics');
    expect(routes.required('GET', '/healthz')).toBe('open');
    expect(routes.required('GET', '/docs/json')).toBe('open');
  });

  it('puts experiments, the bandit and the queue dashboard under admin, whatever their sub-routes', () => {
    expect(routes.required('POST', '/v1/experiments')).toBe('admin');
    expect(routes.required('POST', '/v1/experiments/:experiment_id/stop')).toBe('admin');
    expect(routes.required('GET', '/v1/bandit')).toBe('admin');
    expect(routes.required('GET', '/admin/queues/api/queues')).toBe('admin');
  });

  it('defaults routes in no entry to admin, and the same path with another method too', () => {
    expect(routes.required('GET', '/v1/something-added-later')).toBe('admin');
    expect(routes.required('POST', '/v1/items/:item_id')).toBe('admin');
    expect(routes.required('POST', '/healthz')).toBe('admin');
    expect(routes.required('POST', '/docs/json')).toBe('admin');
    // The CORS wildcard route is open for OPTIONS only; "*" is not a prefix of everything.
    expect(routes.required('OPTIONS', '*')).toBe('open');
    expect(routes.required('OPTIONS', '/v1/items')).toBe('admin');
  });

  it('asks only for a valid key where no route matched (the answer is then a 404)', () => {
    expect(routes.required('GET', undefined)).toBe('authenticated');
  });
});
