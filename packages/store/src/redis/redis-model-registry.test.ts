import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { record } from '../contract/model-registry-contract.js';
import { RedisModelRegistry } from './redis-model-registry.js';
import { uniquePrefix } from './test-harness.js';
import { redisTestSuite } from './redis-test-suite.js';

const suite = redisTestSuite();
const { harnesses } = suite;

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return Date.now() - started;
}

describe('RedisModelRegistry', () => {
  it('tells every other instance about an activation within a second', async () => {
    const prefix = uniquePrefix();
    const worker = harnesses.openRegistry(prefix); // trains and activates
    const replicas = [harnesses.openRegistry(prefix), harnesses.openRegistry(prefix)]; // API replicas
    const seen: string[][] = [[], []];
    replicas.forEach((replica, i) => replica.onActivated((version) => void seen[i]!.push(version)));
    await Promise.all(replicas.map((replica) => replica.subscribed()));

    await worker.save(record('v1', '2026-01-01T00:00:00Z'), { als: new Uint8Array([1, 2, 3]) });
    await worker.activate('v1');
    const elapsed = await eventually(() => seen.every((versions) => versions.includes('v1')), 1000);
    expect(elapsed).toBeLessThan(1000);
    for (const replica of replicas) expect(await replica.load('v1')).toEqual({ als: new Uint8Array([1, 2, 3]) });
  });

  it('delivers the active version after its subscription was cut, though the notice itself was lost', async () => {
    const prefix = uniquePrefix();
    const worker = harnesses.openRegistry(prefix);
    const replica = harnesses.openRegistry(prefix);
    const seen: string[] = [];
    replica.onActivated((version) => void seen.push(version));
    await replica.subscribed();
    await worker.save(record('v1', '2026-01-01T00:00:00Z'), {});
    await suite.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'); // the subscriber reconnects after a short delay
    await worker.activate('v1'); // published while nobody listens
    await eventually(() => seen.includes('v1'), 5000);
    expect(seen).toEqual(['v1']);
  });

  it('stores artifacts as raw bytes with a checksummed manifest and detects damage', async () => {
    const registry = harnesses.openRegistry();
    const factors = new Float32Array([1.5, -2, 0.25]);
    await registry.save(record('v1', '2026-01-01T00:00:00Z'), { factors: new Uint8Array(factors.buffer), 'item/ids': new Uint8Array([7]) });
    const key = registry.keys.modelArtifacts('v1');
    expect(await suite.admin.type(key)).toBe('hash');
    expect(await suite.admin.ttl(key)).toBe(-1);
    expect(await suite.admin.hgetBuffer(key, 'factors')).toEqual(Buffer.from(factors.buffer));
    const stored = JSON.parse((await suite.admin.hget(registry.keys.models, 'v1'))!) as { artifacts: { name: string; bytes: number }[] };
    expect(stored.artifacts.map((a) => [a.name, a.bytes])).toEqual([['factors', 12], ['item/ids', 1]]);

    await suite.admin.hset(key, 'factors', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    await expect(registry.load('v1')).rejects.toMatchObject({ code: 'MODEL_CORRUPT' });
  });

  it('leaves neither a version nor temporary artifacts when a save fails half way', async () => {
    const registry = harnesses.openRegistry();
    const artifacts = { a: new Uint8Array([1]), '': new Uint8Array([2]) }; // the second name is invalid
    await expect(registry.save(record('v1', '2026-01-01T00:00:00Z'), artifacts)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    expect(await registry.get('v1')).toBeUndefined();
    expect(await suite.admin.keys(`${registry.keys.prefix}*`)).toEqual([]);
  });

  it('leaves a client passed in open when it closes', async () => {
    const client = new Redis(suite.server.url);
    const registry = new RedisModelRegistry({ redis: client, keyPrefix: uniquePrefix() });
    registry.onActivated(() => undefined);
    await registry.subscribed();
    await registry.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
