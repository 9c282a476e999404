import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { record } from '../contract/model-registry-contract.js';
import { EmbeddedModelRegistry } from './model-registry.js';
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

const bytes = (...values: number[]) => new Uint8Array(values);

// The port's behaviour is in ../contract; these are the embedded registry's own: layout on disk, a
// save cut short, a damaged artifact.
describe('EmbeddedModelRegistry', () => {
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

});
