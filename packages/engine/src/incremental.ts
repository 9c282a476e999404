import { type Artifacts, feedbackSignal, type ModelRecord, type Store } from '@recsys/core';
import { ImplicitALS, NeuMF } from '@recsys/models';
import { CALIBRATION_ARTIFACT, decodeJson, encodeBundle } from './model-bundle.js';
import { STORY_ARTIFACT } from './story.js';
import type { TrainedVersion } from './trainer.js';
import { SEGMENTS_ARTIFACT } from './segments/segment-model.js';
import { fitContextArtifacts } from './context/context-training.js';
import { refitSegments } from './segments/segment-training.js';

export class NoBaseVersionError extends Error {
  override name = 'NoBaseVersionError';
}

interface Fresh {
  user: number;
  item: number;
  preference: number;
}

/**
 * An incremental version: the base version's ALS and NCF moved by mini-batch updates on the events
 * received since it was trained (new users and items appended), without a full retrain. The
 * text model is carried over unchanged. There is no holdout: the next full retrain measures again.
 * Undefined when the base holds a user the store no longer knows (erased since): an increment
 * would carry their vector over, so only a full retrain may follow.
 */
export async function trainIncrement(
  store: Store,
  base: ModelRecord,
  baseArtifacts: Artifacts,
  version: string,
): Promise<TrainedVersion | undefined> {
  const started = performance.now();
  const userIds = [...decodeJson<string[]>(baseArtifacts['user-ids.json'], 'user-ids.json')];
  const stored = new Set(await store.users.userIds());
  // '' is a user already scrubbed out (model-scrub.ts): an anonymous row, nothing to forget.
  if (userIds.some((id) => id !== '' && !stored.has(id))) return undefined;
  const itemIds = [...decodeJson<string[]>(baseArtifacts['item-ids.json'], 'item-ids.json')];
  const userRow = new Map(userIds.map((id, row) => [id, row]));
  const itemRow = new Map(itemIds.map((id, row) => [id, row]));
  const known = new Set((await store.catalog.all()).map((item) => item.item_id));
  const since = Date.parse(base.created_at);

  // Fresh signal per (user, item), summed the way the features sum it.
  const fresh = new Map<string, Fresh>();
  let events = 0;
  for await (const event of store.events.scan()) {
    if (!event.received_at || Date.parse(event.received_at) <= since || !event.item_id || !known.has(event.item_id)) continue;
    const { preference } = feedbackSignal(event);
    if (preference === 0) continue;
    events++;
    let user = userRow.get(event.user_id);
    if (user === undefined) userRow.set(event.user_id, (user = userIds.push(event.user_id) - 1));
    let item = itemRow.get(event.item_id);
    if (item === undefined) itemRow.set(event.item_id, (item = itemIds.push(event.item_id) - 1));
    const key = `${user}:${item}`;
    const entry = fresh.get(key) ?? { user, item, preference: 0 };
    entry.preference += preference;
    fresh.set(key, entry);
  }
  const updates = [...fresh.values()].filter((f) => f.preference !== 0);
  // Decoded from the stored bytes: the serving copies are never mutated.
  const als = ImplicitALS.fromArtifact(baseArtifacts['als.bin']!).partialFit(updates);
  const ncfBytes = baseArtifacts['ncf.bin'];
  const ncf = ncfBytes ? NeuMF.fromArtifact(ncfBytes).partialFit(updates) : undefined;
  // Segments are refitted on the users the store holds now: one erased since the base is in none.
  const segments = await refitSegments(store, baseArtifacts[SEGMENTS_ARTIFACT], itemIds, (userId) => {
    const row = userRow.get(userId);
    return row !== undefined && row < als.nUsers ? als.userVector(row) : undefined;
  }, (vector) => als.scoreItems(vector));
  return {
    record: {
      version,
      created_at: new Date().toISOString(),
      components: base.components,
      metrics: { incremental_events: events, updated_pairs: updates.length, users: userIds.length, items: itemIds.length },
      training_seconds: (performance.now() - started) / 1000,
      notes: `incremental update of ${base.version}`,
    },
    artifacts: encodeBundle({
      als,
      userIds,
      itemIds,
      ncf,
      story: baseArtifacts[STORY_ARTIFACT],
      calibration: baseArtifacts[CALIBRATION_ARTIFACT],
      segments,
      // Refitted, not carried over: trending counters and transitions follow the fresh events.
      context: await fitContextArtifacts(store),
    }),
  };
}
