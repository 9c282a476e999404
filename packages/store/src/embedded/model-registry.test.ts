import fs from 'node:fs';
import path from 'node:path';
import type { ModelRecord } from '@recsys/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedModelRegistry, ModelRegistryError } from './model-registry.js';
import { removeDir, tempDir } from './test-support.js';

const dirs: string[] = [];
function newDir(): string {
  const dir = tempDir('recsys-models-');
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function record(version: string, created_at: string): Omit<ModelRecord, 'status'> {
  return { version, created_at, components: ['popularity', 'als'], metrics: { ndcg_at_10: 0.4 }, training_seconds: 12 };
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe('EmbeddedModelRegistry', () => {
  it('saves without activating, activates, and finds it all again after a reopen', async () => {
    const dir = newDir();
    const registry = new EmbeddedModelRegistry({ dir });
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

    const reopened = new EmbeddedModelRegistry({ dir });
    expect(await reopened.activeVersion()).toBe('2026-01-01T03:00Z-als');
    expect((await reopened.list()).map((m) => [m.version, m.status])).toEqual([
      ['v2', 'inactive'],
      ['2026-01-01T03:00Z-als', 'active'],
    ]);
    expect(await reopened.load('2026-01-01T03:00Z-als')).toEqual({ als: bytes(1, 2, 3), popularity: bytes(4) });
    expect(await reopened.get('2026-01-01T03:00Z-als')).toEqual({ ...record('2026-01-01T03:00Z-als', '2026-01-01T03:00:00Z'), status: 'active' });
    expect(await reopened.get('nope')).toBeUndefined();
  });

  it('moves the active status on activate (rollback) and keeps rejected versions marked', async () => {
    const registry = new EmbeddedModelRegistry({ dir: newDir() });
    await registry.save(record('a', '2026-01-01T00:00:00Z'), {});
    await registry.save(record('b', '2026-01-02T00:00:00Z'), {});
    await registry.save(record('c', '2026-01-03T00:00:00Z'), {}, { status: 'rejected' });
    await registry.activate('b');
    await registry.activate('a');
    const statuses = Object.fromEntries((await registry.list()).map((m) => [m.version, m.status]));
    expect(statuses).toEqual({ a: 'active', b: 'inactive', c: 'rejected' });
  });

  it('refuses an unknown version with a stable code', async () => {
    const registry = new EmbeddedModelRegistry({ dir: newDir() });
    await registry.save(record('a', '2026-01-01T00:00:00Z'), {});
    await registry.activate('a');
    const error = await registry.activate('missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRegistryError);
    expect((error as ModelRegistryError).code).toBe('MODEL_NOT_FOUND');
    await expect(registry.load('missing')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(await registry.activeVersion()).toBe('a');
  });

  it('refuses to overwrite a version', async () => {
    const registry = new EmbeddedModelRegistry({ dir: newDir() });
    await registry.save(record('a', '2026-01-01T00:00:00Z'), { x: bytes(1) });
    await expect(registry.save(record('a', '2026-01-01T00:00:00Z'), { x: bytes(2) })).rejects.toMatchObject({
      code: 'MODEL_EXISTS',
    });
    expect(await registry.load('a')).toEqual({ x: bytes(1) });
  });

  it('stores each version in its own folder with one file per artifact and model.json', async () => {
    const dir = newDir();
    const registry = new EmbeddedModelRegistry({ dir });
    await registry.save(record('v1+ncf', '2026-01-01T00:00:00Z'), { ncf: bytes(1, 2), 'item/ids': bytes(3) });
    await registry.activate('v1+ncf');
    const folder = path.join(dir, 'versions', encodeURIComponent('v1+ncf'));
    expect(fs.readdirSync(folder).sort()).toEqual(['item%2Fids.bin', 'model.json', 'ncf.bin']);
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8'))).toMatchObject({
      version: 'v1+ncf',
      status: 'inactive',
    });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'registry.json'), 'utf8'))).toEqual({ format: 1, active: 'v1+ncf' });
  });

  it('ignores a version whose save was cut short and detects a damaged artifact', async () => {
    const dir = newDir();
    const registry = new EmbeddedModelRegistry({ dir });
    await registry.save(record('good', '2026-01-01T00:00:00Z'), { als: bytes(1, 2, 3) });
    fs.mkdirSync(path.join(dir, 'versions', '.tmp-crashed'));
    fs.writeFileSync(path.join(dir, 'versions', '.tmp-crashed', 'als.bin'), 'partial');
    fs.writeFileSync(path.join(dir, 'versions', 'good', 'als.bin'), bytes(1, 2, 4));

    const reopened = new EmbeddedModelRegistry({ dir });
    expect((await reopened.list()).map((m) => m.version)).toEqual(['good']);
    expect(fs.existsSync(path.join(dir, 'versions', '.tmp-crashed'))).toBe(false);
    await expect(reopened.load('good')).rejects.toMatchObject({ code: 'MODEL_CORRUPT' });
  });

  it('rejects version names that cannot be a folder', async () => {
    const registry = new EmbeddedModelRegistry({ dir: newDir() });
    for (const version of ['', '.', '..', '.hidden']) {
      await expect(registry.save(record(version, '2026-01-01T00:00:00Z'), {})).rejects.toMatchObject({
        code: 'MODEL_INVALID',
      });
    }
  });
});
