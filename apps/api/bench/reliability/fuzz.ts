// `pnpm bench reliability --part fuzz`: malformed and hostile requests against the running service.
// Starts the embedded service as a separate process (demo data off, API keys on, a small generated
// catalogue and a trained model), reads every route from its OpenAPI document, then sends generated
// requests over loopback with bounded concurrency: wrong types, huge numbers, deep JSON, long and
// unicode strings, injection strings, bad content types, missing or wrong keys, bad methods, huge
// bodies, invalid query strings and malformed HTTP. Checks: no 5xx, every non-2xx answer in the
// `{error: {code, message, details}}` format, the process alive and healthy at the end. Prints Markdown.
//
// Options: --requests 12000  --concurrency 16  --seed 9  --keep (leave the data directory)
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mulberry32 } from '@recsys/core';
import { startServiceProcess } from '../../test/support/service-process.js';
import { BENCH_SERVICE_ENV } from '../load.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '12000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '9' },
    keep: { type: 'boolean', default: false },
  },
});
const TOTAL = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const BODY_LIMIT = 1 << 20;
const SEED = Number(values.seed);
/** Reseeded per request (see generate), so each request is the same whatever order they are built in. */
let random = mulberry32(SEED);
const log = (message: string) => console.error(`[fuzz] ${message}`);

const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const chance = (p: number) => random() < p;

// ---- keys -----------------------------------------------------------------------------------

const KEYS = {
  admin: `fz-admin-${randomBytes(12).toString('hex')}`,
  read: `fz-read-${randomBytes(12).toString('hex')}`,
  write: `fz-write-${randomBytes(12).toString('hex')}`,
};

// ---- hostile values -------------------------------------------------------------------------

const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1.5, '', 'text', [], [1, 'a', null], {}, { a: { b: [] } }, ['x'.repeat(10)]];
const HUGE_NUMBERS: unknown[] = [1e308, -1e308, 9007199254740993, 2 ** 53, -(2 ** 63), 2 ** 31, 1e21, -0, 5e-324, Number.MAX_SAFE_INTEGER, 123456789012345];
/** Number tokens JSON.stringify cannot write: spliced into the body text. */
const HUGE_NUMBER_TOKENS = ['1e400', '-1e400', '123456789012345678901234567890123456789', '0.' + '1'.repeat(400), '1' + '0'.repeat(1000), 'NaN', 'Infinity', '-Infinity', '0x10', '1_000'];
const UNICODE = [
  '\u202e\u202dreversed',
  'zero\u200bwidth\u200d\ufeff',
  'nul\u0000byte',
  'lone\ud800surrogate',
  'swapped\udc00\ud800',
  'e\u0301'.repeat(500),
  '🎬🍿🎞️👨‍👩‍👧‍👦'.repeat(50),
  'Ω≈ç√∫˜µ≤≥÷',
  '𝕿𝖍𝖊 𝕸𝖆𝖙𝖗𝖎𝖝',
  'ｆｕｌｌｗｉｄｔｈ',
  '\t\n\r\u000b\u000c',
  '\u0085\u2028\u2029',
  'ﷺ'.repeat(200),
];
const LONG = [1_000, 10_000, 100_000, 600_000];
const INJECTIONS: unknown[] = [
  "' OR '1'='1' --",
  '1; DROP TABLE users;--',
  '" OR ""="',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '#{7*7}',
  '%s%s%s%n',
  '; rm -rf / #',
  '$(reboot)',
  '`id`',
  '\r\nSet-Cookie: a=b',
  '*1\r\n$8\r\nFLUSHALL\r\n',
  'recsys:*',
  'KEYS *',
  { $gt: '' },
  { $where: 'sleep(1000)' },
  { __proto__: { admin: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '/v1/../admin/queues',
];
/** Body-level attacks on the object's own keys. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '$where', 'a'.repeat(10_000), '', '\u0000', '🎬'];

function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function longString(): string {
  const n = pick(LONG);
  return chance(0.5) ? 'x'.repeat(n) : pick(UNICODE).repeat(Math.ceil(n / 20)).slice(0, n);
}

// ---- the routes, from the service's OpenAPI document -------------------------------------------

type Schema = Record<string, any>;
interface Route {
  method: string;
  /** OpenAPI path with {params}. */
  path: string;
  params: string[];
  query: { name: string; schema: Schema }[];
  body?: Schema;
}

let components: Record<string, Schema> = {};
const resolve = (schema: Schema | undefined): Schema => {
  let s = schema ?? {};
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) s = components[s.$ref.split('/').pop()!] ?? {};
  return s;
};

