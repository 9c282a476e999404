// Everything a service stored, as bytes to search: every Redis key with its value read by type
// (binary-safe), and every file under a data directory. Used by the erasure test and the erasure
// benchmark to look for anything left of an erased user.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RedisStore } from '@recsys/store';

/** Each key of the database with its name and content (fields and values, list and set members, stream entries) in one buffer. */
export async function* redisKeyBytes(redis: RedisStore['redis']): AsyncGenerator<{ key: string; bytes: Buffer }> {
  for await (const page of redis.scanStream({ count: 1000 })) {
    for (const key of page as string[]) {
      const type = await redis.type(key);
      const parts: Buffer[] = [Buffer.from(key)];
      if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') for (const [field, value] of Object.entries(await redis.hgetallBuffer(key))) parts.push(Buffer.from(field), value);
      else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
      else if (type === 'set') parts.push(...(await redis.smembersBuffer(key)));
      else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, '0', '-1')));
      else if (type === 'stream') {
        for (const [id, fields] of await redis.xrange(key, '-', '+')) parts.push(Buffer.from(id), ...fields.map((f) => Buffer.from(String(f))));
      } else parts.push(Buffer.from(`unknown type ${type}`));
      yield { key, bytes: Buffer.concat(parts) };
    }
  }
}

/** Every file under `dir`, recursively (full paths). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Each file under `root` with its path relative to `root` and its content. */
export function fileBytes(root: string): { file: string; bytes: Buffer }[] {
  return filesUnder(root).map((full) => ({ file: path.relative(root, full), bytes: readFileSync(full) }));
}
