import type { UserPreferences, UserStore } from '@recsys/core';
import { SnapshotLog, type SnapshotLogOpenResult } from './snapshot-log.js';

// User preferences in memory, made durable by an op log (users.log) compacted into
// users.snapshot.jsonl. Setting preferences replaces them whole, so replay is idempotent.

export interface UserPreferencesOp {
  op: 'set';
  user_id: string;
  preferences: UserPreferences;
}

export interface UserPreferencesRecord {
  user_id: string;
  preferences: UserPreferences;
}

export interface UserStoreOptions {
  dir: string;
  compactAfterOps: number;
  /** Users known from events, listed by `userIds()` after those with preferences. */
  eventUserIds?: () => Iterable<string>;
}

export class EmbeddedUserStore implements UserStore {
  private readonly preferences = new Map<string, UserPreferences>();
  private readonly state: SnapshotLog<UserPreferencesOp, UserPreferencesRecord>;

  constructor(private readonly options: UserStoreOptions) {
    this.state = new SnapshotLog<UserPreferencesOp, UserPreferencesRecord>({
      dir: options.dir,
      name: 'users',
      compactAfterOps: options.compactAfterOps,
      restore: (record) => this.set(record),
      apply: (op) => {
        if (op?.op !== 'set') throw new Error(`unknown user op ${JSON.stringify((op as { op?: unknown })?.op)}`);
        this.set(op);
      },
      snapshot: () => this.records(),
    });
  }

  open(): Promise<SnapshotLogOpenResult> {
    return this.state.open();
  }

  get writable(): boolean {
    return this.state.writable;
  }

  close(): Promise<void> {
    return this.state.close();
  }

  /** The stored preferences (shared: treat as read-only). */
  async getPreferences(userId: string): Promise<UserPreferences | undefined> {
    return this.preferences.get(userId);
  }

  /** Replaces the user's preferences; resolves once durable. */
  async setPreferences(userId: string, preferences: UserPreferences): Promise<void> {
    checkUserId(userId, 'userId');
    await this.state.commit([{ op: 'set', user_id: userId, preferences: { ...preferences } }]);
  }

  async userIds(): Promise<string[]> {
    const ids = new Set(this.preferences.keys());
    for (const id of this.options.eventUserIds?.() ?? []) ids.add(id);
    return [...ids];
  }

  private set(record: UserPreferencesRecord): void {
    checkUserId(record?.user_id, 'user_id');
    if (typeof record.preferences !== 'object' || record.preferences === null) {
      throw new TypeError('preferences must be an object');
    }
    this.preferences.set(record.user_id, record.preferences);
  }

  private *records(): Iterable<UserPreferencesRecord> {
    for (const [user_id, preferences] of this.preferences) yield { user_id, preferences };
  }
}

function checkUserId(userId: unknown, where: string): void {
  if (typeof userId !== 'string' || userId === '') throw new TypeError(`${where} must be a non-empty string`);
}
