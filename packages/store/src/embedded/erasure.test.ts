import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptedEvents, type EventType, type InteractionEvent, type UserPreferences } from '@recsys/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore, type EmbeddedStore } from './store.js';
import { HOUR, event, filesContaining, removeDir, tempDir } from './test-support.js';
import { useTestStores } from './test-stores.js';

const NO_LEARNING = { impressions: 0, attributions: 0, assignments: 0 };

// GDPR erasure of one user from every embedded store. The erased user's id is also part of their
// event ids and session ids, as clients often do, so any stored trace of them shows up in a grep.

const TARGET = 'gdpr-user-7f3a';

const { openStore, newDir } = useTestStores();

const TYPES: EventType[] = ['click', 'watch', 'complete', 'rate', 'save', 'skip', 'rewatch', 'dwell', 'impression', 'search'];

/** A deterministic history of 11 users and the target (every 7th event), over 40 items. */
function history(count: number): InteractionEvent[] {
  const events: InteractionEvent[] = [
    event(`${TARGET}-first`, TARGET, 'solo', 'complete', { at: 0 }), // an item only the target touched
  ];
  for (let i = 0; i < count; i++) {
    const user = i % 7 === 3 ? TARGET : `u${i % 11}`;
    const type = TYPES[(i * 7) % TYPES.length]!;
    const fields: Partial<InteractionEvent> & { at?: number } = { at: ((i * 37) % 1000) * HOUR, session_id: `${user}-s${i % 5}` };
    if (type === 'rate') fields.rating = 1 + (i % 5);
    if (type === 'watch') fields.completion = (i % 10) / 10;
    if (type === 'dwell') fields.dwell_seconds = i % 200;
    if (type === 'search') fields.query = `query ${i % 13}`;
    events.push(event(`${user}-ev-${i}`, user, `i${(i * 13) % 40}`, type, fields));
  }
  return events;
}

async function ingest(store: EmbeddedStore, events: InteractionEvent[], batch = 500): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const slice = events.slice(i, i + batch);
    await store.features.record(acceptedEvents(slice, await store.events.append(slice)));
  }
}

function prefs(friends: string[], genres = ['Drama']): UserPreferences {
  return {
    genres,
    languages: ['en'],
    content_types: ['anime'],
    liked_item_ids: ['i1'],
    disliked_item_ids: [],
    friends,
    country: 'DE',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

async function setPreferences(store: EmbeddedStore, withTarget: boolean): Promise<void> {
  if (withTarget) await store.users.setPreferences(TARGET, prefs(['u1'], ['Anime']));
  await store.users.setPreferences('u1', prefs(['u2']));
  await store.users.setPreferences('u2', prefs([]));
  if (withTarget) await store.users.setPreferences(TARGET, prefs(['u1', 'u2'], ['Horror']));
}

async function scanIds(store: EmbeddedStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.events.scan()) ids.push(e.event_id);
  return ids;
}

function sortedById<T extends { item_id: string }>(features: T[]): T[] {
  return [...features].sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0));
}

/** `store` has no trace of the target and otherwise equals `never`, a store that never saw them. */
async function expectErased(store: EmbeddedStore, never: EmbeddedStore): Promise<void> {
  expect(await store.events.forUser(TARGET)).toEqual([]);
  expect(await store.features.userItems(TARGET)).toEqual([]);
  expect(await store.users.getPreferences(TARGET)).toBeUndefined();
  expect((await store.users.userIds()).sort()).toEqual((await never.users.userIds()).sort());
  expect(await scanIds(store)).toEqual(await scanIds(never));
  expect(await store.events.count()).toBe(await never.events.count());
  expect(sortedById(await store.features.items())).toEqual(sortedById(await never.features.items()));
  for (const userId of await never.users.userIds()) {
    expect(await store.events.forUser(userId)).toEqual(await never.events.forUser(userId));
    expect(await store.features.userItems(userId)).toEqual(await never.features.userItems(userId));
    expect(await store.users.getPreferences(userId)).toEqual(await never.users.getPreferences(userId));
  }
  const users: string[] = [];
  for await (const [userId] of store.features.allUsers()) users.push(userId);
  expect(users).not.toContain(TARGET);
}

