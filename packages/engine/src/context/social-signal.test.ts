import type { UserItemFeature, UserPreferences } from '@recsys/core';
import { testItem } from '@recsys/core/testing';
import { CatalogView, popularitySignal, rank, type UserState } from '@recsys/ranking';
import { describe, expect, it } from 'vitest';
import { friendActivity, friendIds, loadFriendActivity, SOCIAL_REASON, socialSignal } from './social-signal.js';

const item = (id: string) => testItem(id, { title: `Title ${id}`, genres: ['Drama'] });
const catalog = new CatalogView(Array.from({ length: 30 }, (_, i) => item(`m${i}`)));
const n = catalog.size;
// Popularity slightly decreasing with the row: without other signals the list is m0, m1, m2, ...
const popularity = popularitySignal(
  Float32Array.from({ length: n }, (_, r) => 0.5 - r / 1000),
  new Float32Array(n),
  new Float32Array(n).fill(5),
  new Int32Array(n),
);
const liked = (item_id: string, preference: number): UserItemFeature => ({ item_id, preference, events: 1, consumed: true, last_at: 0 });
const prefs = (friends: string[]): UserPreferences => ({
  genres: [],
  languages: [],
  content_types: [],
  liked_item_ids: [],
  disliked_item_ids: [],
  friends,
  updated_at: '2026-01-01T00:00:00Z',
});
const user: UserState = { userId: 'me', interactions: [] };
const weights = { collaborative: 0, popularity: 1, trending: 0 };

describe('social signal', () => {
  it('puts what friends liked at the top, explained only as "popular with your friends"', () => {
    // Planted: two friends rated m25 highly, one completed m27; m20 was rejected by a friend.
    const activity = friendActivity([
      [liked('m25', 4), liked('m20', -4)],
      [liked('m25', 2), liked('m27', 3)],
    ]);
    const signal = socialSignal(catalog, activity)!;
    expect(signal).toBeDefined();
    const result = rank({ catalog, popularity, contextSignals: [signal] }, user, { limit: 5, weights });
    const ids = result.items.map((r) => r.item.item_id);
    expect(ids.slice(0, 2)).toEqual(['m25', 'm27']);
    expect(ids).not.toContain('m20');
    expect(result.items[0]!.explanation_reasons).toContain(SOCIAL_REASON);
  });

  it('does nothing without friends or when friends liked nothing in the catalogue', () => {
    expect(socialSignal(catalog, undefined)).toBeUndefined();
    expect(socialSignal(catalog, friendActivity([]))).toBeUndefined();
    expect(socialSignal(catalog, friendActivity([[liked('not-in-catalogue', 4)], [liked('m3', -2)]]))).toBeUndefined();
    const plain = rank({ catalog, popularity }, user, { limit: 5, weights });
    expect(plain.items.map((r) => r.item.item_id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('never names a friend, their rating or their count in a reason', () => {
    const friends = ['alice-1234', 'bob@example.com'];
    const activity = friendActivity([[liked('m10', 4)], [liked('m10', 4), liked('m11', 1)]]);
    const signal = socialSignal(catalog, activity)!;
    const result = rank(
      { catalog, popularity, contextSignals: [signal] },
      { ...user, preferences: prefs(friends) },
      { limit: 10, weights },
    );
    const reasons = result.items.flatMap((r) => r.explanation_reasons);
    expect(reasons).toContain(SOCIAL_REASON);
    for (const reason of reasons) {
      for (const leak of [...friends, 'alice', 'bob', ' 4', '2 friends', '(']) {
        if (reason.startsWith('popular with')) expect(reason).not.toContain(leak);
      }
    }
    expect(reasons.filter((r) => r.includes('friend'))).toEqual(reasons.filter((r) => r === SOCIAL_REASON));
  });

  it('reads at most 50 distinct friends, never the user, in parallel', async () => {
    const many = ['me', ...Array.from({ length: 80 }, (_, i) => `f${i % 70}`)];
    expect(friendIds('me', prefs(many))).toHaveLength(50);
    expect(friendIds('me', prefs(many))).not.toContain('me');
    const asked: string[] = [];
    const features = {
      userItems: async (id: string) => {
        asked.push(id);
        return [liked('m1', 3)];
      },
    };
    const activity = await loadFriendActivity(features, 'me', prefs(many));
    expect(asked).toHaveLength(50);
    expect(activity!.friends).toBe(50);
    expect(await loadFriendActivity(features, 'me', prefs([]))).toBeUndefined();
    expect(await loadFriendActivity(features, 'me', undefined)).toBeUndefined();
  });

  it('the title more friends liked scores higher; one friend\'s passing like is a nudge, not a reason', () => {
    const signal = socialSignal(catalog, friendActivity([[liked('m5', 3), liked('m6', 3)], [liked('m5', 3)], [liked('m5', 3)]]))!;
    const [group, single] = signal.score(Int32Array.of(5, 6));
    expect(group).toBe(1);
    expect(single!).toBeCloseTo(1 / 3, 5);
    expect(signal.reason(5)).toBe(SOCIAL_REASON);
    expect(signal.reason(6)).toBeUndefined();
    // A lone friend's like is worth half of what two friends agreeing on a title would be, and is
    // never explained: "popular with your friends" would say what that one friend watched.
    const lone = socialSignal(catalog, friendActivity([[liked('m5', 3)]]))!;
    expect(lone.score(Int32Array.of(5))[0]).toBe(0.5);
    expect(lone.reason(5)).toBeUndefined();
  });
});
