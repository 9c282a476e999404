import type { ModelRecord } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { ModelRegistryError } from '../embedded/model-registry.js';
import type { RegistryHarness } from './harness.js';

export function record(version: string, created_at: string): Omit<ModelRecord, 'status'> {
  return { version, created_at, components: ['popularity', 'als'], metrics: { ndcg_at_10: 0.4 }, training_seconds: 12 };
}

const bytes = (...values: number[]) => new Uint8Array(values);

/** Every behaviour the ModelRegistry port promises, to run against each adapter. */
export function modelRegistryContract(harness: RegistryHarness): void {
  describe('model registry', () => {
    it('saves without activating, activates, and finds it all again through a new instance', async () => {
      const registry = await harness.create();
      const saved = await registry.save(record('2026-01-01T03:00Z-als', '2026-01-01T03:00:00Z'), {
        als: bytes(1, 2, 3),
        popularity: bytes(4),
      });
      expect(saved.status).toBe('inactive');
      expect(await registry.activeVersion()).toBeUndefined();
      await registry.save(record('v2', '2026-01-02T03:00:00Z'), { als: bytes(9) });

      const activated = await registry.activate('2026-01-01T03:00Z-als');
      expect(activated.status).toBe('active');
      expect(await registry.activeVersion()).toBe('2026-01-01T03:00Z-als');

      const reopened = await harness.reopen(registry);
      expect(await reopened.activeVersion()).toBe('2026-01-01T03:00Z-als');
      expect((await reopened.list()).map((m) => [m.version, m.status])).toEqual([
        ['v2', 'inactive'],
        ['2026-01-01T03:00Z-als', 'active'],
      ]);
      expect(await reopened.load('2026-01-01T03:00Z-als')).toEqual({ als: bytes(1, 2, 3), popularity: bytes(4) });
      expect(await reopened.get('2026-01-01T03:00Z-als')).toEqual({
        ...record('2026-01-01T03:00Z-als', '2026-01-01T03:00:00Z'),
        status: 'active',
      });
      expect(await reopened.get('nope')).toBeUndefined();
    });

    it('moves the active status on activate (rollback) and keeps rejected versions marked', async () => {
      const registry = await harness.create();
      await registry.save(record('a', '2026-01-01T00:00:00Z'), {});
      await registry.save(record('b', '2026-01-02T00:00:00Z'), {});
      await registry.save(record('c', '2026-01-03T00:00:00Z'), {}, { status: 'rejected' });
      await registry.activate('b');
      await registry.activate('a');
      const statuses = Object.fromEntries((await registry.list()).map((m) => [m.version, m.status]));
      expect(statuses).toEqual({ a: 'active', b: 'inactive', c: 'rejected' });
      expect(await registry.load('a')).toEqual({});
    });

    it('refuses an unknown version with a stable code', async () => {
      const registry = await harness.create();
      await registry.save(record('a', '2026-01-01T00:00:00Z'), {});
      await registry.activate('a');
      const error = await registry.activate('missing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelRegistryError);
      expect((error as ModelRegistryError).code).toBe('MODEL_NOT_FOUND');
      await expect(registry.load('missing')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      expect(await registry.activeVersion()).toBe('a');
    });

    it('refuses to overwrite a version', async () => {
      const registry = await harness.create();
      await registry.save(record('a', '2026-01-01T00:00:00Z'), { x: bytes(1) });
      await expect(registry.save(record('a', '2026-01-01T00:00:00Z'), { x: bytes(2) })).rejects.toMatchObject({
        code: 'MODEL_EXISTS',
      });
      expect(await registry.load('a')).toEqual({ x: bytes(1) });
    });

    it('rejects version names that cannot be stored', async () => {
      const registry = await harness.create();
      for (const version of ['', '.', '..', '.hidden']) {
        await expect(registry.save(record(version, '2026-01-01T00:00:00Z'), {})).rejects.toMatchObject({
          code: 'MODEL_INVALID',
        });
      }
    });

    it('hands back artifacts as aligned copies that decoders may view as Float32Array', async () => {
      const registry = await harness.create();
      const factors = new Float32Array([0.5, -1.25, 3e-8, 1e30]);
      await registry.save(record('f', '2026-01-01T00:00:00Z'), { factors: new Uint8Array(factors.buffer) });
      const loaded = (await registry.load('f')).factors!;
      expect(new Float32Array(loaded.buffer, loaded.byteOffset, 4)).toEqual(factors);
    });

    it('tells onActivated listeners about activations until they unsubscribe', async () => {
      const registry = await harness.create();
      const seen: string[] = [];
      const stop = registry.onActivated!((version) => {
        seen.push(version);
      });
      await harness.ready?.(registry);
      await registry.save(record('a', '2026-01-01T00:00:00Z'), {});
      await registry.save(record('b', '2026-01-02T00:00:00Z'), {});
      await registry.activate('a');
      await registry.activate('b');
      await eventually(() => seen.length === 2);
      expect(seen).toEqual(['a', 'b']);
      stop();
      await registry.activate('a');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual(['a', 'b']);
    });
  });
}

async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
