import { promises as fsp } from 'node:fs';
import path from 'node:path';

// Two processes appending to the same logs would interleave their writes and corrupt them, so a
// data directory is owned by one open store at a time. The lock file holds the owner's pid; a
// lock left by a process that no longer runs (e.g. killed) is taken over.

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  readonly code = 'DATA_DIR_LOCKED';
}

const LOCK_FILE = 'LOCK';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on `dir`; resolves to the function that releases it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const mine = String(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.writeFile(file, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockedError(dir, file, error);
    }
    const owner = Number.parseInt(await fsp.readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && (owner === process.pid || isRunning(owner))) {
      throw new DataDirLockedError(
        `${dir} is in use by process ${owner}${owner === process.pid ? ' (this process: open the store once)' : ''}; ` +
          `if no such process uses it, delete ${file}`,
      );
    }
    await fsp.rm(file, { force: true });
  }
  return async () => {
    const owner = await fsp.readFile(file, 'utf8').catch(() => '');
    if (owner === mine) await fsp.rm(file, { force: true });
  };
}

function lockedError(dir: string, file: string, cause: unknown): Error {
  if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
    return new DataDirLockedError(`${dir} is in use by another process; if none uses it, delete ${file}`);
  }
  return cause as Error;
}
