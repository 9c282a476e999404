// The ports behind a circuit breaker: every data call is gated and counted, what is not a call to
// the dependency passes through untouched, and an open breaker answers without reaching the store.
import { CircuitBreaker, CircuitOpenError, type JobRunner, type ModelRegistry } from '@recsys/core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardJobRunner, guardModelRegistry, guardStore } from './circuit-breaking-ports.js';
import { createEmbeddedModelRegistry } from './embedded/model-registry.js';
import { createEmbeddedStore, type EmbeddedStore } from './embedded/store.js';
import { event } from './embedded/test-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An embedded store whose every data call can be made to fail, as a lost connection would. */
async function flakyStore(): Promise<{ store: EmbeddedStore; setDown(down: boolean): void; calls: () => number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'guarded-'));
  dirs.push(dir);
  const store = createEmbeddedStore({ dataDir: dir });
  await store.open();
  let down = false;
  let calls = 0;
  for (const part of [store.catalog, store.events, store.users, store.features] as unknown as Record<string, unknown>[]) {
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
      const original = part[name];
      if (name === 'constructor' || typeof original !== 'function') continue;
      part[name] = function (this: unknown, ...args: unknown[]) {
        calls++;
        if (down) {
          if (name === 'scan' || name === 'allUsers') return (async function* () { throw new Error('connection lost'); })();
          return Promise.reject(new Error('connection lost'));
        }
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
  }
  return { store, setDown: (d) => (down = d), calls: () => calls };
}

describe('guardStore', () => {
  it('opens after failed calls, then refuses every call (iterations too) without reaching the store, and reports unhealthy', async () => {
    let now = 0;
    const breaker = new CircuitBreaker('redis', { failureThreshold: 3, coolDownMs: 1000, now: () => now });
    const { store, setDown, calls } = await flakyStore();
    const guarded = guardStore(store, breaker);
    await guarded.events.append([event('e1', 'u', 'm')]);
    expect(await guarded.healthy()).toBe(true);

    setDown(true);
    for (let i = 0; i < 3; i++) await expect(guarded.features.userItems('u')).rejects.toThrow('connection lost');
    expect(breaker.state).toBe('open');
    const before = calls();
    await expect(guarded.catalog.all()).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(guarded.eraseUser('u')).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(async () => {
      for await (const _ of guarded.events.scan()) break;
    }).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls()).toBe(before);
    expect(await guarded.healthy()).toBe(false);

    setDown(false);
    now += 1000; // the cool-down is over: the next call is the probe
    expect(await guarded.events.count()).toBe(1);
    expect(breaker.state).toBe('closed');
    const seen: string[] = [];
    for await (const e of guarded.events.scan()) seen.push(e.event_id);
    expect(seen).toEqual(['e1']);
    await store.close();
  });

  it('leaves a caller error (a bad argument) to the caller: the breaker stays closed', async () => {
    const breaker = new CircuitBreaker('redis', { failureThreshold: 1 });
    const { store } = await flakyStore();
    const guarded = guardStore(store, breaker);
    await expect(guarded.users.setPreferences('', {} as never)).rejects.toThrow(TypeError);
    expect(breaker.state).toBe('closed');
    await store.close();
  });
});

describe('guardModelRegistry and guardJobRunner', () => {
  it('gate data calls but pass subscriptions and handler registration through as they are', async () => {
    const breaker = new CircuitBreaker('redis', { failureThreshold: 1 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'guarded-registry-'));
    dirs.push(dir);
    const registry: ModelRegistry = guardModelRegistry(createEmbeddedModelRegistry({ dir }), breaker);
    const unsubscribe = registry.onActivated!(() => undefined);
    expect(typeof unsubscribe).toBe('function'); // not a promise: called synchronously
    unsubscribe();
    expect(await registry.list()).toEqual([]);

    let registered = 0;
    const jobs: JobRunner = guardJobRunner(
      {
        register: () => void registered++,
        enqueue: () => Promise.reject(new Error('connection lost')),
        get: async () => undefined,
        schedule: async () => undefined,
        close: async () => undefined,
      },
      breaker,
    );
    jobs.register('retrain', async () => undefined);
    expect(registered).toBe(1);
    await expect(jobs.enqueue('retrain', {})).rejects.toThrow('connection lost');
    await expect(jobs.get('x')).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(registry.list()).rejects.toBeInstanceOf(CircuitOpenError); // one breaker per dependency
  });
});
