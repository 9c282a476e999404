// API keys, scopes, rate limits per key, body limits, CORS and what reaches the logs, on real
// servers on loopback (embedded store), plus the start-up rules of the real service process.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { InProcessJobRunner } from '@recsys/jobs';
import { RecommendationEngine } from '@recsys/engine';
import { createEmbeddedModelRegistry, createEmbeddedStore } from '@recsys/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app-types.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { OPEN_MODE_WARNING } from '../src/plugins/auth.js';
import { buildServer } from '../src/server.js';
import { call } from './support/http.js';
import { startServiceProcess } from './support/service-process.js';

const KEYS = {
  reader: 'reader-secret-0123456789abcdef',
  writer: 'writer-secret-0123456789abcdef',
  ops: 'ops-secret-0123456789abcdef0123',
  scraper: 'scraper-secret-0123456789abcdef',
  limited: 'limited-secret-0123456789abcdef',
  legacy: 'legacy-admin-secret-0123456789',
};
const KEY_ENV = {
  RECSYS_API_KEYS: [
    `reader:read:${KEYS.reader}`,
    `writer:write:${KEYS.writer}`,
    `ops:admin:${KEYS.ops}`,
    `scraper:metrics:${KEYS.scraper}`,
    `limited:read:${KEYS.limited}:3`,
  ].join(','),
  RECSYS_ADMIN_API_KEY: KEYS.legacy,
};

interface Server {
  app: App;
  baseUrl: string;
  /** Every log line so far (JSON). */
  logs: string[];
  close(): Promise<void>;
}

const dirs: string[] = [];
const servers: Server[] = [];

/** The HTTP API as the services build it, with its log lines captured. */
async function startServer(env: Record<string, string>, extraRoutes?: (app: App) => void): Promise<Server> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-auth-'));
  dirs.push(dataDir);
  const config = loadConfig({ RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0', ...env });
  const store = createEmbeddedStore({ dataDir });
  await store.open();
  const jobs = new InProcessJobRunner();
  const engine = new RecommendationEngine(
    { store, registry: createEmbeddedModelRegistry({ dir: path.join(dataDir, 'models') }), jobs },
    { retrainEveryMs: 0, incrementalEveryMs: 0, trainOnStart: false },
  );
  await engine.start();
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildServer({
    engine,
    store,
    logger: { level: 'trace', stream },
    rateLimitPerMinute: config.rateLimitPerMinute,
    bodyLimitBytes: config.bodyLimitBytes,
    version: 'test',
    security: config.security,
  });
  extraRoutes?.(app);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const server = {
    app,
    baseUrl,
    logs,
    async close() {
      await app.close();
      engine.close();
      await jobs.close();
      await store.close();
    },
  };
  servers.push(server);
  return server;
}

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const as = (key: string, header: 'bearer' | 'x-api-key' = 'bearer'): Record<string, string> =>
  header === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };

const expectError = (response: { status: number; body: any }, status: number, code: string) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error).toMatchObject({ code, message: expect.any(String), details: expect.any(Object) });
};

// One request per route group member: [method, path, body, scope it needs].
const ROUTES: [string, string, unknown, 'read' | 'write' | 'admin' | 'metrics'][] = [
  ['GET', '/v1/users/u1/recommendations?limit=3', undefined, 'read'],
  ['POST', '/v1/recommendations', { user_id: 'u1', limit: 3 }, 'read'],
  ['GET', '/v1/items/i1', undefined, 'read'],
  ['GET', '/v1/items/i1/similar', undefined, 'read'],
  ['PUT', '/v1/items', { items: [{ item_id: 'i1', title: 'One', content_type: 'movie' }] }, 'write'],
  ['POST', '/v1/events', { events: [{ event_id: 'e1', user_id: 'u1', item_id: 'i1', type: 'click' }] }, 'write'],
  ['PUT', '/v1/users/u1/preferences', { genres: ['Drama'] }, 'write'],
  ['GET', '/v1/users/u1/preferences', undefined, 'write'],
  ['DELETE', '/v1/items/gone', undefined, 'write'],
  ['GET', '/v1/models', undefined, 'admin'],
  ['GET', '/v1/models/jobs/none', undefined, 'admin'],
  ['POST', '/v1/models/none/activate', undefined, 'admin'],
  ['GET', '/v1/users/u1/export', undefined, 'admin'],
  ['DELETE', '/v1/users/u2', undefined, 'admin'],
  ['GET', '/metrics', undefined, 'metrics'],
];
const SCOPES_OF: Record<string, string[]> = { reader: ['read'], writer: ['write'], ops: ['admin'], scraper: ['metrics'], legacy: ['admin'] };