/** A valid-looking instance of `schema`: the base each request then breaks in one place. */
function sample(schemaIn: Schema | undefined, depth = 0): unknown {
  const schema = resolve(schemaIn);
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return pick(schema.enum);
  for (const alt of ['anyOf', 'oneOf'] as const) if (Array.isArray(schema[alt])) return sample(pick(schema[alt]), depth + 1);
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...schema.allOf.map((s: Schema) => sample(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.now() - Math.floor(random() * 1e9)).toISOString();
      if (schema.format === 'date') return '2020-01-01';
      return `fz${Math.floor(random() * 40)}`.slice(0, schema.maxLength ?? 64);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? 0;
      const max = schema.maximum ?? min + 10;
      const v = min + random() * (max - min);
      return type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return chance(0.5);
    case 'array': {
      const n = Math.max(schema.minItems ?? 0, 1 + Math.floor(random() * 2));
      return Array.from({ length: Math.min(n, schema.maxItems ?? n) }, () => sample(schema.items, depth + 1));
    }
    case 'object':
    default: {
      const out: Record<string, unknown> = {};
      const props: Record<string, Schema> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      for (const [name, prop] of Object.entries(props)) if (required.has(name) || chance(0.5)) out[name] = sample(prop, depth + 1);
      return out;
    }
  }
}

/** Paths to every value in `value` (so one can be replaced). */
function leaves(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) leaves(v, [...at, k], out);
  return out;
}

function replaceAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const parent = at.slice(0, -1).reduce((node: any, key) => node[key], root);
  parent[at[at.length - 1]!] = value;
  return root;
}

const MARK = '"__FUZZ_TOKEN__"';

/** JSON body with one value replaced; `token` splices raw text (numbers JSON cannot write, deep nesting). */
function bodyWith(route: Route, value: unknown, token?: string): string {
  const base = sample(route.body);
  const spots = leaves(base);
  const spot = pick(spots.length > 1 ? spots.slice(1) : spots);
  const text = JSON.stringify(replaceAt(base, spot, token === undefined ? value : '__FUZZ_TOKEN__'));
  return token === undefined ? text : text.replace(MARK, token);
}

// ---- requests ---------------------------------------------------------------------------------

interface FuzzRequest {
  category: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Bytes written to a raw socket instead (malformed HTTP). */
  raw?: Buffer;
  /** Send the body in pieces without a Content-Length. */
  chunked?: boolean;
}

const auth = (): Record<string, string> => (chance(0.5) ? { authorization: `Bearer ${KEYS.admin}` } : { 'x-api-key': KEYS.admin });
const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...auth(), ...extra });

function urlOf(route: Route, params: Record<string, string> = {}, query = ''): string {
  let p = route.path;
  for (const name of route.params) p = p.replace(`{${name}}`, params[name] ?? encodeURIComponent(`fz${Math.floor(random() * 40)}`));
  return query ? `${p}?${query}` : p;
}

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD); now and then leaves a bare "%". */
const encode = (v: unknown) =>
  [...Buffer.from(typeof v === 'string' ? v : String(JSON.stringify(v)), 'utf8')]
    .map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x25 && chance(0.1) ? '%' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

