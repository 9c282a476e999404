// Child process for the erasure crash tests: opens the store and erases one user. With a crash
// point it SIGKILLs itself there: while the new event log is half written, just before or just after
// it is renamed over the old one, or after the new preference snapshot is renamed into place but
// before the preference log is emptied. Without one, the parent kills it at a moment of its choosing.
import { promises as fsp } from 'node:fs';
import { createEmbeddedStore } from './store.js';

const [dataDir = '', userId = '', crashAt = ''] = process.argv.slice(2);

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

const rename = fsp.rename.bind(fsp);
const open = fsp.open.bind(fsp);
(fsp as { rename: unknown }).rename = async (from: string, to: string) => {
  if (crashAt === 'before-rename' && from.endsWith('events.log.tmp')) die();
  await rename(from, to);
  if (crashAt === 'after-rename' && from.endsWith('events.log.tmp')) die();
  if (crashAt === 'users-before-clear' && from.endsWith('users.snapshot.jsonl.tmp')) die();
};
(fsp as { open: unknown }).open = async (...args: Parameters<typeof fsp.open>) => {
  const handle = await open(...args);
  if (crashAt === 'mid-write' && String(args[0]).endsWith('events.log.tmp')) {
    const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
    let writes = 0;
    (handle as { write: unknown }).write = async (...a: unknown[]) => {
      const result = await write(...a);
      if (++writes === 2) die(); // some of the new file is on disk, not all of it
      return result;
    };
  }
  return handle;
};

const store = createEmbeddedStore({ dataDir });
await store.open();
process.stdout.write('erasing\n');
const report = await store.eraseUser(userId);
process.stdout.write(`erased ${JSON.stringify(report)}\n`);
await store.close();
