// Builds the API and the worker into one ES module each (apps/<app>/dist/main.js, with a source
// map), so production runs plain `node` without a TypeScript loader thread.
//
// - Workspace packages (@recsys/*) export their TypeScript sources: they are bundled.
// - Every third-party package stays external and is loaded by node from node_modules at run time
//   (several read their own files: static assets, lua scripts, worker transports). Those the app
//   declares itself resolve from apps/<app>/node_modules. Those only a workspace package depends on
//   are not visible from the app folder under pnpm's isolated layout, so dist/node_modules gets a
//   relative symlink to the very copy that package resolves: node then loads one instance of each
//   (bullmq and the stores share ioredis), and imports with a computed name (`natural`) work too.
// - Workspace sources that find files next to themselves through `import.meta.url` get the URL of
//   their original .ts file, computed relative to the bundle, so the lookups keep working wherever
//   the repository is checked out.
//
// Usage: node scripts/build.mjs [api|worker ...]   (no argument: both apps)
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = ['api', 'worker'];
const BUILTINS = new Set(builtinModules);

const toPosix = (p) => p.split(path.sep).join('/');
const isWorkspaceFile = (file) => !file.split(path.sep).includes('node_modules');

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The real directory node loads `name` from when resolving from `dir` (walks up node_modules folders). */
function packageDirFrom(name, dir) {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(current) === current) return undefined;
  }
}

/** The nearest package.json above `file`: its folder and parsed contents. */
function owningPackage(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) return { dir, manifest: JSON.parse(readFileSync(manifest, 'utf8')) };
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${file}`);
  }
}

/** Replaces `import.meta.url` in workspace sources by their original file's URL, relative to the bundle. */
function sourceUrlPlugin(outdir) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (!isWorkspaceFile(args.path)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const relative = toPosix(path.relative(outdir, args.path));
        const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/** Keeps every bare import that is not a workspace package external; records who imported what. */
function thirdPartyExternalPlugin(imports) {
  return {
    name: 'third-party-external',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path) || BUILTINS.has(packageName(args.path))) return { external: true };
        if (args.path.startsWith('@recsys/')) return undefined; // bundled from its sources
        const name = packageName(args.path);
        if (!imports.has(name)) imports.set(name, args.resolveDir);
        return { external: true };
      });
    },
  };
}

/** Writes through a temporary name, so a service starting meanwhile never reads half a file. */
function writeAtomically(file, contents) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

function linkAtomically(link, target) {
  mkdirSync(path.dirname(link), { recursive: true });
  const temporary = `${link}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  symlinkSync(target, temporary, 'dir');
  renameSync(temporary, link);
}

/**
 * Makes every third-party package the bundle may load resolvable from `outdir`: the ones imported
 * statically, and the runtime dependencies declared by each bundled workspace package (covers
 * imports with a computed specifier). Returns the names linked into `outdir/node_modules`.
 */
function linkDependencies(app, outdir, imports, inputs) {
  const wanted = new Map(); // name → the folder it must resolve from
  const appDir = path.join(ROOT, 'apps', app);
  for (const [name, fromDir] of imports) wanted.set(name, fromDir);
  const packages = new Map();
  for (const input of inputs) {
    const file = path.resolve(ROOT, input);
    if (!isWorkspaceFile(file)) continue;
    const owner = owningPackage(file);
    packages.set(owner.dir, owner.manifest);
  }
  for (const [dir, manifest] of packages) {
    for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
      if (!String(spec).startsWith('workspace:') && !wanted.has(name)) wanted.set(name, dir);
    }
  }
  const modules = path.join(outdir, 'node_modules');
  const linked = [];
  const problems = [];
  for (const [name, fromDir] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const target = packageDirFrom(name, fromDir);
    if (target === undefined) {
      problems.push(`${name} cannot be resolved from ${path.relative(ROOT, fromDir)}: not installed`);
      continue;
    }
    // What the bundle would load without our links (dist/node_modules is the only folder between).
    const fromApp = packageDirFrom(name, appDir);
    if (fromApp === target) continue; // the app's own dependency, the same copy
    if (fromApp !== undefined) {
      problems.push(`${name}: apps/${app} resolves ${path.relative(ROOT, fromApp)} but ${path.relative(ROOT, fromDir)} needs ${path.relative(ROOT, target)}; align the versions`);
      continue;
    }
    const link = path.join(modules, name);
    linkAtomically(link, path.relative(path.dirname(link), target));
    linked.push(name);
  }
  // Links left from an earlier build whose package is no longer wanted (not another build's temporaries).
  if (existsSync(modules)) {
    for (const entry of readdirSync(modules)) {
      const names = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((sub) => `${entry}/${sub}`) : [entry];
      for (const name of names) if (!linked.includes(name) && !name.endsWith('.tmp')) rmSync(path.join(modules, name), { force: true });
    }
  }
  return { linked, problems };
}

async function buildApp(app) {
  const appDir = path.join(ROOT, 'apps', app);
  const outdir = path.join(appDir, 'dist');
  const imports = new Map();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(appDir, 'src/main.ts')],
    outfile: path.join(outdir, 'main.js'),
    // The compiler options every workspace package is checked with (the image copies only this one).
    tsconfig: path.join(ROOT, 'tsconfig.base.json'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // The map points at the .ts files in the repository; no need to copy their text into it.
    sourcesContent: false,
    // Class names appear in logs (pino's `err.type`) and errors: keep them through renaming.
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [thirdPartyExternalPlugin(imports), sourceUrlPlugin(outdir)],
  });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  const { linked, problems } = linkDependencies(app, outdir, imports, Object.keys(result.metafile.inputs));
  if (problems.length > 0) throw new Error(`apps/${app}: ${problems.join('; ')}`);
  const main = result.outputFiles.find((f) => f.path.endsWith('.js'));
  return { app, bytes: main.contents.byteLength, modules: Object.keys(result.metafile.inputs).length, linked };
}

const requested = process.argv.slice(2);
for (const app of requested) if (!APPS.includes(app)) throw new Error(`unknown app ${app} (expected one of ${APPS.join(', ')})`);
const started = performance.now();
try {
  const built = await Promise.all((requested.length > 0 ? requested : APPS).map(buildApp));
  const ms = Math.round(performance.now() - started);
  for (const b of built) {
    const linked = b.linked.length > 0 ? `; linked ${b.linked.join(', ')}` : '';
    console.log(`build: apps/${b.app}/dist/main.js ${(b.bytes / 1024).toFixed(0)} KiB from ${b.modules} modules${linked}`);
  }
  console.log(`build: done in ${ms} ms`);
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
