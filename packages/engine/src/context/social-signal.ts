import type { FeatureStore, UserItemFeature, UserPreferences } from '@recsys/core';
import type { CatalogView, ContextSignal, UserState } from '@recsys/ranking';
import { type ContextInputs, defaultWeight } from './context-inputs.js';

export const SOCIAL_SIGNAL = 'social';
/** The only thing a recommendation ever says about friends: never who, never how they rated. */
export const SOCIAL_REASON = 'popular with your friends';

export interface SocialOptions {
  /** Friends read per user; the rest of a long list is ignored (bounded reads per request). */
  maxFriends: number;
  /** A friend's preference at which their like counts fully (rate 5 → 4, complete → 3). */
  fullPreference: number;
  /** Items kept per user, the friends' strongest first: bounds the memory of a cached state. */
  maxItems: number;
  defaultWeight: number;
}

export const DEFAULT_SOCIAL_OPTIONS: Readonly<SocialOptions> = {
  maxFriends: 50,
  fullPreference: 3,
  maxItems: 2000,
  defaultWeight: 0.2,
};

/**
 * What a user's friends liked, aggregated so nothing of one friend can be read back: per item the
 * sum over friends of their like strength in 0-1 (each friend counts at most once per item).
 */
export interface FriendActivity {
  /** Friends whose features were read. */
  readonly friends: number;
  /** item_id → summed like strength of the friends (only items some friend liked). */
  readonly items: ReadonlyMap<string, number>;
}

/** The friends to read: distinct, not the user, at most `maxFriends`. */
export function friendIds(userId: string, preferences: UserPreferences | undefined, maxFriends = DEFAULT_SOCIAL_OPTIONS.maxFriends): string[] {
  const out = new Set<string>();
  for (const id of preferences?.friends ?? []) {
    if (out.size >= maxFriends) break;
    if (id && id !== userId) out.add(id);
  }
  return [...out];
}

/** Aggregates friends' user-item features: liked (positive) items only; rejections say nothing here. */
export function friendActivity(
  friendsFeatures: readonly (readonly UserItemFeature[])[],
  options: Partial<SocialOptions> = {},
): FriendActivity {
  const o = { ...DEFAULT_SOCIAL_OPTIONS, ...options };
  const sums = new Map<string, number>();
  for (const features of friendsFeatures) {
    for (const f of features) {
      if (!(f.preference > 0)) continue;
      const strength = Math.min(1, f.preference / o.fullPreference);
      sums.set(f.item_id, (sums.get(f.item_id) ?? 0) + strength);
    }
  }
  const items =
    sums.size <= o.maxItems ? sums : new Map([...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, o.maxItems));
  return { friends: friendsFeatures.length, items };
}

/** Reads the friends' features (at most `maxFriends`, in parallel); undefined when the user has none. */
export async function loadFriendActivity(
  features: Pick<FeatureStore, 'userItems'>,
  userId: string,
  preferences: UserPreferences | undefined,
  options: Partial<SocialOptions> = {},
): Promise<FriendActivity | undefined> {
  const ids = friendIds(userId, preferences, options.maxFriends);
  if (ids.length === 0) return undefined;
  const lists = await Promise.all(ids.map((id) => features.userItems(id)));
  return friendActivity(lists, options);
}

/** Share of the friends' favourite a title needs before the reason names friends at all. */
const MIN_EXPLAINED = 0.5;

/**
 * What friends liked as catalogue rows: an open-addressing table of row → score (a lookup is a
 * probe or two) and the rows best first. Built once per friend activity (it lives with the user's
 * cached state) and catalogue, so a request only reads typed arrays.
 */
interface FriendRows {
  /** Row in each slot (-1: empty); the table is a power of two at least twice the rows. */
  keys: Int32Array;
  scores: Float32Array;
  mask: number;
  ranked: Int32Array;
  /** What the scores are divided by: the friends' favourite's summed strength, at least 2. */
  most: number;
}

const friendRowsMemo = new WeakMap<FriendActivity, { catalog: CatalogView; table: FriendRows }>();

