// loadArtifact and replaceArtifacts, on both registries: how an erased user is scrubbed out of
// model versions trained before the erasure. The old bytes must be gone (no file, no value left).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelRegistry } from '@recsys/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record } from './contract/model-registry-contract.js';
import { createEmbeddedModelRegistry } from './embedded/model-registry.js';
import { RedisModelRegistry } from './redis/redis-model-registry.js';
import { uniquePrefix } from './redis/test-harness.js';
import { type RedisTestServer, startRedisServer } from './redis/testing/redis-server.js';

const text = (s: string) => new TextEncoder().encode(s);
const ids = (list: string[]) => text(JSON.stringify(list));

let server: RedisTestServer;
let admin: Redis;
const dirs: string[] = [];
beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
});
afterAll(async () => {
  await admin?.quit();
  await server?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function exercise(registry: ModelRegistry, reopen: () => ModelRegistry): Promise<void> {
  await registry.save(record('v1', '2026-01-01T00:00:00Z'), { 'user-ids.json': ids(['alice', 'bob']), 'als.bin': new Uint8Array([1, 2, 3]) });
  expect(await registry.loadArtifact!('v1', 'user-ids.json')).toEqual(ids(['alice', 'bob']));
  expect(await registry.loadArtifact!('v1', 'nope')).toBeUndefined();

  await registry.replaceArtifacts!('v1', { 'user-ids.json': ids(['', 'bob']) });
  expect(await registry.load('v1')).toEqual({ 'user-ids.json': ids(['', 'bob']), 'als.bin': new Uint8Array([1, 2, 3]) });
  expect(await reopen().load('v1')).toEqual({ 'user-ids.json': ids(['', 'bob']), 'als.bin': new Uint8Array([1, 2, 3]) });
  // Only existing artifacts can be replaced, and only of existing versions.
  await expect(registry.replaceArtifacts!('v1', { 'new.bin': new Uint8Array([0]) })).rejects.toThrow(/no artifact new.bin/);
  await expect(registry.replaceArtifacts!('v9', { 'user-ids.json': ids([]) })).rejects.toThrow(/does not exist/);
}

describe('replacing artifacts of a stored model version', () => {
  it('embedded: the version reads back with the new bytes, and no file holds the old ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-scrub-'));
    dirs.push(dir);
    const registry = createEmbeddedModelRegistry({ dir });
    await exercise(registry, () => createEmbeddedModelRegistry({ dir }));
    const versionDir = path.join(dir, 'versions', 'v1');
    const leftovers = readdirSync(versionDir).filter((file) => readFileSync(path.join(versionDir, file)).includes('alice'));
    expect(leftovers).toEqual([]);
    expect(readdirSync(versionDir).sort()).toHaveLength(3); // model.json and the two artifacts
  });

  it('Redis: the version reads back with the new bytes, and no value holds the old ones', async () => {
    const keyPrefix = uniquePrefix();
    const registry = new RedisModelRegistry({ url: server.url, keyPrefix });
    const others: RedisModelRegistry[] = [];
    try {
      await exercise(registry, () => {
        const other = new RedisModelRegistry({ url: server.url, keyPrefix });
        others.push(other);
        return other;
      });
      const keys = await admin.keys(`${keyPrefix}*`);
      for (const key of keys) {
        const type = await admin.type(key);
        const values = type === 'hash' ? Object.values(await admin.hgetallBuffer(key)) : type === 'string' ? [await admin.getBuffer(key)] : [];
        for (const value of values) expect(value?.includes('alice')).toBe(false);
      }
    } finally {
      await registry.close();
      for (const other of others) await other.close();
    }
  });
});
