// How a user's taste in stories moves: an exponential moving average of the story vectors of
// what they watched, snapshotted every week, and the drift between now and N weeks ago. The
// history is replayed from the user's events (the durable record), so it needs no storage of its
// own, survives restarts and disappears with the user's data on erasure.
import { feedbackSignal, type InteractionEvent, type UserItemFeature } from '@recsys/core';
import type { StoryTheme } from './lsa-model.js';
import { storyEvidence } from './story-profile.js';
import { cosine, normalizeInPlace } from './vector-math.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday; weeks start on Monday 00:00 UTC. */
const MONDAY_OFFSET_MS = 4 * DAY_MS;

export interface StoryObservation {
  /** Epoch milliseconds. */
  at: number;
  itemId: string;
  /** Signed evidence (storyEvidence of the event's feedback). */
  evidence: number;
}

/** One observation per event that says something about stories, oldest first. */
export function observationsFromEvents(events: readonly InteractionEvent[]): StoryObservation[] {
  const out: StoryObservation[] = [];
  for (const event of events) {
    if (!event.item_id) continue;
    const evidence = storyEvidence(feedbackSignal(event));
    const at = Date.parse(event.timestamp);
    if (evidence !== 0 && Number.isFinite(at)) out.push({ at, itemId: event.item_id, evidence });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * One observation per aggregated interaction, at its latest event: a cheaper approximation of
 * `observationsFromEvents` for the request path, where only the features are at hand.
 */
export function observationsFromFeatures(features: readonly UserItemFeature[]): StoryObservation[] {
  const out: StoryObservation[] = [];
  for (const f of features) {
    const evidence = storyEvidence(f);
    if (evidence !== 0) out.push({ at: f.last_at, itemId: f.item_id, evidence });
  }
  return out.sort((a, b) => a.at - b.at);
}

export interface StoryEvolutionOptions {
  /** Half-life of the moving average: evidence this old counts half. Shorter follows change faster. */
  halfLifeDays: number;
  /** Weekly snapshots kept, newest last. */
  maxSnapshots: number;
}

export const DEFAULT_STORY_EVOLUTION_OPTIONS: Readonly<StoryEvolutionOptions> = {
  halfLifeDays: 28,
  maxSnapshots: 52,
};

export interface StorySnapshot {
  /** Monday 00:00 UTC that starts the week; the snapshot is the state at the end of that week. */
  weekStart: number;
  /** Unit direction of the moving average. */
  vector: Float32Array;
  /** Decayed evidence mass behind it (Σ |w|·decay): how much recent history the direction has. */
  weight: number;
}

export interface StoryHistory {
  halfLifeDays: number;
  /** Completed weeks, oldest first, at most maxSnapshots. */
  snapshots: StorySnapshot[];
  /** The state at `at`. */
  current: { vector: Float32Array; weight: number };
  at: number;
}

/**
 * Replays observations (any order) into an exponential moving average with weekly snapshots:
 * m(t) = Σ wᵢ·vᵢ·2^(−(t − tᵢ)/halfLife). Titles without a vector in this space are skipped.
 * Undefined when nothing had a vector.
 */
export function trackStoryEvolution(
  observations: readonly StoryObservation[],
  vectorOf: (itemId: string) => Float32Array | undefined,
  now: number,
  options: Partial<StoryEvolutionOptions> = {},
): StoryHistory | undefined {
  const o = { ...DEFAULT_STORY_EVOLUTION_OPTIONS, ...options };
  const halfLifeMs = o.halfLifeDays * DAY_MS;
  const sorted = [...observations].filter((x) => x.at <= now).sort((a, b) => a.at - b.at);
  let sum: Float64Array | undefined;
  let mass = 0;
  let t = 0;
  let weekEnd = 0;
  const snapshots: StorySnapshot[] = [];
  const decayTo = (time: number) => {
    if (!sum || time <= t) return;
    const factor = 2 ** (-(time - t) / halfLifeMs);
    for (let d = 0; d < sum.length; d++) sum[d]! *= factor;
    mass *= factor;
    t = time;
  };
  const snapshotUntil = (time: number) => {
    // Skip whole empty stretches beyond the kept window instead of stepping through them.
    const lastUseful = time - o.maxSnapshots * WEEK_MS;
    if (weekEnd < lastUseful) weekEnd += Math.floor((lastUseful - weekEnd) / WEEK_MS) * WEEK_MS;
    while (weekEnd <= time) {
      decayTo(weekEnd);
      const vector = Float32Array.from(sum!);
      if (normalizeInPlace(vector) > 0) {
        snapshots.push({ weekStart: weekEnd - WEEK_MS, vector, weight: mass });
        if (snapshots.length > o.maxSnapshots) snapshots.shift();
      }
      weekEnd += WEEK_MS;
    }
  };
  for (const observation of sorted) {
    const vector = vectorOf(observation.itemId);
    if (!vector) continue;
    if (!sum) {
      sum = new Float64Array(vector.length);
      t = observation.at;
      weekEnd = weekStartOf(observation.at) + WEEK_MS;
    } else {
      snapshotUntil(observation.at);
      decayTo(observation.at);
    }
    for (let d = 0; d < vector.length; d++) sum[d]! += observation.evidence * vector[d]!;
    mass += Math.abs(observation.evidence);
  }
  if (!sum) return undefined;
  snapshotUntil(now);
  decayTo(now);
  const vector = Float32Array.from(sum);
  normalizeInPlace(vector);
  return { halfLifeDays: o.halfLifeDays, snapshots, current: { vector, weight: mass }, at: now };
}

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStartOf(at: number): number {
  return Math.floor((at - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
}

/** Anything that can name the themes of a direction in the story space (the LSA model can). */
export interface ThemeSource {
  themes(direction: Float32Array, count?: number, sign?: 1 | -1): StoryTheme[];
}

export interface StoryDrift {
  /** Weeks between the reference snapshot's end and now (may be fewer than asked for a new user). */
  weeks: number;
  /** End of the reference week, epoch milliseconds. */
  since: number;
  /** 1 − cos(profile now, profile then): 0 unchanged, 1 unrelated, up to 2 reversed. */
  cosineDistance: number;
  /** Unit direction of the change (profile now − profile then), zeros when it did not move. */
  direction: Float32Array;
  /** Themes the taste moved toward, strongest first (empty without a theme source). */
  rising: StoryTheme[];
  /** Themes it moved away from. */
  falling: StoryTheme[];
}

export interface StoryDriftOptions {
  /** Compare with the profile this many weeks ago. */
  weeks: number;
  themeCount: number;
}

export const DEFAULT_STORY_DRIFT_OPTIONS: Readonly<StoryDriftOptions> = { weeks: 4, themeCount: 5 };

/**
 * The drift of the profile between the latest snapshot at least `weeks` old (or the oldest one,
 * for a younger history) and now, with the themes that rose and fell along the change.
 * Undefined when there is no completed week to compare with.
 */
export function storyDrift(
  history: StoryHistory,
  themes?: ThemeSource,
  options: Partial<StoryDriftOptions> = {},
): StoryDrift | undefined {
  const o = { ...DEFAULT_STORY_DRIFT_OPTIONS, ...options };
  const cutoff = history.at - o.weeks * WEEK_MS;
  let reference: StorySnapshot | undefined;
  for (const snapshot of history.snapshots) {
    if (snapshot.weekStart + WEEK_MS <= cutoff) reference = snapshot;
  }
  reference ??= history.snapshots[0];
  if (!reference) return undefined;
  const since = reference.weekStart + WEEK_MS;
  const now = history.current.vector;
  const delta = Float32Array.from(now, (x, d) => x - reference.vector[d]!);
  const moved = normalizeInPlace(delta) > 1e-6;
  return {
    weeks: Math.round(((history.at - since) / WEEK_MS) * 10) / 10,
    since,
    cosineDistance: Math.round((1 - cosine(now, reference.vector)) * 10_000) / 10_000,
    direction: delta,
    rising: themes && moved ? themes.themes(delta, o.themeCount, 1) : [],
    falling: themes && moved ? themes.themes(delta, o.themeCount, -1) : [],
  };
}

/**
 * A short explanation of a drift, e.g. "taste_shift: toward space, astronaut; away from love
 * (0.42 in 4 weeks)"; undefined when the taste barely moved (cosine distance below `minDistance`).
 */
export function describeDrift(drift: StoryDrift, minDistance = 0.1, count = 2): string | undefined {
  if (drift.cosineDistance < minDistance || drift.rising.length === 0) return undefined;
  const toward = drift.rising.slice(0, count).map((t) => t.label);
  const away = drift.falling.slice(0, count).map((t) => t.label);
  const weeks = Number.isInteger(drift.weeks) ? drift.weeks : drift.weeks.toFixed(1);
  return `taste_shift: toward ${toward.join(', ')}${away.length ? `; away from ${away.join(', ')}` : ''} (${drift.cosineDistance.toFixed(2)} in ${weeks} weeks)`;
}

/** The story part of a user's data export: weekly themes and the recent drift, in wire format. */
export interface StoryEvolutionExport {
  half_life_days: number;
  weekly: { week_start: string; weight: number; themes: string[] }[];
  current_themes: string[];
  drift: {
    weeks: number;
    since: string;
    cosine_distance: number;
    rising: string[];
    falling: string[];
  } | null;
}

export function exportStoryEvolution(
  history: StoryHistory,
  themes?: ThemeSource,
  options: Partial<StoryDriftOptions> = {},
): StoryEvolutionExport {
  const count = options.themeCount ?? DEFAULT_STORY_DRIFT_OPTIONS.themeCount;
  const labels = (vector: Float32Array) => (themes ? themes.themes(vector, count, 1).map((t) => t.label) : []);
  const drift = storyDrift(history, themes, options);
  return {
    half_life_days: history.halfLifeDays,
    weekly: history.snapshots.map((s) => ({
      week_start: new Date(s.weekStart).toISOString(),
      weight: Math.round(s.weight * 1000) / 1000,
      themes: labels(s.vector),
    })),
    current_themes: labels(history.current.vector),
    drift: drift
      ? {
          weeks: drift.weeks,
          since: new Date(drift.since).toISOString(),
          cosine_distance: drift.cosineDistance,
          rising: drift.rising.map((t) => t.label),
          falling: drift.falling.map((t) => t.label),
        }
      : null,
  };
}