function friendRows(catalog: CatalogView, activity: FriendActivity): FriendRows {
  const memo = friendRowsMemo.get(activity);
  if (memo && memo.catalog === catalog) return memo.table;
  let most = 2;
  for (const sum of activity.items.values()) if (sum > most) most = sum;
  const pairs: [number, number][] = [];
  for (const [itemId, sum] of activity.items) {
    const row = catalog.rowOf(itemId);
    if (row !== undefined) pairs.push([row, sum / most]);
  }
  let size = 8;
  while (size < pairs.length * 2) size *= 2;
  const table: FriendRows = {
    keys: new Int32Array(size).fill(-1),
    scores: new Float32Array(size),
    mask: size - 1,
    ranked: Int32Array.from([...pairs].sort((a, b) => b[1] - a[1] || a[0] - b[0]), ([row]) => row),
    most,
  };
  for (const [row, score] of pairs) {
    let slot = hashRow(row) & table.mask;
    while (table.keys[slot] !== -1) slot = (slot + 1) & table.mask;
    table.keys[slot] = row;
    table.scores[slot] = score;
  }
  friendRowsMemo.set(activity, { catalog, table });
  return table;
}

const hashRow = (row: number) => Math.imul(row, 0x9e3779b1) >>> 7;

/** The score of `row` (0 when no friend liked it). */
function lookup(table: FriendRows, row: number): number {
  for (let slot = hashRow(row) & table.mask; ; slot = (slot + 1) & table.mask) {
    const key = table.keys[slot]!;
    if (key === row) return table.scores[slot]!;
    if (key === -1) return 0;
  }
}

/**
 * "Popular with your friends": boosts what friends liked, by how many of them liked it relative to
 * the title they agree on most (at least two friends' worth): with friends who watch a lot, one
 * friend's like is a nudge and the title the whole group watched is the strong pick.
 */
export class SocialSignal implements ContextSignal {
  readonly name = SOCIAL_SIGNAL;
  private readonly table: FriendRows;

  constructor(
    catalog: CatalogView,
    activity: FriendActivity,
    readonly defaultWeight = DEFAULT_SOCIAL_OPTIONS.defaultWeight,
  ) {
    this.table = friendRows(catalog, activity);
  }

  /** True when no friend liked anything in this catalogue. */
  get isEmpty(): boolean {
    return this.table.ranked.length === 0;
  }

  score(rows: Int32Array): Float32Array {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = lookup(this.table, rows[i]!);
    return out;
  }

  candidates(limit: number): Int32Array {
    return this.table.ranked.slice(0, limit);
  }

  /**
   * Named only for titles about half the friends' favourite or more, and only when more than one
   * friend's worth of likes is behind it (a friend counts at most 1): a reason must not reveal
   * what one particular friend watched.
   */
  reason(row: number): string | undefined {
    const score = lookup(this.table, row);
    return score >= MIN_EXPLAINED && score * this.table.most > 1 ? SOCIAL_REASON : undefined;
  }
}

/** The signal for one request; undefined (off) when no friend liked anything in the catalogue. */
export function socialSignal(catalog: CatalogView, activity: FriendActivity | undefined, options: Partial<SocialOptions> = {}): SocialSignal | undefined {
  if (!activity || activity.items.size === 0) return undefined;
  const signal = new SocialSignal(catalog, activity, options.defaultWeight ?? DEFAULT_SOCIAL_OPTIONS.defaultWeight);
  return signal.isEmpty ? undefined : signal;
}

/** A user state that carries what their friends liked (loaded with the state, see UserStateCache). */
export interface WithFriendActivity {
  friendActivity?: FriendActivity;
}

const friendActivityOf = (user: UserState): FriendActivity | undefined => (user as UserState & WithFriendActivity).friendActivity;

/** Registry factory: the social signal of a request, off when the user has no friends. */
export function socialContextSignal(inputs: ContextInputs): ContextSignal | undefined {
  return socialSignal(inputs.catalog, friendActivityOf(inputs.user), {
    defaultWeight: defaultWeight(inputs.options, SOCIAL_SIGNAL, DEFAULT_SOCIAL_OPTIONS.defaultWeight),
  });
}