/** One hostile value placed in a path parameter, a query parameter or the body. */
function placed(category: string, route: Route, value: unknown, token?: string): FuzzRequest {
  const spots: string[] = [];
  if (route.params.length) spots.push('path');
  if (route.query.length) spots.push('query');
  if (route.body) spots.push('body');
  const where = spots.length ? pick(spots) : 'query';
  const asText = token ?? (typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined');
  if (where === 'path') {
    const name = pick(route.params);
    return { category, method: route.method, path: urlOf(route, { [name]: encode(asText) }), headers: auth(), ...bodyPart(route) };
  }
  if (where === 'query') {
    const name = route.query.length ? pick(route.query).name : 'limit';
    return { category, method: route.method, path: urlOf(route, {}, `${name}=${encode(asText)}`), headers: auth(), ...bodyPart(route) };
  }
  return { category, method: route.method, path: urlOf(route), headers: json(), body: bodyWith(route, value, token) };
}

const bodyPart = (route: Route) => (route.body ? { body: JSON.stringify(sample(route.body)), headers: json() } : {});

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=fz',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;;;',
  'application/jsonx',
  'json',
  '*/*',
  '',
  'application/json',
];
const BAD_BODIES = ['not json', '', '{', '{"a":1,}', "{'a':1}", '\u0000\u0001', '[1,2', '{"a":1}{"b":2}', 'null', '"string"', '42', 'true', '\ufeff{}'];

const METHODS = ['PATCH', 'TRACE', 'OPTIONS', 'PROPFIND', 'SEARCH', 'LOCK', 'MKCOL', 'COPY', 'PURGE', 'POST', 'PUT', 'DELETE', 'GET', 'HEAD'];
const QUERIES = [
  '%zz',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  'limit=1&limit=2',
  'limit[]=1',
  'limit[a]=1',
  '&&&&',
  '===',
  'limit=',
  'limit=abc',
  'limit=-1',
  'limit=1e9',
  'limit=0x10',
  'limit=%00',
  'diversity=NaN',
  'diversity=-Infinity',
  'explore=maybe',
  'mode=everything',
  'content_types=movie,,,,',
  'languages=' + ',en'.repeat(2000),
  'exclude_item_ids=' + 'a,'.repeat(3000),
  'q=' + 'x'.repeat(6000),
  'a=1?b=2?c=3',
  '__proto__[admin]=1',
  'constructor[prototype][x]=1',
];
const BAD_URLS = ['/v1/items/%zz', '/v1/users/%/recommendations', '/v1/items/%E0%A4%A', '/v1//items', '/v1/items/', '//v1/items', '/v1/./items/x', '/v1/users/a%2Fb/recommendations', '/%2e%2e/%2e%2e/etc/passwd', '/v1/items/' + 'x'.repeat(5000)];

function rawRequests(): { category: string; raw: Buffer }[] {
  const host = 'Host: 127.0.0.1\r\n';
  const k = `x-api-key: ${KEYS.admin}\r\n`;
  const list = [
    'GARBAGE\r\n\r\n',
    'GET\r\n\r\n',
    'GET /healthz HTTP/9.9\r\n\r\n',
    'GET /healthz\r\n\r\n',
    `FOO /v1/models HTTP/1.1\r\n${host}\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}${k}no colon header\r\n\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}${k}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}${k}X-Nul: a\u0000b\r\n\r\n`,
    `GET /v1/users/\u00e9\u00e8/recommendations HTTP/1.1\r\n${host}${k}\r\n`,
    `GET /v1/users/a b/recommendations HTTP/1.1\r\n${host}${k}\r\n`,
    `GET http://evil.example/v1/models HTTP/1.1\r\n${host}${k}\r\n`,
    `GET * HTTP/1.1\r\n${host}${k}\r\n`,
    `GET /v1/models HTTP/1.1\r\n${k}\r\n`,
    `GET /v1/models HTTP/1.1\r\nHost: a\r\nHost: b\r\n${k}\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}Authorization: Bearer ${'\u00ff'.repeat(50)}\r\n\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}Authorization: Bearer ${KEYS.admin}\r\nAuthorization: Bearer wrong\r\n\r\n`,
    `GET /v1/models HTTP/1.1\r\n${host}x-api-key: ${KEYS.admin}\r\nx-api-key: ${KEYS.admin}\r\n\r\n`,
    `POST /v1/events HTTP/1.1\r\n${host}${k}Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\u001f\u008b\u0008\u0000`,
    `GET /healthz HTTP/1.1\r\n${host}\n\n`,
    `GET /healthz HTTP/1.1\n${host}\n`,
  ];
  return list.map((text) => ({ category: 'malformed HTTP', raw: Buffer.from(text, 'latin1') }));
}

