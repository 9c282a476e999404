import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { item, prefs } from '../contract/fixtures.js';
import { createEmbeddedStore } from './store.js';
import { event } from './test-support.js';
import { useTestStores } from './test-stores.js';

const { openStore, newDir } = useTestStores();

// Behaviour every adapter shares is in ../contract; these are the embedded store's own: compaction,
// crash recovery, health, the directory lock, flushing on close.
describe('embedded catalogue', () => {
  it('compacts a long op log into a snapshot on open and keeps the state and order', async () => {
    const dir = newDir();
    const store = await openStore(dir, { compactAfterOps: 50 });
    for (let round = 0; round < 10; round++) {
      await store.catalog.upsert(Array.from({ length: 10 }, (_, i) => item(`i${i}`, `round ${round}`)));
    }
    await store.catalog.remove('i3');
    await store.close();
    const logSize = fs.statSync(path.join(dir, 'catalog.log')).size;

    const compacted = await openStore(dir, { compactAfterOps: 50 });
    expect(compacted.openReport?.compacted).toEqual(['catalog']);
    expect(fs.statSync(path.join(dir, 'catalog.log')).size).toBe(0);
    expect(fs.statSync(path.join(dir, 'catalog.snapshot.jsonl')).size).toBeLessThan(logSize / 5);
    await compacted.catalog.upsert([item('new')]); // logged after the snapshot
    await compacted.close();

    const reopened = await openStore(dir, { compactAfterOps: 50 });
    const all = await reopened.catalog.all();
    expect(all.map((i) => i.item_id)).toEqual([...Array.from({ length: 10 }, (_, i) => `i${i}`), 'new']);
    expect(all.every((i) => i.item_id === 'new' || i.title === 'round 9')).toBe(true);
    expect(all.find((i) => i.item_id === 'i3')?.available).toBe(false);
  });

  it('comes back right when a crash left the old log beside a new snapshot', async () => {
    const dir = newDir();
    const store = await openStore(dir, { compactAfterOps: 1_000_000 });
    await store.catalog.upsert([item('a', 'v1'), item('b')]);
    await store.catalog.remove('a');
    await store.catalog.upsert([item('b', 'v2')]);
    await store.close();
    const log = fs.readFileSync(path.join(dir, 'catalog.log'));

    const compacting = await openStore(dir, { compactAfterOps: 1 });
    await compacting.close();
    fs.writeFileSync(path.join(dir, 'catalog.log'), log); // as if the log was never emptied

    const reopened = await openStore(dir, { compactAfterOps: 1_000_000 });
    const all = await reopened.catalog.all();
    expect(all.map((i) => [i.item_id, i.title, i.available])).toEqual([
      ['a', 'v1', false],
      ['b', 'v2', true],
    ]);
  });
});

describe('embedded user preferences', () => {
  it('keeps preferences across a reopen, also once compacted', async () => {
    const dir = newDir();
    const store = await openStore(dir, { compactAfterOps: 3 });
    await store.users.setPreferences('u1', prefs(['Drama']));
    await store.users.setPreferences('u2', prefs(['Anime']));
    await store.users.setPreferences('u1', prefs(['Comedy']));
    await store.close();

    for (let open = 0; open < 2; open++) {
      const reopened = await openStore(dir, { compactAfterOps: 3 });
      expect((await reopened.users.getPreferences('u1'))?.genres).toEqual(['Comedy']);
      expect((await reopened.users.getPreferences('u2'))?.genres).toEqual(['Anime']);
      expect(await reopened.users.getPreferences('u3')).toBeUndefined();
      await reopened.close();
    }
    expect(fs.readFileSync(path.join(dir, 'users.log'), 'utf8')).toBe('');
  });

});

describe('embedded store', () => {
  it('is healthy while open and its directory is writable', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    expect(await store.healthy()).toBe(true);
    fs.renameSync(dir, `${dir}-moved`); // the directory is gone (unmounted volume, deleted)
    try {
      expect(await store.healthy()).toBe(false);
    } finally {
      fs.renameSync(`${dir}-moved`, dir);
    }
    expect(await store.healthy()).toBe(true);
    await store.close();
    expect(await store.healthy()).toBe(false);
  });

  it('stays healthy under concurrent probes (readiness checks in parallel)', async () => {
    const store = await openStore(newDir());
    // Staggered, so one probe's write lands between another's write and removal.
    const probes = Array.from({ length: 200 }, (_, i) => new Promise<boolean>((resolve) => setTimeout(() => resolve(store.healthy()), i % 7)));
    expect(await Promise.all(probes)).toEqual(Array(200).fill(true));
    await store.close();
  });

  it('refuses a second open of the same data directory until the first closes', async () => {
    const dir = newDir();
    const first = await openStore(dir);
    await expect(createEmbeddedStore({ dataDir: dir }).open()).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    await first.close();
    await openStore(dir);
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const dir = newDir();
    fs.writeFileSync(path.join(dir, 'LOCK'), '999999999'); // no such pid
    const store = await openStore(dir);
    expect(await store.healthy()).toBe(true);
  });

  it('resolves writes only once durable and flushes pending ones on close', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const pending = [
      store.events.append([event('x', 'u', 'i')]),
      store.catalog.upsert([item('x')]),
      store.users.setPreferences('u', prefs(['Drama'])),
    ];
    await store.close();
    await Promise.all(pending);
    const reopened = await openStore(dir);
    expect(await reopened.events.has('x')).toBe(true);
    expect(await reopened.catalog.count()).toBe(1);
    expect(await reopened.users.getPreferences('u')).toBeDefined();
  });
});
