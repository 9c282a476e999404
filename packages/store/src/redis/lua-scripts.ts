import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

// The Lua scripts of the Redis adapters live in ./lua/*.lua; this module loads them once and
// registers them on a client with ioredis' defineCommand (EVALSHA, falling back to EVAL when the
// server does not have the script cached yet).

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

const sources = new Map<ScriptName, string>();
const defined = new WeakMap<Redis, Set<ScriptName>>();

function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
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
    redis.defineCommand(commandName(name), { lua: source(name) });
    names.add(name);
  }
  const command = (redis as unknown as Record<string, ScriptCommand>)[commandName(name)]!;
  return command.call(redis, keys.length, ...keys, ...args);
}