/**
 * The requests, each built only when it is sent (megabyte bodies for thousands of requests would
 * not fit in memory): a shuffled list of builders, each with its own seed.
 */
function generate(routes: Route[]): (() => FuzzRequest)[] {
  const bodyRoutes = routes.filter((r) => r.body);
  const raw = rawRequests();
  const categories: [string, (route: Route) => FuzzRequest][] = [
    ['wrong types', (r) => placed('wrong types', r, pick(WRONG_TYPES))],
    [
      'huge numbers',
      (r) => (chance(0.4) && r.body ? placed('huge numbers', r, null, pick(HUGE_NUMBER_TOKENS)) : placed('huge numbers', r, pick(HUGE_NUMBERS))),
    ],
    [
      'deep JSON',
      (r) => {
        const route = r.body ? r : pick(bodyRoutes);
        const text = deep(pick([10, 100, 1_000, 10_000, 100_000]), chance(0.5) ? 'array' : 'object');
        return chance(0.3)
          ? { category: 'deep JSON', method: route.method, path: urlOf(route), headers: json(), body: text }
          : placed('deep JSON', route, null, text);
      },
    ],
    ['long and unicode strings', (r) => placed('long and unicode strings', r, chance(0.5) ? longString() : pick(UNICODE))],
    [
      'injection strings',
      (r) => {
        if (r.body && chance(0.3)) {
          // Hostile keys on the body object itself (prototype pollution, operators).
          const base = sample(r.body) as Record<string, unknown>;
          const text = JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(pick(HOSTILE_KEYS))}: ${JSON.stringify(pick(INJECTIONS))},`);
          return { category: 'injection strings', method: r.method, path: urlOf(r), headers: json(), body: text.replace(/,\}$/, '}') };
        }
        return placed('injection strings', r, pick(INJECTIONS));
      },
    ],
    [
      'bad content types',
      (r) => {
        const route = r.body ? r : pick(bodyRoutes);
        const type = pick(CONTENT_TYPES);
        const body = chance(0.5) ? JSON.stringify(sample(route.body)) : pick(BAD_BODIES);
        const headers: Record<string, string> = { ...auth() };
        if (type) headers['content-type'] = type;
        if (chance(0.15)) headers['content-encoding'] = pick(['gzip', 'br', 'deflate', 'identity', 'x-unknown']);
        return { category: 'bad content types', method: route.method, path: urlOf(route), headers, body };
      },
    ],
    [
      'missing or wrong auth',
      (r) => {
        const variants: Record<string, string>[] = [
          {},
          { authorization: 'Bearer wrong-key-0123456789abcdef' },
          { 'x-api-key': 'wrong-key-0123456789abcdef' },
          { authorization: 'Bearer' },
          { authorization: 'Bearer    ' },
          { authorization: `Basic ${Buffer.from(`user:${KEYS.admin}`).toString('base64')}` },
          { authorization: `Bearer ${KEYS.admin} extra` },
          { authorization: `Bearer ${'k'.repeat(8000)}` },
          { 'x-api-key': '' },
          { 'x-api-key': KEYS.admin.toUpperCase() },
          { 'x-api-key': KEYS.admin.slice(0, -1) },
          { authorization: `Bearer ${KEYS.read}` },
          { authorization: `Bearer ${KEYS.write}` },
          { 'x-api-key': `${KEYS.read}, ${KEYS.admin}` },
        ];
        const headers = { ...pick(variants) };
        const body = r.body ? JSON.stringify(sample(r.body)) : undefined;
        if (body) headers['content-type'] = 'application/json';
        return { category: 'missing or wrong auth', method: r.method, path: urlOf(r), headers, ...(body && { body }) };
      },
    ],
    [
      'bad methods',
      (r) => {
        const method = pick(METHODS.filter((m) => m !== r.method));
        const withBody = chance(0.5) && !['GET', 'HEAD'].includes(method);
        return { category: 'bad methods', method, path: urlOf(r), headers: withBody ? json() : auth(), ...(withBody && { body: '{}' }) };
      },
    ],
    [
      'huge bodies',
      (r) => {
        const route = r.body ? r : pick(bodyRoutes);
        const size = pick([BODY_LIMIT + 1, 2 * BODY_LIMIT, 4 * BODY_LIMIT]);
        const filler = JSON.stringify({ pad: 'x'.repeat(size) });
        // Half declare their length up front, half stream it chunked with no length given.
        return { category: 'huge bodies', method: route.method, path: urlOf(route), headers: json(), body: filler, chunked: chance(0.5) };
      },
    ],
    [
      'invalid query strings',
      (r) =>
        chance(0.25)
          ? { category: 'invalid query strings', method: r.method, path: pick(BAD_URLS), headers: auth() }
          : { category: 'invalid query strings', method: r.method, path: urlOf(r, {}, pick(QUERIES)), headers: auth(), ...bodyPart(r) },
    ],
  ];
  const out: (() => FuzzRequest)[] = [];
  // Malformed HTTP: each raw request a few times.
  for (let i = 0; i < 4; i++) for (const r of raw) out.push(() => ({ category: r.category, method: 'RAW', path: '', headers: {}, raw: r.raw }));
  for (let i = 0; out.length < TOTAL; i++) {
    const [name, make] = categories[i % categories.length]!;
    // Huge bodies are costly to build and send: a bounded share of them.
    if (name === 'huge bodies' && i % 4 !== 0) continue;
    const route = routes[Math.floor(i / categories.length) % routes.length]!;
    out.push(() => {
      random = mulberry32(SEED * 1_000_003 + i);
      return make(route);
    });
  }
  // Interleave categories so no stretch of the run is one kind only.
  random = mulberry32(SEED);
  for (let j = out.length - 1; j > 0; j--) {
    const k = Math.floor(random() * (j + 1));
    [out[j], out[k]] = [out[k]!, out[j]!];
  }
  return out;
}

// ---- sending ----------------------------------------------------------------------------------

interface Answer {
  status: number | null;
  body: string;
  error?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

// When the service answers a huge body early (413) and closes, our client may still be writing it;
// Node then raises the write error on a socket the request has already let go of. A client-side
// artefact, counted but not fatal; anything else still is.
let clientWriteResets = 0;
process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
  if (error.syscall === 'write' && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
    clientWriteResets++;
    return;
  }
  throw error;
});

function send(port: number, request: FuzzRequest): Promise<Answer> {
  if (request.raw) return sendRaw(port, request.raw);
  if (request.path.length + String(request.body ?? '').length > STREAM_ABOVE) return sendStreamed(port, request);
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.request(
        { host: '127.0.0.1', port, method: request.method, path: request.path, headers: request.headers, agent, timeout: 20_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => resolve({ status: res.statusCode ?? null, body: '', error: e.message }));
        },
      );
    } catch (error) {
      // The client library refused to send it (e.g. a header value it will not write).
      resolve({ status: null, body: '', error: `client refused: ${(error as Error).message}` });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: null, body: '', error: e.message }));
    if (request.body !== undefined && request.chunked) {
      const text = String(request.body);
      const half = Math.floor(text.length / 2);
      req.write(text.slice(0, half));
      req.end(text.slice(half));
    } else if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

/** Node's limit on the request line and headers together (431 above it). */
const MAX_HEADER_BYTES = 16 * 1024;
/** Over the body limit or the header limit: answered early (413 or 431) and the connection closed. */
const oversized = (request: FuzzRequest) =>
  Buffer.byteLength(String(request.body ?? '')) > BODY_LIMIT ||
  request.path.length + Object.entries(request.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0) > MAX_HEADER_BYTES;

/** Requests larger than this go out in pieces, and stop going out once the service has answered. */
const STREAM_ABOVE = 64 * 1024;

/**
 * The service answers an oversized request early (413, 431) and closes the connection, as it
 * should rather than read megabytes it will refuse. A client still writing then gets a reset that
 * can discard the answer already on its way; like a careful client, this one sends in pieces and
 * stops once an answer arrives, so the answer itself is checked.
 */
function sendStreamed(port: number, request: FuzzRequest): Promise<Answer> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const head = [`${request.method} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(request.headers)) head.push(`${name}: ${value}`);
  if (body && request.chunked) head.push('Transfer-Encoding: chunked');
  else if (body) head.push(`Content-Length: ${body.length}`);
  const payload = body && request.chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
  const bytes = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload ?? Buffer.alloc(0)]);
  return sendRaw(port, bytes, 16 * 1024);
}

