import type { UserPreferences } from '@recsys/core';
import type { SegmentProfile } from '@recsys/insights';

/**
 * What segments know about a user besides their vector: demographics, and genre shares from the
 * genres they chose at onboarding plus those of the titles they liked. Training and placement both
 * build profiles here, so a new user is encoded the way the segment members were.
 *
 * Each stated genre counts 1; each liked title adds 1 split over its genres.
 */
export function segmentProfile(
  preferences: Pick<UserPreferences, 'age_bucket' | 'country' | 'gender' | 'genres'> | undefined,
  likedTitleGenres: Iterable<readonly string[]> = [],
): SegmentProfile {
  const profile: SegmentProfile = {};
  if (preferences?.age_bucket) profile.age_bucket = preferences.age_bucket;
  if (preferences?.country) profile.country = preferences.country.toUpperCase();
  if (preferences?.gender) profile.gender = preferences.gender.toUpperCase();
  const shares: Record<string, number> = {};
  for (const genre of preferences?.genres ?? []) {
    const key = genre.toLowerCase();
    shares[key] = (shares[key] ?? 0) + 1;
  }
  for (const genres of likedTitleGenres) {
    for (const genre of genres) {
      const key = genre.toLowerCase();
      shares[key] = (shares[key] ?? 0) + 1 / genres.length;
    }
  }
  if (Object.keys(shares).length > 0) profile.genre_shares = shares;
  return profile;
}
