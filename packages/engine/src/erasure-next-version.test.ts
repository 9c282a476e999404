// GDPR: after a user is erased, the next model version (full or incremental) holds no vector for
// them. An incremental update extends the active version's users, so it must not follow an erasure.
import { isoAgo, testEvent, testItem } from '@recsys/core/testing';
import { describe, expect, it } from 'vitest';
import { embeddedEngines, retrained } from './testing/embedded-engine.js';

const ITEMS = Array.from({ length: 40 }, (_, i) => testItem(`m-${i}`, { genres: [i % 2 ? 'War' : 'Family'] }));
const watch = (user: string, itemId: string) => testEvent(user, itemId, { timestamp: isoAgo(60_000) });

describe('the next model version after an erasure', () => {
  const startEngine = embeddedEngines();

  it('has no vector for the erased user, also when the retrain asked for is incremental', async () => {
    const { engine, registry } = await startEngine(ITEMS, { incrementalEveryMs: 0, trainOnStart: false }, { dirPrefix: 'engine-erasure-' });
    const retrain = (kind: 'full' | 'incremental') => retrained(engine, kind);
    const usersOf = async (version: string) => JSON.parse(new TextDecoder().decode((await registry.load(version))['user-ids.json'])) as string[];

    await engine.ingestEvents(Array.from({ length: 12 }, (_, u) => Array.from({ length: 8 }, (_, k) => watch(`u${u}`, `m-${(u % 2) + 2 * ((u + k) % 20)}`))).flat());
    const first = await retrain('full');
    expect(await usersOf(first.version)).toContain('u3');

    // Without an erasure an incremental update carries the users over (and adds new ones).
    await engine.ingestEvents([watch('newcomer', 'm-1'), watch('newcomer', 'm-3')]);
    const increment = await retrain('incremental');
    expect(increment.metrics.incremental_events).toBe(2);
    expect(await usersOf(increment.version)).toEqual(expect.arrayContaining(['u3', 'newcomer']));

    await engine.eraseUser('u3');
    const next = await retrain('incremental');
    const users = await usersOf(next.version);
    expect(users).not.toContain('u3');
    expect(users).toContain('u4');
    expect(next.metrics.incremental_events).toBeUndefined(); // trained in full
    expect(engine.activeVersion()).toBe(next.version);

    // The versions trained before the erasure were scrubbed by that retrain: no version names u3,
    // every other user keeps their row, and the scrubbed versions still load and serve.
    for (const version of [first.version, increment.version]) {
      const ids = await usersOf(version);
      expect(ids).not.toContain('u3');
      expect(ids.filter((id) => id === '')).toHaveLength(1);
      expect(ids).toEqual(expect.arrayContaining(['u4', 'u5']));
    }
    await engine.activateModel(first.version);
    expect((await engine.recommend({ user_id: 'u4', limit: 5 })).items).toHaveLength(5);
    // An increment on a scrubbed version is allowed again: nobody left in it is erased.
    await engine.ingestEvents([watch('later', 'm-2')]);
    // (from the rolled-back base: the events since it, the newcomer's included)
    expect((await retrain('incremental')).metrics.incremental_events).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