function sendRaw(port: number, bytes: Buffer, pieceBytes = bytes.length): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      let body = split >= 0 ? text.slice(split + 4) : '';
      if (/transfer-encoding: chunked/i.test(text.slice(0, split))) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: status ? Number(status[1]) : null, body, ...(error && !status && { error }) });
    };
    socket.setTimeout(5_000, () => finish('timeout'));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // One answer is enough; the server may keep the connection open.
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = /content-length: (\d+)/i.exec(text.slice(0, split));
      if (length && text.length - split - 4 >= Number(length[1])) finish();
      if (/transfer-encoding: chunked/i.test(text.slice(0, split)) && text.endsWith('\r\n0\r\n\r\n')) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (e) => finish(e.message));
    // Piece by piece, each after the last one drained, until everything is out or an answer came.
    let offset = 0;
    const writeNext = () => {
      while (!done && chunks.length === 0 && offset < bytes.length) {
        const piece = bytes.subarray(offset, offset + pieceBytes);
        offset += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', writeNext);
          return;
        }
        if (pieceBytes < bytes.length) {
          setImmediate(writeNext);
          return;
        }
      }
    };
    socket.once('connect', writeNext);
  });
}

function inErrorFormat(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = parsed.error;
    return !!e && typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) && typeof e.message === 'string' && !!e.details && typeof e.details === 'object' && !Array.isArray(e.details);
  } catch {
    return false;
  }
}

