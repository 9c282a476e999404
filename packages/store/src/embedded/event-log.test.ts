import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InteractionEvent } from '@recsys/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedStore, type EmbeddedStore } from './store.js';
import { event, removeDir, tempDir } from './test-support.js';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
async function openStore(dataDir: string): Promise<EmbeddedStore> {
  const store = createEmbeddedStore({ dataDir });
  stores.push(store);
  await store.open();
  return store;
}
function newDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) removeDir(dir);
});

async function scanIds(store: EmbeddedStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

describe('embedded event log', () => {
  it('keeps every acknowledged event exactly once across a reopen', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 10 }, (_, i) => event(`e${b}-${i}`, `u${i % 3}`, `i${b}`, 'click')),
    );
    await Promise.all(batches.map((batch) => store.events.append(batch)));
    await store.close();

    const reopened = await openStore(dir);
    const ids = await scanIds(reopened);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(await reopened.events.count()).toBe(200);
    for (const batch of batches) for (const e of batch) expect(await reopened.events.has(e.event_id)).toBe(true);
    const u1 = await reopened.events.forUser('u1');
    expect(u1.every((e) => e.user_id === 'u1')).toBe(true);
    expect(u1).toHaveLength(batches.length * 3);
  });

  it('returns each user\'s events in append order', async () => {
    const store = await openStore(newDir());
    await store.events.append([event('a', 'u', 'i1'), event('b', 'v', 'i1')]);
    await store.events.append([event('c', 'u', 'i2')]);
    expect((await store.events.forUser('u')).map((e) => e.event_id)).toEqual(['a', 'c']);
    expect(await store.events.forUser('nobody')).toEqual([]);
  });

  it('counts duplicates once: within a batch, across calls, concurrently and across a restart', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const first = await store.events.append([event('a', 'u', 'i'), event('b', 'u', 'i'), event('a', 'u', 'i')]);
    expect(first).toEqual({ accepted: ['a', 'b'], duplicates: ['a'] });
    expect(await store.events.append([event('b', 'u', 'i'), event('c', 'u', 'i')])).toEqual({
      accepted: ['c'],
      duplicates: ['b'],
    });
    const [x, y] = await Promise.all([
      store.events.append([event('d', 'u', 'i')]),
      store.events.append([event('d', 'u', 'i')]),
    ]);
    expect(x).toEqual({ accepted: ['d'], duplicates: [] });
    expect(y).toEqual({ accepted: [], duplicates: ['d'] });
    await store.close();

    const reopened = await openStore(dir);
    expect(await reopened.events.append([event('a', 'u', 'i'), event('e', 'u', 'i')])).toEqual({
      accepted: ['e'],
      duplicates: ['a'],
    });
    expect(await scanIds(reopened)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('does not acknowledge a retried duplicate before the first copy is durable', async () => {
    const store = await openStore(newDir());
    const order: string[] = [];
    const first = store.events.append([event('x', 'u', 'i')]).then(() => order.push('first'));
    const retry = store.events.append([event('x', 'u', 'i')]).then(() => order.push('retry'));
    await Promise.all([first, retry]);
    expect(order).toEqual(['first', 'retry']);
  });

  it('fails a concurrent retry whose first copy failed to write, so neither is acknowledged', async () => {
    const store = await openStore(newDir());
    const handle = (store.events as unknown as { log: { handle: fs.promises.FileHandle } }).log.handle;
    const datasync = handle.datasync.bind(handle);
    let failSync: (() => void) | undefined;
    (handle as unknown as { datasync: unknown }).datasync = () =>
      new Promise<void>((_, reject) => (failSync = () => reject(new Error('EIO: i/o error'))));
    const first = store.events.append([event('x', 'u', 'i')]);
    while (!failSync) await new Promise((resolve) => setTimeout(resolve, 1)); // x written, syncing
    (handle as unknown as { datasync: unknown }).datasync = datasync;
    const retry = store.events.append([event('x', 'u', 'i'), event('y', 'u', 'i')]);
    failSync();
    await expect(first).rejects.toThrow(/EIO/);
    await expect(retry).rejects.toThrow(/EIO/);
    expect(await store.events.has('x')).toBe(false);
    expect(await store.events.append([event('x', 'u', 'i')])).toEqual({ accepted: ['x'], duplicates: [] });
  });

  it('rejects a batch with an event without event_id, storing none of it', async () => {
    const store = await openStore(newDir());
    const bad = { user_id: 'u', type: 'click', timestamp: new Date().toISOString() } as InteractionEvent;
    await expect(store.events.append([event('ok', 'u', 'i'), bad])).rejects.toThrow(/events\[1\]\.event_id/);
    expect(await store.events.count()).toBe(0);
  });

  it('drops a torn final line on replay, stays appendable, and rebuilds features without it', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await store.events.append([event('a', 'u', 'i1'), event('b', 'u', 'i2')]);
    await store.close();
    const torn = JSON.stringify(event('c', 'u', 'i3')).slice(0, 40);
    fs.appendFileSync(path.join(dir, 'events.log'), torn);

    const reopened = await openStore(dir);
    expect(reopened.openReport?.tornBytes).toBe(torn.length);
    expect(await scanIds(reopened)).toEqual(['a', 'b']);
    expect((await reopened.features.userItems('u')).map((f) => f.item_id).sort()).toEqual(['i1', 'i2']);
    // The client was never acknowledged for c and retries it.
    expect(await reopened.events.append([event('c', 'u', 'i3')])).toEqual({ accepted: ['c'], duplicates: [] });
    await reopened.close();

    const again = await openStore(dir);
    expect(await scanIds(again)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to open a log damaged before its last line', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await store.events.append([event('a', 'u', 'i'), event('b', 'u', 'i')]);
    await store.close();
    const file = path.join(dir, 'events.log');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[0] = lines[0]!.slice(0, 10);
    fs.writeFileSync(file, lines.join('\n'));
    const broken = createEmbeddedStore({ dataDir: dir });
    await expect(broken.open()).rejects.toThrow(`${file}: line 1 is corrupt`);
    // The failed open released the directory.
    fs.writeFileSync(file, '');
    await openStore(dir);
  });

  it('keeps every acknowledged event when the writing process is killed (SIGKILL)', async () => {
    const dir = newDir();
    const script = fileURLToPath(new URL('./test-crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, 'k'], {
      cwd: path.dirname(script),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Set<string>();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let buffered = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) acked.add(line.slice(4));
        if (acked.size >= 3000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const store = await openStore(dir);
    const ids = await scanIds(store);
    expect(new Set(ids).size).toBe(ids.length); // no event twice
    const stored = new Set(ids);
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(ids.length).toBeGreaterThanOrEqual(acked.size);
    // The log stays appendable after whatever the kill left at its end.
    await store.events.append([event('after-crash', 'u', 'i')]);
    await store.close();
    const reopened = await openStore(dir);
    expect(await reopened.events.count()).toBe(ids.length + 1);
  });
});
