import type { ModelRegistry, Store } from '@recsys/core';
import type { EngineLogger } from './logger.js';

// GDPR erasure reaches the store at once; model versions trained before it still list the erased
// user in their `user-ids.json` (the row of their vector). After each retrain, the versions the
// registry keeps are scrubbed: ids the store no longer knows become '' (an empty id, never a
// valid user id), so no stored version names an erased user. Their anonymous rows stay, so a
// rollback to such a version still serves everyone else. Incremental updates never extend a
// version that holds an erased user (see incremental.ts): the next version has no row for them.

export const USER_IDS_ARTIFACT = 'user-ids.json';
/** What an erased user's id becomes in a scrubbed version. */
export const ERASED_USER_ID = '';

export interface ScrubReport {
  versions: number;
  users: number;
}

/** Scrubs every stored version; a registry that cannot rewrite artifacts is left as it is. */
export async function scrubErasedUsers(registry: ModelRegistry, store: Store, logger: EngineLogger): Promise<ScrubReport> {
  const report = { versions: 0, users: 0 };
  if (!registry.loadArtifact || !registry.replaceArtifacts) return report;
  let known: Set<string> | undefined;
  for (const record of await registry.list()) {
    const bytes = await registry.loadArtifact(record.version, USER_IDS_ARTIFACT);
    if (!bytes) continue;
    const ids = JSON.parse(new TextDecoder().decode(bytes)) as string[];
    known ??= new Set(await store.users.userIds());
    let erased = 0;
    const scrubbed = ids.map((id) => {
      if (id === ERASED_USER_ID || known!.has(id)) return id;
      erased++;
      return ERASED_USER_ID;
    });
    if (erased === 0) continue;
    await registry.replaceArtifacts(record.version, { [USER_IDS_ARTIFACT]: new TextEncoder().encode(JSON.stringify(scrubbed)) });
    report.versions++;
    report.users += erased;
  }
  if (report.versions > 0) logger.info({ ...report }, 'erased users scrubbed from earlier model versions');
  return report;
}
