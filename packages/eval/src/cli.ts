import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EVAL_CONFIG } from './config.js';
import { DATASETS, type DatasetName, DatasetError, loadDataset } from './datasets.js';
import { MODELS, type ModelName, ModelFileError, type ResultRow, trainAndEvaluate } from './harness.js';
import { DEFAULT_PROTOCOL, evaluationData, splitPerUser } from './protocol.js';
import { formatTable } from './report.js';

const USAGE = `usage: pnpm eval --dataset <${DATASETS.join('|')}> --data <dir> [options]

  --models <list>     comma-separated, from ${MODELS.join(', ')} (default: all)
  --split <name>      test (default) or validation: the same protocol applied to the training part,
                      for choosing hyper-parameters without looking at the test ratings
  --threads <n>       NCF training threads (default 2)
  --model-dir <dir>   where trained models are written (default: a new temporary directory)
  --reuse-models      load the models found in --model-dir instead of training them
  --in-process        run every model in this process (peak memory then accumulates across rows)
  --fairness <list>   comma-separated max_popular_share bounds (0-1) evaluated at the served diversity
                      besides the unbounded rows, e.g. 0.5,0.3: the fairness-aware re-ranking trade-off`;

interface CliOptions {
  dataset: DatasetName;
  data: string;
  models: ModelName[];
  split: 'test' | 'validation';
  threads: number;
  modelDir: string;
  reuse: boolean;
  inProcess: boolean;
  fairness: number[];
  child?: ModelName;
  trained: Partial<Record<ModelName, number>>;
}

class UsageError extends Error {}

function parse(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      data: { type: 'string' },
      models: { type: 'string' },
      split: { type: 'string', default: 'test' },
      threads: { type: 'string', default: '2' },
      'model-dir': { type: 'string' },
      'reuse-models': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      fairness: { type: 'string' },
      child: { type: 'string' },
      trained: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const dataset = values.dataset as DatasetName | undefined;
  if (!dataset || !DATASETS.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}`);
  if (!values.data) throw new UsageError('--data <dir> is required: the directory holding the dataset files');
  const models = (values.models?.split(',').map((m) => m.trim()).filter(Boolean) ?? [...MODELS]) as ModelName[];
  const unknown = models.filter((m) => !MODELS.includes(m));
  if (unknown.length) throw new UsageError(`unknown model(s) ${unknown.join(', ')}; choose from ${MODELS.join(', ')}`);
  if (values.split !== 'test' && values.split !== 'validation') throw new UsageError('--split must be test or validation');
  const fairness = values.fairness?.split(',').map((v) => Number(v.trim())) ?? [];
  if (fairness.some((share) => !(share >= 0 && share <= 1))) throw new UsageError('--fairness takes numbers from 0 to 1, e.g. 0.5,0.3');
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError('--threads must be a positive integer');
  return {
    dataset,
    data: values.data,
    models,
    split: values.split,
    threads,
    modelDir: values['model-dir'] ?? mkdtempSync(join(tmpdir(), 'recsys-eval-')),
    reuse: values['reuse-models'],
    inProcess: values['in-process'],
    fairness,
    child: values.child as ModelName | undefined,
    trained: values.trained ? (JSON.parse(values.trained) as CliOptions['trained']) : {},
  };
}

const progress = (message: string) => process.stderr.write(`[eval] ${message}\n`);

function prepare(o: CliOptions) {
  const dataset = loadDataset(o.dataset, o.data);
  const { testShare, seed } = DEFAULT_PROTOCOL;
  let split = splitPerUser(dataset.ratings, testShare, seed);
  // Validation: the same protocol on the training part only; the test ratings stay unseen.
  if (o.split === 'validation') split = splitPerUser(split.train, testShare, seed + 1);
  return { dataset, data: evaluationData(dataset.items, split) };
}

async function runOne(model: ModelName, o: CliOptions, data = prepare(o).data, trained = o.trained): Promise<ResultRow[]> {
  return trainAndEvaluate(model, {
    data,
    config: EVAL_CONFIG,
    k: DEFAULT_PROTOCOL.k,
    threads: o.threads,
    modelDir: o.modelDir,
    reuse: o.reuse,
    trainedSeconds: trained,
    progress,
    fairness: o.fairness,
  });
}

/** Runs one model in a child process, so its peak memory is its own. */
function runInChild(model: ModelName, argv: string[], trained: CliOptions['trained'], modelDir: string): Promise<ResultRow[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...argv, '--child', model, '--model-dir', modelDir, '--trained', JSON.stringify(trained)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let rows: ResultRow[] | undefined;
    child.on('message', (message) => (rows = message as ResultRow[]));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && rows ? resolve(rows) : reject(new ChildFailed(model, code ?? -1))));
  });
}

class ChildFailed extends Error {
  constructor(
    readonly model: ModelName,
    readonly code: number,
  ) {
    super(`${model} failed (exit code ${code})`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parse(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message ? `error: ${message}\n\n` : ''}${USAGE}\n`);
    return 2;
  }
  try {
    if (o.child) {
      const rows = await runOne(o.child, o);
      process.send?.(rows);
      return 0;
    }
    const { dataset, data } = prepare(o);
    const users = new Set(dataset.ratings.map((r) => r.user)).size;
    progress(
      `${dataset.name}: ${dataset.ratings.length} ratings, ${users} users, ${dataset.items.length} items; ` +
        `${o.split} split (per-user ${100 - DEFAULT_PROTOCOL.testShare * 100}/${DEFAULT_PROTOCOL.testShare * 100}, seed ${DEFAULT_PROTOCOL.seed}), k = ${DEFAULT_PROTOCOL.k}; models in ${o.modelDir}`,
    );
    const rows: ResultRow[] = [];
    const trained: CliOptions['trained'] = {};
    // Members of the hybrid train first, so it can load them.
    const order = [...o.models].sort((a, b) => Number(a === 'hybrid') - Number(b === 'hybrid'));
    for (const model of order) {
      const result = o.inProcess ? await runOne(model, o, data, trained) : await runInChild(model, argv, trained, o.modelDir);
      if (Number.isFinite(result[0]!.trainSeconds)) trained[model] = result[0]!.trainSeconds;
      rows.push(...result);
    }
    process.stdout.write(formatTable(rows, { dataset: dataset.name, split: o.split }) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof DatasetError || error instanceof ModelFileError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error instanceof DatasetError ? 2 : 3;
    }
    if (error instanceof ChildFailed) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.code === 2 || error.code === 3 ? error.code : 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
