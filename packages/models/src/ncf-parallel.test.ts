import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('NCF worker threads', () => {
  // vitest itself covers loading the workers under vitest (ncf.test.ts); this covers a plain tsx run.
  it('load and train when the caller runs under tsx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncf-tsx-'));
    const script = join(dir, 'train.mts');
    const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
    writeFileSync(
      script,
      `import { NeuMF } from ${JSON.stringify(here('./ncf.ts'))};
import { plantBlocks } from ${JSON.stringify(here('./planted-blocks.ts'))};
const epochs: number[] = [];
const model = await new NeuMF({ gmfFactors: 4, mlpFactors: 4, mlpLayers: [4], epochs: 3, threads: 2 })
  .fitAsync(plantBlocks().matrix, { onProgress: (e) => epochs.push(e) });
console.log(JSON.stringify({ epochs, finite: model.parameters.every(Number.isFinite) }));
`,
    );
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const run = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim())).toEqual({ epochs: [1, 2, 3], finite: true });
  });
});
