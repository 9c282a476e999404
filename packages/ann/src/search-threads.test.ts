import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAISS_ADDON_PATH, loadFaissAddon } from './faiss-addon.js';

const load = loadFaissAddon();

/** Runs an ES module script in a fresh Node process with the addon at `addon`; returns its exit and output. */
function runScript(body: string) {
  const script = `
    import { createRequire } from 'node:module';
    const addon = createRequire(import.meta.url)(${JSON.stringify(DEFAULT_FAISS_ADDON_PATH)});
    const d = 8;
    const index = addon.Index.fromFactory(d, 'Flat', 0);
    index.add(Array.from({ length: 2000 * d }, (_, i) => Math.sin(i)));
    const query = (q) => Float32Array.from({ length: d }, (_, i) => Math.cos(q + i));
    ${body}
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, signal: run.signal, stdout: run.stdout.trim(), stderr: run.stderr };
}

// The searches run on the addon's own threads, which answer through a function that must keep a
// process alive exactly while answers are due, and never call into it once it has ended.
describe.skipIf(!load.ok)('searchAsync on the search threads', () => {
  it('keeps a script alive until its searches answer, then lets it exit', () => {
    const run = runScript(`
      const answers = await Promise.all(Array.from({ length: 50 }, (_, q) => index.searchAsync(query(q), 10)));
      const again = await index.searchAsync(query(7), 10);
      console.log(answers.length, answers[7].labels.join(',') === again.labels.join(','), again.labels.length);
    `);
    expect(run, run.stderr).toMatchObject({ status: 0, signal: null, stdout: '50 true 10' });
  });

  it('exits cleanly when the process ends with searches still queued', () => {
    const run = runScript(`
      for (let q = 0; q < 200; q++) void index.searchAsync(query(q), 100);
      console.log('queued');
      process.exit(0);
    `);
    expect(run, run.stderr).toMatchObject({ status: 0, signal: null, stdout: 'queued' });
  });
});
