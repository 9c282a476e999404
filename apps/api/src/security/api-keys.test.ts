import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeyConfigError, loadApiKeys, parseKeyFile, parseKeyList } from './api-keys.js';
import { loadSecuritySettings, NO_KEYS_IN_PRODUCTION } from './security-settings.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'recsys-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('API key definitions', () => {
  it('reads name:scopes:secret[:limit] entries separated by commas', () => {
    expect(parseKeyList('backend:read+write:0123456789abcdef0, ops:admin:fedcba9876543210f:120', 'RECSYS_API_KEYS')).toEqual([
      { name: 'backend', scopes: ['read', 'write'], secret: '0123456789abcdef0' },
      { name: 'ops', scopes: ['admin'], secret: 'fedcba9876543210f', rateLimitPerMinute: 120 },
    ]);
  });

  it('reads a JSON secrets file and a line file with comments', () => {
    const json = path.join(dir, 'keys.json');
    writeFileSync(json, JSON.stringify({ keys: [{ name: 'scraper', scopes: ['metrics'], key: 'scrape-0123456789abcdef', rate_limit_per_minute: 30 }] }));
    const lines = path.join(dir, 'keys.txt');
    writeFileSync(lines, '# the backend\nbackend:read+write:line-secret-0123456789\n\n');
    expect(loadApiKeys({ RECSYS_API_KEYS_FILE: json })).toEqual([{ name: 'scraper', scopes: ['metrics'], secret: 'scrape-0123456789abcdef', rateLimitPerMinute: 30 }]);
    expect(loadApiKeys({ RECSYS_API_KEYS_FILE: lines, RECSYS_ADMIN_API_KEY: 'legacy-admin-0123456789' })).toEqual([
      { name: 'backend', scopes: ['read', 'write'], secret: 'line-secret-0123456789' },
      { name: 'admin_api_key', scopes: ['admin'], secret: 'legacy-admin-0123456789' },
    ]);
  });

  it('refuses malformed definitions naming the key, never quoting its secret', () => {
    const refused = (text: string) => {
      try {
        parseKeyList(text, 'RECSYS_API_KEYS');
      } catch (error) {
        expect(error).toBeInstanceOf(ApiKeyConfigError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(refused('backend:read+delete:0123456789abcdef0')).toMatch(/unknown scope "delete"/);
    expect(refused('backend:read:short-secret')).toMatch(/"backend" is shorter than 16/);
    expect(refused('backend:read:short-secret')).not.toContain('short-secret');
    expect(refused('backend:read:0123456789abcdef0:lots')).toMatch(/rate limit of key "backend"/);
    expect(refused('backend-with-no-secret')).toMatch(/is not name:scope1\+scope2:secret/);
    expect(refused('back end:read:0123456789abcdef0')).toMatch(/key name/);
    expect(() => parseKeyFile('{"keys": [{"name": "x", "scopes": "read", "key": "0123456789abcdef0"}]}', 'file')).toThrow(/"scopes", a list/);
    expect(() => parseKeyFile('[{"name": ', 'file')).toThrow(/not valid JSON/);
  });

  it('refuses a name or a secret used twice, and an unreadable file', () => {
    expect(() => loadApiKeys({ RECSYS_API_KEYS: 'a:read:0123456789abcdef0,a:write:0123456789abcdef1' })).toThrow(/"a" is defined twice/);
    expect(() => loadApiKeys({ RECSYS_API_KEYS: 'a:read:0123456789abcdef0,b:write:0123456789abcdef0' })).toThrow(/same secret/);
    expect(() => loadApiKeys({ RECSYS_API_KEYS_FILE: path.join(dir, 'missing') })).toThrow(/cannot read .*ENOENT/);
  });
});

describe('security settings', () => {
  it('refuses production without a key, and starts open elsewhere', () => {
    expect(() => loadSecuritySettings({ NODE_ENV: 'production' })).toThrow(NO_KEYS_IN_PRODUCTION);
    expect(loadSecuritySettings({ NODE_ENV: 'production', RECSYS_API_KEYS: 'b:read:0123456789abcdef0' }).apiKeys).toHaveLength(1);
    expect(loadSecuritySettings({})).toEqual({ apiKeys: [], corsOrigins: [], metricsPublic: false });
  });

  it('takes CORS origins as a list and refuses anything that is not an origin', () => {
    expect(loadSecuritySettings({ RECSYS_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000/' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(() => loadSecuritySettings({ RECSYS_CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/not an origin/);
    expect(() => loadSecuritySettings({ RECSYS_CORS_ORIGINS: 'app.example.com' })).toThrow(/not an origin/);
  });
});