describe('erasing a user from the embedded store', () => {
  it('leaves no trace in memory or in any file, and the rest as if the user never existed, also after a restart', async () => {
    const all = history(2000);
    const others = all.filter((e) => e.user_id !== TARGET);
    const never = await openStore(newDir());
    await ingest(never, others);
    await setPreferences(never, false);

    const dir = newDir();
    // No compaction on open: the preference ops stay in users.log until the erasure compacts them.
    const store = await openStore(dir, { compactAfterOps: 1_000_000 });
    await ingest(store, all);
    await setPreferences(store, true);
    const targetFeatures = (await store.features.userItems(TARGET)).length;
    expect(targetFeatures).toBeGreaterThan(10);
    expect(filesContaining(dir, TARGET).sort()).toEqual(['events.log', 'users.log']);

    const report = await store.eraseUser(TARGET);
    expect(report).toEqual({
      user_id: TARGET,
      events: all.length - others.length,
      preferences: true,
      features: targetFeatures,
      learning: NO_LEARNING,
    });
    await expectErased(store, never);
    expect(filesContaining(dir, TARGET)).toEqual([]);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await store.close();

    const reopened = await openStore(dir, { compactAfterOps: 1_000_000 });
    expect(reopened.openReport?.erasedEvents).toBe(0);
    await expectErased(reopened, never);
    expect(filesContaining(dir, TARGET)).toEqual([]);
    // Erasing again finds nothing.
    expect(await reopened.eraseUser(TARGET)).toEqual({ user_id: TARGET, events: 0, preferences: false, features: 0, learning: NO_LEARNING });
  });

  it('reports a retry of an erased event as a duplicate, also after a restart, but takes new events of the user', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const old = [event(`${TARGET}-a`, TARGET, 'm'), event(`${TARGET}-b`, TARGET, 'n'), event('other', 'u1', 'm')];
    await ingest(store, old);
    await store.eraseUser(TARGET);
    expect(await store.events.has(`${TARGET}-a`)).toBe(false);
    expect(await store.events.append([event(`${TARGET}-a`, TARGET, 'm')])).toEqual({ accepted: [], duplicates: [`${TARGET}-a`] });
    await store.close();

    const reopened = await openStore(dir);
    expect(await reopened.events.append([event(`${TARGET}-b`, TARGET, 'n'), event('fresh', TARGET, 'n')])).toEqual({
      accepted: ['fresh'],
      duplicates: [`${TARGET}-b`],
    });
    expect((await reopened.events.forUser(TARGET)).map((e) => e.event_id)).toEqual(['fresh']);
    expect(await scanIds(reopened)).toEqual(['other', 'fresh']);
  });

  it('changes no file when the user is unknown', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await ingest(store, [event('e1', 'u1', 'm')]);
    await store.users.setPreferences('u1', prefs([]));
    const before = Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
    expect(await store.eraseUser('nobody')).toEqual({ user_id: 'nobody', events: 0, preferences: false, features: 0, learning: NO_LEARNING });
    const after = Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
    expect(after).toEqual(before);
  });

  it('erases a user known only from preferences', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await store.users.setPreferences(TARGET, prefs([]));
    await store.users.setPreferences('u1', prefs([]));
    expect(await store.eraseUser(TARGET)).toEqual({ user_id: TARGET, events: 0, preferences: true, features: 0, learning: NO_LEARNING });
    expect(await store.users.userIds()).toEqual(['u1']);
    expect(filesContaining(dir, TARGET)).toEqual([]);
  });

  it("keeps other users' friends lists that name the erased user (they are those users' data)", async () => {
    const dir = newDir();
    const store = await openStore(dir);
    await ingest(store, [event(`${TARGET}-1`, TARGET, 'm')]);
    await store.users.setPreferences('u1', prefs([TARGET]));
    await store.eraseUser(TARGET);
    expect((await store.users.getPreferences('u1'))?.friends).toEqual([TARGET]);
    expect(filesContaining(dir, TARGET)).toEqual(['users.log']);
  });

  it('keeps every append made while the erasure rewrites the log, in order, also after a restart', async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const all = history(20_000);
    await ingest(store, all, 5000);
    const kept = all.filter((e) => e.user_id !== TARGET).map((e) => e.event_id);

    const erasure = store.eraseUser(TARGET);
    let done = false;
    void erasure.finally(() => (done = true));
    const appends: Promise<string[]>[] = [];
    const sent: string[] = [];
    let duringErasure = 0;
    for (let round = 0; !done || round < 5; round++) {
      const batch = Array.from({ length: 3 }, (_, k) => event(`late-${round}-${k}`, `u${k}`, `i${round % 40}`, 'click'));
      sent.push(...batch.map((e) => e.event_id));
      if (!done) duringErasure++;
      appends.push(store.events.append(batch).then(async (result) => {
        await store.features.record(acceptedEvents(batch, result));
        return result.accepted;
      }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await erasure).events).toBe(all.length - kept.length);
    expect((await Promise.all(appends)).flat()).toEqual(sent);
    expect(duringErasure).toBeGreaterThan(3); // appends really arrived while the log was rewritten

    expect(await scanIds(store)).toEqual([...kept, ...sent]);
    const live = sortedById(await store.features.items());
    await store.close();
    const lines = fs.readFileSync(path.join(dir, 'events.log'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as InteractionEvent).event_id)).toEqual([...kept, ...sent]);

    const reopened = await openStore(dir);
    expect(await scanIds(reopened)).toEqual([...kept, ...sent]);
    expect(sortedById(await reopened.features.items())).toEqual(live);
  });
});

