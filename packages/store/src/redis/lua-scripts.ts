import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

// The Lua scripts of the Redis adapters live in ./lua/*.lua; this module loads them once (with the
// shared chunks they use) and registers them on a client with ioredis' defineCommand (EVALSHA,
// falling back to EVAL when the server does not have the script cached yet).

export const SCRIPT_NAMES = [
  'events-append',
  'events-ingest',
  'features-record',
  'catalog-upsert',
  'catalog-remove',
  'model-commit',
  'model-activate',
  'model-replace-artifacts',
  'user-erase',
  'erasure-commit',
  'events-drop',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

// Shared chunks (./lua/shared/*.lua) placed in front of a script's own source, in this order. A
// script runs as one chunk (EVAL cannot load another script), so code two scripts need is written
// once here and concatenated into each: the result is still a single atomic script.
const SHARED_CHUNKS: Partial<Record<ScriptName, readonly string[]>> = {
  'events-append': ['append-event'],
  'events-ingest': ['append-event', 'fold-features'],
  'features-record': ['fold-features'],
};

const sources = new Map<ScriptName, string>();
const defined = new WeakMap<Redis, Set<ScriptName>>();

const readLua = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');

/** The full source run for script `name`: its shared chunks, then its own file. */
export function scriptSource(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = [...(SHARED_CHUNKS[name] ?? []).map((chunk) => readLua(`shared/${chunk}`)), readLua(name)].join('\n');
    sources.set(name, lua);
  }
  return lua;
}

/** The ioredis command name a script is registered under. */
function commandName(name: ScriptName): string {
  return `recsys_${name.replaceAll('-', '_')}`;
}

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number | Buffer)[]) => Promise<unknown>;

/** Runs script `name` on `redis` (registering it on first use) with `keys` and `args`. */
export function runScript(redis: Redis, name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
  let names = defined.get(redis);
  if (!names) defined.set(redis, (names = new Set()));
  if (!names.has(name)) {
    redis.defineCommand(commandName(name), { lua: scriptSource(name) });
    names.add(name);
  }
  const command = (redis as unknown as Record<string, ScriptCommand>)[commandName(name)]!;
  return command.call(redis, keys.length, ...keys, ...args);
}
