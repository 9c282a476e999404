import type { UserItemFeature } from '@recsys/core';
import { normalizeInPlace } from './vector-math.js';

export interface StoryProfileOptions {
  /** An interaction this many days old counts half as much as one from today. */
  halfLifeDays: number;
}

export const DEFAULT_STORY_PROFILE_OPTIONS: Readonly<StoryProfileOptions> = { halfLifeDays: 120 };

/** What a user's history says about the stories they like. */
export interface StoryProfile {
  /** Unit direction of the user's taste in the story space. */
  vector: Float32Array;
  /**
   * ‖Σ wᵢ vᵢ‖ / Σ |wᵢ| in [0, 1]: near 1 when everything they liked tells one kind of story, near 0
   * when their likes (and dislikes) cancel out. A measure of how much the direction can be trusted.
   */
  coherence: number;
  /** Interactions that counted. */
  items: number;
}

/**
 * How much an aggregated interaction says about the user's taste in stories (before time decay),
 * with feedbackSignal's sign: what they watched counts with its preference (finished and rewatched
 * titles strongly, early abandons and low ratings against); of what they did not watch only
 * rejections (skips) count, against. Clicks, dwells and saves of unwatched titles are interest in
 * a poster, not evidence about the story, and count zero.
 */
export function storyEvidence(feature: Pick<UserItemFeature, 'preference' | 'consumed'>): number {
  if (feature.consumed) return feature.preference;
  return feature.preference < 0 ? feature.preference : 0;
}

/**
 * Time-decayed, feedback-weighted mean of the story vectors of a user's titles:
 *   p = Σ wᵢ·2^(−ageᵢ/halfLife)·vᵢ / Σ |wᵢ|·2^(−ageᵢ/halfLife),  wᵢ = storyEvidence,
 * returned as a direction with its coherence ‖p‖. Negatives subtract, so a skipped thriller pushes
 * the profile away from thrillers. Undefined when no titles with a vector carry evidence.
 */
export function storyProfile(
  interactions: readonly UserItemFeature[],
  vectorOf: (itemId: string) => Float32Array | undefined,
  now: number,
  options: Partial<StoryProfileOptions> = {},
): StoryProfile | undefined {
  const { halfLifeDays } = { ...DEFAULT_STORY_PROFILE_OPTIONS, ...options };
  const halfLifeMs = halfLifeDays * 86_400_000;
  let sum: Float64Array | undefined;
  let total = 0;
  let items = 0;
  for (const interaction of interactions) {
    const evidence = storyEvidence(interaction);
    if (evidence === 0) continue;
    const vector = vectorOf(interaction.item_id);
    if (!vector) continue;
    // Events from the future (clock skew) count as now, not more than now.
    const age = Math.max(0, now - interaction.last_at);
    const weight = evidence * 2 ** (-age / halfLifeMs);
    sum ??= new Float64Array(vector.length);
    for (let d = 0; d < vector.length; d++) sum[d]! += weight * vector[d]!;
    total += Math.abs(weight);
    items++;
  }
  if (!sum || total === 0) return undefined;
  const vector = Float32Array.from(sum, (x) => x / total);
  const coherence = normalizeInPlace(vector);
  return coherence > 1e-9 ? { vector, coherence: Math.min(1, coherence), items } : undefined;
}
