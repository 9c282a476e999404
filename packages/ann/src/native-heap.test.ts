import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAISS_ADDON_PATH, loadFaissAddon } from './faiss-addon.js';

const load = loadFaissAddon();

// The service trims the C heap once after startup: memory freed inside it (typed arrays, buffers)
// otherwise stays resident. Checked in a fresh process, whose resident size nothing else moves.
describe.skipIf(!load.ok || process.platform !== 'linux')('trimNativeHeap', () => {
  it('gives memory freed inside the C heap back to the system', () => {
    const script = `
      import { createRequire } from 'node:module';
      const addon = createRequire(import.meta.url)(${JSON.stringify(DEFAULT_FAISS_ADDON_PATH)});
      const mb = () => Math.round(process.memoryUsage().rss / 1048576);
      // Typed arrays of 32 KB come from malloc's heap; every other one is kept, so what is freed
      // sits between live blocks, where freeing alone never shrinks the heap.
      let arrays = Array.from({ length: 5000 }, () => new Float64Array(4096));
      for (const a of arrays) a.fill(1);
      const kept = arrays.filter((_, i) => i % 2 === 0);
      arrays = undefined;
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = mb();
      const trimmed = addon.trimNativeHeap();
      console.log(JSON.stringify({ trimmed, released: before - mb(), kept: kept.length }));
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { trimmed: boolean; released: number; kept: number };
    expect(result.trimmed).toBe(true);
    // 2,500 arrays of 32 KB freed: ~80 MB.
    expect(result.released).toBeGreaterThan(40);
  });
});
