// Cold start through the engine: liked titles folded into the collaborative model, segments fitted
// at each retrain and served to new users, shown in the export, and gone with erased users.
import type { ModelRegistry } from '@recsys/core';
import { testEvent, testItem, testPreferences as prefs } from '@recsys/core/testing';
import { UserSegments } from '@recsys/insights';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS, type RecommendationEngine } from '../engine.js';
import { embeddedEngines, retrained } from '../testing/embedded-engine.js';
import { SEGMENTS_ARTIFACT } from './segment-model.js';

const item = (id: string, genre: string) => testItem(id, { genres: [genre] });
const ITEMS = [...Array.from({ length: 20 }, (_, i) => item(`war-${i}`, 'War')), ...Array.from({ length: 20 }, (_, i) => item(`pet-${i}`, 'Family'))];

const watch = (user: string, itemId: string) => testEvent(user, itemId);
const WAR_FANS = 14;
const PET_FANS = 12;
/** Young war fans (the larger audience: war titles are the popular ones) and older family-film fans. */
const audience = () => [
  ...Array.from({ length: WAR_FANS }, (_, u) => Array.from({ length: 10 }, (_, k) => watch(`war-fan-${u}`, `war-${(u + k) % 20}`))),
  ...Array.from({ length: PET_FANS }, (_, u) => Array.from({ length: 10 }, (_, k) => watch(`pet-fan-${u}`, `pet-${(u + k) % 20}`))),
].flat();

