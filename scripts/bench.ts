// `pnpm bench <name> [options]`: runs one benchmark; each prints Markdown for docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCHMARKS: Record<string, { script: string; what: string }> = {
  ingest: { script: 'apps/api/bench/ingest.ts', what: 'events/s through POST /v1/events into Redis (distributed mode)' },
  serve: { script: 'apps/api/bench/serve.ts', what: 'recommendation latency, throughput and RSS of the service on a synthetic catalogue' },
  ann: { script: 'packages/ann/src/bench/ann.ts', what: 'ANN index build time, recall@k, query time, index memory and score error per structure' },
  learning: { script: 'apps/api/bench/learning.ts', what: 'bandit, A/B experiments and online learning, simulated users over HTTP' },
  context: { script: 'apps/api/bench/context.ts', what: 'context signals: ML-100k time-ordered split and a planted-effect simulator over HTTP' },
  reliability: { script: 'apps/api/bench/reliability.ts', what: 'cold start, fuzzing, fault injection, soak and erasure checks (--part <name>)' },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  console.error(`usage: pnpm bench <name> [options]\n${Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(12)} ${b.what}`).join('\n')}`);
  process.exit(name ? 2 : 0);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, bench.script), ...args], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