// ---- the run ------------------------------------------------------------------------------------

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'recsys-bench-fuzz-'));
let exitCode = 0;
try {
  const service = await startServiceProcess(
    {
      ...BENCH_SERVICE_ENV,
      RECSYS_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      RECSYS_API_KEYS: `fz-admin:admin:${KEYS.admin},fz-read:read:${KEYS.read},fz-write:write:${KEYS.write}`,
      RECSYS_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    },
    60_000,
  );
  const port = Number(new URL(service.baseUrl).port);
  const admin = { 'content-type': 'application/json', 'x-api-key': KEYS.admin };
  const call = async (method: string, p: string, body?: unknown) => {
    const response = await fetch(`${service.baseUrl}${p}`, { method, headers: admin, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  try {
    // A small catalogue, a few users' histories and a trained model, so handlers do real work.
    const genres = ['Drama', 'Comedy', 'Anime', 'Crime', 'Sci-Fi', 'Horror'];
    const types = ['movie', 'tv_show', 'series', 'anime'];
    const items = Array.from({ length: 40 }, (_, i) => ({
      item_id: `fz${i}`,
      title: `Fuzz title ${i}`,
      content_type: types[i % 4],
      genres: [genres[i % genres.length], genres[(i * 7) % genres.length]],
      languages: [i % 3 ? 'en' : 'ja'],
      year: 1980 + i,
      plot: `A story number ${i} about ${genres[i % genres.length]!.toLowerCase()} and people.`,
      rating: 5 + (i % 5),
      rating_count: 100 * (i + 1),
    }));
    const seeded = await call('PUT', '/v1/items', { items });
    if (seeded.status !== 200) throw new Error(`seeding items: ${seeded.status} ${JSON.stringify(seeded.body)}`);
    const events = [];
    for (let u = 0; u < 40; u++) {
      for (let k = 0; k < 8; k++) events.push({ event_id: `fz-${u}-${k}`, user_id: `fz${u}`, item_id: `fz${(u + k * 3) % 40}`, type: 'complete', completion: 1 });
    }
    if ((await call('POST', '/v1/events', { events })).status !== 202) throw new Error('seeding events failed');
    const job = await call('POST', '/v1/models/retrain', { kind: 'full' });
    for (let t = 0; t < 300 && job.status === 202; t++) {
      const state = (await call('GET', `/v1/models/jobs/${job.body.job_id}`)).body?.state;
      if (state === 'completed' || state === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const doc = (await (await fetch(`${service.baseUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };
    components = doc.components?.schemas ?? {};
    const routes: Route[] = [];
    for (const [p, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
        const parameters: { in: string; name: string; schema: Schema }[] = op.parameters ?? [];
        routes.push({
          method: method.toUpperCase(),
          path: p,
          params: parameters.filter((x) => x.in === 'path').map((x) => x.name),
          query: parameters.filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: x.schema })),
          ...(op.requestBody?.content?.['application/json']?.schema && { body: op.requestBody.content['application/json'].schema }),
        });
      }
    }
    // Hidden from the document but served.
    for (const p of ['/metrics', '/healthz', '/readyz', '/docs/json']) routes.push({ method: 'GET', path: p, params: [], query: [] });
    log(`${routes.length} routes from the OpenAPI document; generating ${TOTAL} requests`);

    const requests = generate(routes);
    const rssBefore = await rssOf(service.child.pid!);
    type Row = { requests: number; s2xx: number; s4xx: number; s5xx: number; noAnswer: number; resetOverLimit: number; badFormat: number };
    const rows = new Map<string, Row>();
    const statuses = new Map<string, number>();
    const violations: string[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const request = requests[next++]!();
          const answer = await send(port, request);
          const row = rows.get(request.category) ?? { requests: 0, s2xx: 0, s4xx: 0, s5xx: 0, noAnswer: 0, resetOverLimit: 0, badFormat: 0 };
          rows.set(request.category, row);
          row.requests++;
          const label = answer.status === null ? 'no answer' : String(answer.status);
          statuses.set(label, (statuses.get(label) ?? 0) + 1);
          const what = `${request.method} ${request.path.slice(0, 120)}${request.raw ? JSON.stringify(request.raw.toString('latin1').slice(0, 120)) : ''}`;
          if (answer.status === null) {
            // Over a limit, the service answers early and closes; a client still writing may then
            // lose the answer to the reset. Counted apart; any other missing answer is a violation.
            if (oversized(request) && /^write (EPIPE|ECONNRESET)/.test(answer.error ?? '')) {
              row.resetOverLimit++;
              continue;
            }
            row.noAnswer++;
            // A request our own client refused to write never reached the server: not the server's fault.
            if (!answer.error?.startsWith('client refused')) violations.push(`${request.category}: no answer (${answer.error}) to ${what}`);
            continue;
          }
          if (answer.status >= 500) {
            row.s5xx++;
            violations.push(`${request.category}: ${answer.status} to ${what}: ${answer.body.slice(0, 200)}`);
          } else if (answer.status >= 400) row.s4xx++;
          else row.s2xx++;
          if ((answer.status < 200 || answer.status >= 300) && request.method !== 'HEAD' && !inErrorFormat(answer.body)) {
            row.badFormat++;
            violations.push(`${request.category}: ${answer.status} not in the error format to ${what}: ${answer.body.slice(0, 200)}`);
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const alive = service.child.exitCode === null && service.child.signalCode === null;
    const healthy = alive && (await fetch(`${service.baseUrl}/healthz`).then((r) => r.status === 200, () => false));
    const answersAfter = alive && (await call('GET', '/v1/users/fz1/recommendations?limit=5').then((r) => r.status === 200 && r.body.items.length === 5, () => false));
    const rssAfter = alive ? await rssOf(service.child.pid!) : NaN;

    const total = [...rows.values()].reduce(
      (a, r) => ({ requests: a.requests + r.requests, s2xx: a.s2xx + r.s2xx, s4xx: a.s4xx + r.s4xx, s5xx: a.s5xx + r.s5xx, noAnswer: a.noAnswer + r.noAnswer, resetOverLimit: a.resetOverLimit + r.resetOverLimit, badFormat: a.badFormat + r.badFormat }),
      { requests: 0, s2xx: 0, s4xx: 0, s5xx: 0, noAnswer: 0, resetOverLimit: 0, badFormat: 0 },
    );
    console.log(`### Fuzzing: ${total.requests} hostile requests against the running service\n`);
    console.log(`Command: \`pnpm bench reliability --part fuzz --requests ${TOTAL} --concurrency ${CONCURRENCY} --seed ${values.seed}\`; embedded mode, API keys on, ${routes.length} routes (every route of the OpenAPI document plus the hidden ones), body limit ${BODY_LIMIT / 1024} KiB, ${seconds.toFixed(1)} s over loopback.\n`);
    console.log('| category | requests | 2xx | 4xx | 5xx | no answer | reset while sending an over-limit request | non-2xx not in the error format |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [category, r] of [...rows.entries()].sort()) {
      console.log(`| ${category} | ${r.requests} | ${r.s2xx} | ${r.s4xx} | ${r.s5xx} | ${r.noAnswer} | ${r.resetOverLimit} | ${r.badFormat} |`);
    }
    console.log(
      `| **all** | **${total.requests}** | **${total.s2xx}** | **${total.s4xx}** | **${total.s5xx}** | **${total.noAnswer}** | **${total.resetOverLimit}** | **${total.badFormat}** |`,
    );
    console.log('');
    console.log(`Status codes: ${[...statuses.entries()].sort().map(([s, n]) => `${s} × ${n}`).join(', ')}.\n`);
    console.log('| check | result |');
    console.log('|---|---|');
    console.log(`| 5xx answers | ${total.s5xx} |`);
    console.log(`| non-2xx answers not in \`{error: {code, message, details}}\` | ${total.badFormat} |`);
    console.log(`| requests within the limits left without an answer | ${violations.filter((v) => v.includes('no answer')).length} |`);
    console.log(`| over-limit requests whose early 413/431 was lost to the reset while the client still sent | ${total.resetOverLimit} |`);
    console.log(`| process alive, /healthz 200, recommendations served after the run | ${alive ? 'yes' : 'NO'}, ${healthy ? 'yes' : 'NO'}, ${answersAfter ? 'yes' : 'NO'} |`);
    console.log(`| RSS before / after (MB) | ${rssBefore.toFixed(0)} / ${rssAfter.toFixed(0)} |`);
    console.log(`| violations | ${violations.length} |`);
    if (clientWriteResets) log(`${clientWriteResets} client-side write resets after an early answer (not counted)`);
    if (violations.length) {
      log(`${violations.length} violations; the first ones:`);
      for (const v of violations.slice(0, 25)) log(`  ${v}`);
    }
    if (violations.length || !alive || !healthy || !answersAfter) exitCode = 1;
  } catch (error) {
    log(`failed: ${(error as Error).stack}\n--- service output ---\n${service.output().slice(-4000)}`);
    exitCode = 1;
  } finally {
    await service.stop('SIGTERM');
  }
} finally {
  if (values.keep) log(`data directory kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN) / 1024;
}
