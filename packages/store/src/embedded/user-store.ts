import type { UserPreferences, UserStore } from '@recsys/core';
import { SnapshotLog, type SnapshotLogOpenResult } from './snapshot-log.js';

// User preferences in memory, made durable by an op log (users.log) compacted into
// users.snapshot.jsonl. Setting preferences replaces them whole, so replay is idempotent.
// Erasing a user logs an `erase` op and then compacts, so neither file keeps their preferences.

export type UserPreferencesOp =
  | { op: 'set'; user_id: string; preferences: UserPreferences }
  | { op: 'erase'; user_id: string };

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
  /** An erase op was applied; read at open, where it means the op log still holds erased data. */
  private erasedSinceCompaction = false;

  constructor(private readonly options: UserStoreOptions) {
    this.state = new SnapshotLog<UserPreferencesOp, UserPreferencesRecord>({
      dir: options.dir,
      name: 'users',
      compactAfterOps: options.compactAfterOps,
      restore: (record) => this.set(record),
      apply: (op) => this.apply(op),
      snapshot: () => this.records(),
      mustCompact: () => this.erasedSinceCompaction,
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

  /**
   * Removes the user's preferences from memory and from disk: the erase op is made durable first
   * (a crash after it completes the erasure on the next open), then the log is compacted without
   * them. False when the user had no preferences (nothing is written then).
   */
  async erase(userId: string): Promise<boolean> {
    checkUserId(userId, 'userId');
    if (!this.preferences.has(userId)) return false;
    await this.state.commit([{ op: 'erase', user_id: userId }]);
    await this.state.compact();
    return true;
  }

  async userIds(): Promise<string[]> {
    const ids = new Set(this.preferences.keys());
    for (const id of this.options.eventUserIds?.() ?? []) ids.add(id);
    return [...ids];
  }

  private apply(op: UserPreferencesOp): void {
    switch (op?.op) {
      case 'set':
        this.set(op);
        return;
      case 'erase':
        checkUserId(op.user_id, 'user_id');
        this.preferences.delete(op.user_id);
        this.erasedSinceCompaction = true;
        return;
      default:
        throw new Error(`unknown user op ${JSON.stringify((op as { op?: unknown })?.op)}`);
    }
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