const SEGMENT_REASON = /^popular with viewers like you \(segment: /;

describe('cold start through the engine', () => {
  const startEngine = embeddedEngines();

  async function setup(): Promise<{ engine: RecommendationEngine; registry: ModelRegistry }> {
    const { engine, registry } = await startEngine(
      ITEMS,
      { incrementalEveryMs: 0, trainer: { ...DEFAULT_ENGINE_OPTIONS.trainer, ncf: false } },
      { dirPrefix: 'segments-' },
    );
    await engine.ingestEvents(audience());
    for (let u = 0; u < WAR_FANS; u++) await engine.setPreferences(`war-fan-${u}`, prefs({ age_bucket: '18-24' }));
    for (let u = 0; u < PET_FANS; u++) await engine.setPreferences(`pet-fan-${u}`, prefs({ age_bucket: '55+' }));
    return { engine, registry };
  }

  const train = (engine: RecommendationEngine, kind: 'full' | 'incremental' = 'full') => retrained(engine, kind);

  async function segmentsOf(registry: ModelRegistry, version: string) {
    const artifact = (await registry.load(version))[SEGMENTS_ARTIFACT];
    return artifact && UserSegments.fromArtifact(artifact);
  }

  it('folds the titles a new user liked at onboarding into the collaborative model', async () => {
    const { engine } = await setup();
    await train(engine);
    await engine.setPreferences('newcomer', prefs({ liked_item_ids: ['pet-1', 'pet-2', 'pet-3'] }));
    const list = await engine.recommend({ user_id: 'newcomer', limit: 5, diversity: 0 });
    expect(list.items.every((i) => i.item_id.startsWith('pet-'))).toBe(true);
    expect(list.items.some((i) => ['pet-1', 'pet-2', 'pet-3'].includes(i.item_id))).toBe(false);
    // The user vector came from the liked titles: the collaborative model names them.
    const reasons = list.items.flatMap((i) => i.explanation_reasons);
    expect(reasons.some((r) => /^because_you_watched: pet-[123] /.test(r))).toBe(true);
    expect(reasons.some((r) => r.startsWith('similar_users: '))).toBe(true);
  });

  it('fits segments at retrain and serves a new user the tastes of the segment their demographics place them in', async () => {
    const { engine, registry } = await setup();
    const { version } = await train(engine);
    const [record] = await engine.listModels();
    expect(record!.components).toContain('segments');
    expect(record!.metrics.segments).toBe(2);
    const segments = (await segmentsOf(registry, version))!;
    expect([...segments.sizes].sort((a, b) => a - b)).toEqual([PET_FANS, WAR_FANS]);

    // A stranger gets the popular (war) titles and no segment.
    const stranger = await engine.recommend({ user_id: 'stranger', limit: 10, diversity: 0 });
    expect(stranger.items[0]!.item_id).toMatch(/^war-/);
    expect(stranger.items.flatMap((i) => i.explanation_reasons).some((r) => SEGMENT_REASON.test(r))).toBe(false);

    // Told only an age, the service places the user with the family-film fans.
    await engine.setPreferences('grandma', prefs({ age_bucket: '55+' }));
    const placed = await engine.recommend({ user_id: 'grandma', limit: 10, diversity: 0 });
    const petShare = (items: { item_id: string }[]) => items.filter((i) => i.item_id.startsWith('pet-')).length;
    expect(petShare(placed.items)).toBeGreaterThan(petShare(stranger.items));
    const segmentItem = placed.items.find((i) => i.explanation_reasons.some((r) => SEGMENT_REASON.test(r)))!;
    expect(segmentItem.item_id).toMatch(/^pet-/);
    expect(segmentItem.explanation_reasons).toContain('popular with viewers like you (segment: 55+, family)');

    const exported = await engine.exportUser('grandma');
    expect(exported!.segment).toEqual({ segment: expect.any(Number), label: '55+, family', basis: ['demographics'], served: true });

    // Once the user has watched enough for a vector of their own, the segment is no longer served.
    await engine.ingestEvents(['war-1', 'war-2', 'war-3', 'war-4', 'war-5'].map((id) => watch('grandma', id)));
    const own = await engine.recommend({ user_id: 'grandma', limit: 5, diversity: 0 });
    expect(own.items.flatMap((i) => i.explanation_reasons).some((r) => SEGMENT_REASON.test(r))).toBe(false);
    expect(own.items.every((i) => i.item_id.startsWith('war-'))).toBe(true);
    expect((await engine.exportUser('grandma'))!.segment).toMatchObject({ served: false });
  });

  it('refits the segments of an incremental version on the users the store holds now', async () => {
    const { engine, registry } = await setup();
    await train(engine);
    await engine.setPreferences('late', prefs({ age_bucket: '55+' }));
    await engine.ingestEvents(['pet-1', 'pet-2', 'pet-3'].map((id) => watch('late', id)));
    const { version } = await train(engine, 'incremental');
    expect((await engine.listModels())[0]!.notes).toMatch(/incremental update of/);
    const segments = (await segmentsOf(registry, version))!;
    expect(segments.k).toBe(2);
    expect(segments.sizes.reduce((a, b) => a + b, 0)).toBe(WAR_FANS + PET_FANS + 1);
  });

  it('leaves erased users out of the segments of the next version', async () => {
    const { engine, registry } = await setup();
    await train(engine);
    for (const user of ['pet-fan-0', 'pet-fan-1']) await engine.eraseUser(user);
    await engine.ingestEvents([watch('war-fan-0', 'war-19')]);
    // An increment cannot forget a user (their vector would carry over): the engine trains in full.
    const { version } = await train(engine, 'incremental');
    const segments = (await segmentsOf(registry, version))!;
    expect(segments.sizes.reduce((a, b) => a + b, 0)).toBe(WAR_FANS + PET_FANS - 2);
    expect([...segments.sizes].sort((a, b) => a - b)).toEqual([PET_FANS - 2, WAR_FANS]);

    // With too few users left for two segments of 10, the next version has none at all.
    for (let u = 2; u < PET_FANS; u++) await engine.eraseUser(`pet-fan-${u}`);
    const after = await train(engine);
    expect(await segmentsOf(registry, after.version)).toBeUndefined();
    expect((await engine.listModels())[0]!.components).not.toContain('segments');
    await engine.setPreferences('grandpa', prefs({ age_bucket: '55+' }));
    expect((await engine.exportUser('grandpa'))!.segment).toBeNull();
  });
});