describe('erasing a user when the process is killed midway', () => {
  let template: string;
  let oldIds: string[];
  let newIds: string[];
  beforeAll(async () => {
    template = tempDir();
    const store = createEmbeddedStore({ dataDir: template, compactAfterOps: 1_000_000 });
    await store.open();
    const all = history(20_000); // ~3 MB of log: the rewrite takes several writes
    await ingest(store, all, 5000);
    await setPreferences(store, true);
    await store.close();
    oldIds = all.map((e) => e.event_id);
    newIds = all.filter((e) => e.user_id !== TARGET).map((e) => e.event_id);
  });
  afterAll(() => removeDir(template));

  async function runChild(dir: string, crashAt: string): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
    const script = fileURLToPath(new URL('./test-erase-crash.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, TARGET, crashAt], {
      cwd: path.dirname(script),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Without a crash point the parent kills the child as soon as the erasure has started.
      if (crashAt === 'parent-kill' && stdout.includes('erasing\n')) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    if (signal === null && !stdout.includes('erased ')) throw new Error(`child failed: ${stderr}`);
    return { signal, stdout };
  }

  /** The event ids of events.log as the crash left it; throws on any line that is not a whole event. */
  function logIds(dir: string): string[] {
    const text = fs.readFileSync(path.join(dir, 'events.log'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text.slice(0, -1).split('\n').map((line) => (JSON.parse(line) as InteractionEvent).event_id);
  }

  // mid-write: while the kept events are copied, before the erasure is committed;
  // before-rename: committed, the new log synced but not in place; after-rename: in place;
  // users-before-clear: events done, the new preference snapshot in place, the old op log not emptied.
  it.each([
    ['mid-write', 'old', false],
    ['before-rename', 'old', true],
    ['after-rename', 'new', true],
    ['users-before-clear', 'new', true],
    ['parent-kill', 'either', undefined],
  ])('killed at %s: leaves the %s log whole, and reopening plus a retry completes the erasure', async (crashAt, expected, commits) => {
    const dir = newDir();
    fs.cpSync(template, dir, { recursive: true });
    const { signal } = await runChild(dir, crashAt);
    if (crashAt !== 'parent-kill') expect(signal).toBe('SIGKILL');

    const left = logIds(dir);
    const leftOld = left.length === oldIds.length;
    if (expected === 'old') expect(left).toEqual(oldIds);
    else if (expected === 'new') expect(left).toEqual(newIds);
    else expect([oldIds, newIds]).toContainEqual(left);

    // Once its erase record is durable the erasure is committed: opening finishes it.
    const committed = fs.readFileSync(path.join(dir, 'erased-event-ids.log'), 'utf8').includes('"erase"');
    if (commits !== undefined) expect(committed).toBe(commits);
    const reopened = await openStore(dir, { compactAfterOps: 1_000_000 });
    expect(reopened.openReport?.erasedEvents).toBe(committed && leftOld ? oldIds.length - newIds.length : 0);
    expect(await scanIds(reopened)).toEqual(committed ? newIds : oldIds);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    if (crashAt === 'users-before-clear') {
      // The preference log still held the user's ops beside the new snapshot: opening compacted it.
      expect(reopened.openReport?.compacted).toEqual(['users']);
      expect(filesContaining(dir, TARGET)).toEqual([]);
    }

    // The caller never got an answer and retries.
    const retry = await reopened.eraseUser(TARGET);
    expect(retry.events).toBe(committed ? 0 : oldIds.length - newIds.length);
    if (crashAt !== 'parent-kill') expect(retry.preferences).toBe(crashAt !== 'users-before-clear');
    expect(await reopened.users.getPreferences('u1')).toEqual(prefs(['u2']));
    expect(filesContaining(dir, TARGET)).toEqual([]);
    await reopened.close();
    const again = await openStore(dir);
    expect(await scanIds(again)).toEqual(newIds);
    expect(await again.events.forUser(TARGET)).toEqual([]);
    expect(filesContaining(dir, TARGET)).toEqual([]);
  });
});
