// Builds the faiss addon (faiss-node's binding, patched) against the system's libfaiss with node-gyp.
// Runs as the package's postinstall. faiss-node's own install script stays disabled: it downloads a
// prebuilt binary or clones faiss from GitHub. A failed build never fails the install: the index
// factory then falls back to exact search and says so. Skips the build when the addon in
// build/Release was made from the same inputs and still loads.
//
//   node native/build.mjs            build if needed
//   node native/build.mjs --force    rebuild
//   RECSYS_SKIP_FAISS_BUILD=1        skip (the service then uses exact search)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const buildDir = join(nativeDir, 'build');
const addonPath = join(buildDir, 'Release', 'faiss_node.node');
const stampPath = join(buildDir, 'stamp.json');
const logPath = join(buildDir, 'build.log');
const ownInputs = ['binding.gyp', 'faiss-node.patch', 'faiss-compat.h', 'fast-search.h', 'search-worker.h', 'search-lanes.h', 'build.mjs'];

const say = (message) => console.log(`[faiss addon] ${message}`);

function giveUp(reason, log) {
  if (log !== undefined) {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(logPath, log);
  }
  rmSync(addonPath, { force: true });
  console.warn(`[faiss addon] not built: ${reason}`);
  if (log !== undefined) console.warn(`[faiss addon] build output: ${logPath}\n${tail(log, 15)}`);
  console.warn('[faiss addon] the ANN index falls back to exact search (install libfaiss-dev libopenblas-dev, then rerun `pnpm install`)');
  process.exit(0);
}

const tail = (text, lines) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** The directory holding the headers of the running Node (include/node/node_version.h), if any. */
function findNodeDir() {
  const candidates = [resolve(dirname(process.execPath), '..'), process.env.npm_config_nodedir].filter(Boolean);
  const [major, minor, patch] = process.versions.node.split('.');
  for (const dir of candidates) {
    const header = join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(header)) continue;
    const text = readFileSync(header, 'utf8');
    const version = ['MAJOR', 'MINOR', 'PATCH'].map((part) => text.match(new RegExp(`#define NODE_${part}_VERSION (\\d+)`))?.[1]);
    if (version.join('.') === [major, minor, patch].join('.')) return dir;
  }
  return undefined;
}

/** Loads the addon in a child process (a broken addon may abort the process) and runs one search. */
function smokeTest() {
  const script = `
    const faiss = require(${JSON.stringify(addonPath)});
    const index = faiss.Index.fromFactory(2, 'HNSW8,Flat', 0);
    index.add([1, 0, 0, 1, 0.6, 0.8]);
    index.setParameter('efSearch', 32);
    const { labels } = index.search([0, 1], 1);
    if (labels[0] !== 1) throw new Error('unexpected search result ' + labels);
  `;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

if (process.env.RECSYS_SKIP_FAISS_BUILD === '1') {
  say('skipped (RECSYS_SKIP_FAISS_BUILD=1)');
  process.exit(0);
}

const requireHere = createRequire(join(nativeDir, '..', 'package.json'));
let faissNodeDir, napiDir, nodeGypScript;
try {
  faissNodeDir = dirname(requireHere.resolve('faiss-node/package.json'));
  napiDir = dirname(createRequire(join(faissNodeDir, 'package.json')).resolve('node-addon-api/package.json'));
  nodeGypScript = requireHere.resolve('node-gyp/bin/node-gyp.js');
} catch (error) {
  giveUp(`a build dependency is missing (${error.message.split('\n')[0]})`);
}

const hash = createHash('sha256');
for (const file of ownInputs) hash.update(readFileSync(join(nativeDir, file)));
hash.update(readFileSync(join(faissNodeDir, 'src', 'faiss.cc')));
hash.update(readFileSync(join(napiDir, 'package.json')));
hash.update(`${process.platform}-${process.arch}-${process.versions.modules}`);
const stamp = hash.digest('hex');

if (!process.argv.includes('--force') && existsSync(addonPath) && existsSync(stampPath)) {
  const previous = JSON.parse(readFileSync(stampPath, 'utf8'));
  if (previous.stamp === stamp && smokeTest().status === 0) {
    say('up to date');
    process.exit(0);
  }
}

const started = Date.now();
rmSync(buildDir, { recursive: true, force: true });
mkdirSync(join(buildDir, 'src'), { recursive: true });
copyFileSync(join(faissNodeDir, 'src', 'faiss.cc'), join(buildDir, 'src', 'faiss.cc'));
for (const header of ['faiss-compat.h', 'fast-search.h', 'search-worker.h', 'search-lanes.h']) copyFileSync(join(nativeDir, header), join(buildDir, 'src', header));

let log = '';
const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: nativeDir, encoding: 'utf8', env: { ...process.env } });
  log += `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}\n`;
  return result.status === 0;
};

if (!run('patch', ['-p1', '--forward', '--no-backup-if-mismatch', '-d', buildDir, '-i', join(nativeDir, 'faiss-node.patch')])) {
  giveUp('could not apply faiss-node.patch', log);
}

const nodeDir = findNodeDir();
const nodeDirArgs = nodeDir ? [`--nodedir=${nodeDir}`] : [];
if (!run(process.execPath, [nodeGypScript, 'configure', ...nodeDirArgs, '--', `-Dnapi_include=${napiDir}`])) {
  giveUp('node-gyp configure failed', log);
}
if (!run(process.execPath, [nodeGypScript, 'build', ...nodeDirArgs])) {
  giveUp('compilation failed (are libfaiss-dev and libopenblas-dev installed?)', log);
}

const check = smokeTest();
if (check.status !== 0) giveUp('the built addon does not load or search', `${log}\n$ smoke test\n${check.stdout}${check.stderr}`);

writeFileSync(logPath, log);
writeFileSync(stampPath, `${JSON.stringify({ stamp, nodeDir: nodeDir ?? null, builtAt: new Date().toISOString() }, null, 2)}\n`);
say(`built ${addonPath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