describe('with API keys configured', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ ...KEY_ENV, RECSYS_BODY_LIMIT_BYTES: '4096' }, (app) => {
      // A route nobody put in the scope map, and one that logs its request headers.
      app.get('/v1/added-without-a-scope', async () => ({ ok: true }));
      app.get('/v1/log-my-headers', async (request) => {
        request.log.info({ headers: request.headers }, 'headers as a careless handler logs them');
        return { ok: true };
      });
    });
  });

  it('keeps the probes and the API description open', async () => {
    expect((await call(server.baseUrl, 'GET', '/healthz')).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', '/readyz')).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', '/docs/json')).status).toBe(200);
  });

  it('answers 401 UNAUTHORIZED in the error format to a missing, unknown or malformed key', async () => {
    for (const headers of [{}, as('not-a-key-0123456789abcdef'), as('not-a-key-0123456789abcdef', 'x-api-key'), { authorization: `Basic ${KEYS.reader}` }]) {
      const response = await call(server.baseUrl, 'GET', '/v1/users/u1/recommendations', undefined, headers);
      expectError(response, 401, 'UNAUTHORIZED');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.stringify(response.body)).not.toContain('not-a-key');
    }
  });

  it('enforces the scope of every route group, naming the scope needed in a 403', async () => {
    for (const [name, scopes] of Object.entries(SCOPES_OF)) {
      for (const [method, url, body, scope] of ROUTES) {
        const response = await call(server.baseUrl, method, url, body, as(KEYS[name as keyof typeof KEYS]));
        const allowed = scopes.includes(scope) || scopes.includes('admin');
        if (allowed) {
          expect([401, 403], `${name} ${method} ${url}: ${JSON.stringify(response.body)}`).not.toContain(response.status);
          expect(response.status, `${name} ${method} ${url}`).toBeLessThan(500);
        } else {
          expectError(response, 403, 'FORBIDDEN');
          expect(response.body.error.details.required_scope, `${name} ${method} ${url}`).toBe(scope);
          expect(response.body.error.message).toContain(`"${scope}"`);
        }
      }
    }
  });

  it('accepts the key as a Bearer token (any case of the scheme) or as x-api-key', async () => {
    const url = '/v1/users/u1/recommendations?limit=2';
    expect((await call(server.baseUrl, 'GET', url, undefined, as(KEYS.reader))).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', url, undefined, as(KEYS.reader, 'x-api-key'))).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', url, undefined, { authorization: `bearer ${KEYS.reader}` })).status).toBe(200);
  });

  it('puts routes missing from the scope map under admin', async () => {
    expectError(await call(server.baseUrl, 'GET', '/v1/added-without-a-scope', undefined, as(KEYS.writer)), 403, 'FORBIDDEN');
    expect((await call(server.baseUrl, 'GET', '/v1/added-without-a-scope', undefined, as(KEYS.ops))).status).toBe(200);
  });

  it('asks for a key before saying a path does not exist', async () => {
    expectError(await call(server.baseUrl, 'GET', '/v1/nothing-here'), 401, 'UNAUTHORIZED');
    expectError(await call(server.baseUrl, 'GET', '/v1/nothing-here', undefined, as(KEYS.reader)), 404, 'ROUTE_NOT_FOUND');
  });

  it('refuses a body over the limit with 413 in the error format, and an unauthenticated one before reading it', async () => {
    const big = { items: [{ item_id: 'big', title: 'x'.repeat(8000), content_type: 'movie' }] };
    expectError(await call(server.baseUrl, 'PUT', '/v1/items', big, as(KEYS.writer)), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await call(server.baseUrl, 'PUT', '/v1/items', big), 401, 'UNAUTHORIZED');
  });

  it('answers bad URLs, long ids and unparsable HTTP in the error format', async () => {
    // Ids are up to 256 characters: a 256-character id is looked up, not refused by the router.
    expectError(await call(server.baseUrl, 'GET', `/v1/items/${'é'.repeat(256)}`, undefined, as(KEYS.reader)), 404, 'ITEM_NOT_FOUND');
    expectError(await call(server.baseUrl, 'GET', `/v1/items/${'x'.repeat(4000)}`, undefined, as(KEYS.reader)), 414, 'URI_TOO_LONG');
    expectError(await call(server.baseUrl, 'GET', '/v1/items/%zz', undefined, as(KEYS.reader)), 400, 'MALFORMED_REQUEST');
    const raw = async (text: string) => {
      const socket = net.connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
      socket.end(text);
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      const answer = Buffer.concat(chunks).toString();
      return { status: Number(answer.slice(9, 12)), body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) };
    };
    expectError(await raw('GARBAGE\r\n\r\n'), 400, 'MALFORMED_REQUEST');
    expectError(await raw('GET /healthz HTTP/1.1\r\n\r\n'), 400, 'MALFORMED_REQUEST');
    expectError(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
  });

  it('rate limits each key on its own: 429 with Retry-After, other keys unaffected', async () => {
    const url = '/v1/users/u1/recommendations?limit=1';
    for (let i = 0; i < 3; i++) expect((await call(server.baseUrl, 'GET', url, undefined, as(KEYS.limited))).status).toBe(200);
    const limited = await call(server.baseUrl, 'GET', url, undefined, as(KEYS.limited, 'x-api-key'));
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.details.limit).toBe(3);
    expect((await call(server.baseUrl, 'GET', url, undefined, as(KEYS.reader))).status).toBe(200);
  });

  it('never writes a key into the logs, even from a handler that logs its headers', async () => {
    await call(server.baseUrl, 'GET', '/v1/log-my-headers', undefined, { ...as(KEYS.ops), 'x-api-key': KEYS.ops });
    await call(server.baseUrl, 'GET', '/v1/models', undefined, as(KEYS.reader));
    await call(server.baseUrl, 'GET', '/v1/models', undefined, as('guessed-key-0123456789abcdef', 'x-api-key'));
    const logs = server.logs.join('\n');
    expect(logs).toContain('headers as a careless handler logs them');
    expect(logs).toContain('[redacted]');
    expect(logs).toContain('"key_name":"reader"');
    for (const secret of [...Object.values(KEYS), 'guessed-key']) expect(logs).not.toContain(secret);
  });

  it('sends no CORS header by default and has no preflight', async () => {
    const response = await call(server.baseUrl, 'GET', '/healthz', undefined, { origin: 'https://elsewhere.example' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await call(server.baseUrl, 'OPTIONS', '/v1/users/u1/recommendations', undefined, {
      origin: 'https://elsewhere.example',
      'access-control-request-method': 'GET',
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the legacy admin key and the address limit', () => {
  it('limits failed key guesses per client address', async () => {
    const server = await startServer({ ...KEY_ENV, RECSYS_RATE_LIMIT_PER_MINUTE: '5' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(server.baseUrl, 'GET', '/v1/models', undefined, as(`guess-${i}-0123456789abcdef`))).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // A valid key has its own bucket.
    expect((await call(server.baseUrl, 'GET', '/v1/models', undefined, as(KEYS.legacy))).status).toBe(200);
  });
});

describe('CORS when origins are configured', () => {
  it('allows the listed origins only, and answers their preflight without a key', async () => {
    const server = await startServer({ ...KEY_ENV, RECSYS_CORS_ORIGINS: 'https://app.example.com' });
    const preflight = await call(server.baseUrl, 'OPTIONS', '/v1/users/u1/recommendations', undefined, {
      origin: 'https://app.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const allowed = await call(server.baseUrl, 'GET', '/v1/users/u1/recommendations', undefined, { origin: 'https://app.example.com', ...as(KEYS.reader) });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // A browser reading a 401 needs the header too, to show the real reason.
    const refused = await call(server.baseUrl, 'GET', '/v1/users/u1/recommendations', undefined, { origin: 'https://app.example.com' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await call(server.baseUrl, 'GET', '/v1/users/u1/recommendations', undefined, { origin: 'https://evil.example', ...as(KEYS.reader) });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('without any key', () => {
  it('runs open and warns loudly at start', async () => {
    const server = await startServer({});
    expect((await call(server.baseUrl, 'GET', '/v1/models')).status).toBe(200);
    expect((await call(server.baseUrl, 'PUT', '/v1/items', { items: [{ item_id: 'i1', title: 'One', content_type: 'movie' }] })).status).toBe(200);
    const warning = server.logs.map((line) => JSON.parse(line)).find((line) => line.msg === OPEN_MODE_WARNING);
    expect(warning?.level).toBe(40);
  });

  it('refuses to start with NODE_ENV=production, saying why', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-auth-'));
    dirs.push(dataDir);
    const failure = await startServiceProcess({ NODE_ENV: 'production', RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0' }, 30_000).then(
      async (service) => {
        await service.stop('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/exited with 1/);
    expect(failure).toMatch(/configuration error: NODE_ENV=production and no API key is configured/);
  });

  it('starts in production once a key is configured, and logs the warning only when open', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'recsys-auth-'));
    dirs.push(dataDir);
    const service = await startServiceProcess({ NODE_ENV: 'production', RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0', RECSYS_API_KEYS: `app:read:${KEYS.reader}` }, 30_000);
    try {
      expect((await call(service.baseUrl, 'GET', '/v1/models')).status).toBe(401);
      expect((await call(service.baseUrl, 'GET', '/v1/models', undefined, as(KEYS.reader))).status).toBe(403);
      expect(service.output()).not.toContain('AUTHENTICATION IS OFF');
    } finally {
      await service.stop('SIGKILL');
    }
  });
});
