// `pnpm bench reliability [--part <name>] [part options]`: runs the reliability checks of the
// production-readiness issue one after another, each in its own process, and fails if any fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PARTS: Record<string, string> = {
  'cold-start': 'cold start on MovieLens-100k: demographics and 3 liked titles vs popularity',
  fuzz: 'malformed and hostile requests against a running server: zero 5xx, every error in the error format',
  faults: 'distributed mode: Redis killed under load, worker killed mid-retrain',
  soak: 'mixed traffic for a while: RSS growth and errors',
  gdpr: 'after erasure no key, log line or next model version carries the user',
};

const args = process.argv.slice(2);
const at = args.indexOf('--part');
const wanted = at >= 0 ? args[at + 1] : undefined;
const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
if (wanted !== undefined && !(wanted in PARTS)) {
  console.error(`unknown part "${wanted}"; parts:\n${Object.entries(PARTS).map(([n, w]) => `  ${n.padEnd(11)} ${w}`).join('\n')}`);
  process.exit(2);
}
let failed = 0;
for (const part of wanted ? [wanted] : Object.keys(PARTS)) {
  const script = path.join(HERE, 'reliability', `${part}.ts`);
  if (!existsSync(script)) {
    console.error(`part ${part}: ${script} is missing`);
    failed++;
    continue;
  }
  console.log(`\n## ${part}: ${PARTS[part]}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...rest], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
