import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InteractionEvent } from '@recsys/core';
import { describe, expect, it } from 'vitest';
import { createEmbeddedStore, type EmbeddedStore } from './store.js';
import { event } from './test-support.js';
import { useTestStores } from './test-stores.js';

const { openStore, newDir } = useTestStores();

async function scanIds(store: EmbeddedStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

// Behaviour every adapter shares is in ../contract; these are the embedded log's own: durability
// ordering, a failed sync, torn and damaged files, a killed writer.
describe('embedded event log', () => {
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

  it('rewrites the log byte for byte without the erased or expired events, and reopens to the same events', async () => {
    const dir = newDir();
    const file = path.join(dir, 'events.log');
    const events: InteractionEvent[] = [
      event('a', 'u1', 'i1', 'watch', { completion: 0.25, session_id: 's1', received_at: '2026-01-01T00:00:00.000Z' }),
      { timestamp: '2026-01-02T00:00:00Z', type: 'search', user_id: 'u2', event_id: 'b', query: 'q', result_item_ids: ['i1'] },
      event('c', 'gone', 'i2', 'rate', { rating: 5, received_at: '2026-02-01T00:00:00.000Z' }),
      { event_id: 'd', user_id: 'u1', item_id: 'i3', type: 'click', timestamp: 'soon', device: 'tv', received_at: '2026-02-02T10:00:00+02:00' },
      event('é-\uD800', 'u2', 'i1', 'save', { received_at: '2026-03-01T00:00:00.000Z' }),
    ];
    const lines = (kept: InteractionEvent[]) => kept.map((e) => JSON.stringify(e) + '\n').join('');
    const store = await openStore(dir);
    await store.events.append(events);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(events));
    expect(await store.events.eraseUser('gone')).toBe(1);
    const afterErasure = events.filter((e) => e.user_id !== 'gone');
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(afterErasure));
    expect(await store.events.dropBefore(Date.parse('2026-01-15T00:00:00.000Z'), undefined)).toBe(2);
    const afterDrop = afterErasure.slice(2);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(afterDrop));
    await store.close();

    const reopened = await openStore(dir);
    const scanned: InteractionEvent[] = [];
    for await (const e of reopened.events.scan()) scanned.push(e);
    expect(scanned.map((e) => JSON.stringify(e))).toEqual(afterDrop.map((e) => JSON.stringify(e)));
    expect(await reopened.events.forUser('u2')).toEqual(afterDrop.filter((e) => e.user_id === 'u2'));
    // Ids stay exact after the rebuilds: the erased one is a duplicate, the dropped ones are new again.
    expect(await reopened.events.append([events[2]!, events[0]!])).toEqual({ accepted: ['a'], duplicates: ['c'] });
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
