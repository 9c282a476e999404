import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeArtifact } from '@recsys/core';
import { mulberry32 } from '@recsys/models';
import { main } from './cli.js';

/** A small MovieLens-shaped directory: three groups of users, each rating its own block of movies. */
function plantedDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  const random = mulberry32(5);
  const lines: string[] = [];
  for (let u = 1; u <= 45; u++) {
    const block = (u - 1) % 3;
    for (let j = 1; j <= 20; j++) if (random() < 0.6) lines.push(`${u}\t${block * 20 + j}\t${1 + Math.floor(random() * 5)}\t${880000000 + u * 100 + j}`);
  }
  writeFileSync(join(dir, 'u.data'), lines.join('\n') + '\n');
  return dir;
}

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  return { out: () => out, err: () => err };
}

afterEach(() => vi.restoreAllMocks());

describe('pnpm eval', () => {
  it('trains, ranks through the served pipeline and prints the table, with progress on stderr', async () => {
    const io = capture();
    const modelDir = mkdtempSync(join(tmpdir(), 'eval-models-'));
    const code = await main(['--dataset', 'movielens-100k', '--data', plantedDataset(), '--models', 'popularity,als,svd,ncf,hybrid', '--in-process', '--threads', '1', '--model-dir', modelDir, '--fairness', '0.3']);
    expect(code).toBe(0);
    const table = io.out();
    for (const model of ['popularity', 'als', 'ncf', 'hybrid']) {
      expect(table).toMatch(new RegExp(`\\| ${model} \\| 0 \\| - \\| `));
      expect(table).toMatch(new RegExp(`\\| ${model} \\| 0.15 \\| - \\| `));
      expect(table).toMatch(new RegExp(`\\| ${model} \\| 0.15 \\| 0.3 \\| `));
    }
    expect(table).toContain(
      '| model | diversity | max popular share | MAP | nDCG@10 | Precision@10 | Recall@10 | coverage@10 | exposure Gini | long-tail share | training (s) | peak RSS (MiB) |',
    );
    expect(io.err()).toMatch(/ncf: epoch 1\//);
    expect(io.err()).toMatch(/ranking \d+ users through the served pipeline/);
    // The planted blocks are easy: collaborative models beat popularity by far (ALS's λ, chosen
    // for MovieLens, is far too strong for 45 users, as the trainer's grid search knows).
    const ndcg = (model: string) => Number(new RegExp(`\\| ${model} \\| 0 \\| - \\| [\\d.]+ \\| ([\\d.]+) \\|`).exec(table)![1]);
    // Bounding the head share sends more of the slots to the long tail.
    const cells = (model: string, bound: string) => new RegExp(`\\| ${model} \\| 0.15 \\| ${bound} \\|(.*)\\|`).exec(table)![1]!.split('|').map(Number);
    expect(cells('als', '0.3')[6]).toBeGreaterThan(cells('als', '-')[6]!); // long-tail share
    expect(ndcg('svd')).toBeGreaterThan(ndcg('popularity') + 0.2);
    expect(ndcg('ncf')).toBeGreaterThan(ndcg('popularity') + 0.2);
    expect(ndcg('hybrid')).toBeGreaterThan(ndcg('popularity') + 0.2);
    // The hybrid loads its members from the model directory and adds up their training times.
    expect(table).not.toMatch(/\| hybrid \| 0 \|.*\| loaded \|/);
  });

  it('names a missing dataset file, and the file and line of a malformed one', async () => {
    let io = capture();
    const empty = mkdtempSync(join(tmpdir(), 'eval-empty-'));
    expect(await main(['--dataset', 'movielens-100k', '--data', empty, '--in-process'])).toBe(2);
    expect(io.err()).toContain(`${join(empty, 'u.data')}: file not found`);
    vi.restoreAllMocks();

    io = capture();
    const bad = mkdtempSync(join(tmpdir(), 'eval-bad-'));
    writeFileSync(join(bad, 'u.data'), '1\t2\t3\t4\n1\t3\t4\n');
    expect(await main(['--dataset', 'movielens-100k', '--data', bad, '--in-process'])).toBe(2);
    expect(io.err()).toContain(`${join(bad, 'u.data')}:2: expected 4 tab-separated fields (user, item, rating, timestamp), got 3`);
  });

  it('refuses a model file written by another format version, with a clear message', async () => {
    const data = plantedDataset();
    const modelDir = mkdtempSync(join(tmpdir(), 'eval-models-'));
    let io = capture();
    expect(await main(['--dataset', 'movielens-100k', '--data', data, '--models', 'als', '--in-process', '--model-dir', modelDir])).toBe(0);
    vi.restoreAllMocks();
    writeFileSync(join(modelDir, 'als.bin'), encodeArtifact({ kind: 'als', format: 99, meta: {}, arrays: {} }));
    io = capture();
    expect(await main(['--dataset', 'movielens-100k', '--data', data, '--models', 'als', '--in-process', '--model-dir', modelDir, '--reuse-models'])).toBe(3);
    expect(io.err()).toMatch(/model file .*als\.bin refused: als artifact has format version 99; this build reads version 1: retrain the model/);
  });

  it('explains its usage on bad arguments', async () => {
    const io = capture();
    expect(await main(['--dataset', 'netflix'])).toBe(2);
    expect(io.err()).toMatch(/--dataset must be one of movielens-100k, movielens-1m/);
    expect(io.err()).toContain('usage: pnpm eval');
  });
});
