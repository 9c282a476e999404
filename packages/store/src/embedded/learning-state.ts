import type {
  Attribution,
  AttributionStatus,
  BanditState,
  ExperimentRecord,
  Impression,
  LearningErasure,
  Outcome,
  VariantCounters,
} from '@recsys/core';
import { type ImpressionState, ServedList } from './served-list.js';

// The learning state in memory, with the arithmetic both adapters share (the Redis Lua scripts in
// ../redis/lua/learning-*.lua do the same): impressions and their outcome, per-variant counters,
// decayed bandit evidence, assignments, attributions and experiments. Impressions are held only
// while attribution may need them (ImpressionLimits); counters and bandit evidence are aggregates
// and outlive them.

export interface BanditEvidence {
  successes: Map<string, number>;
  failures: Map<string, number>;
  observations: number;
  /** Half-life in observations last used; null: no decay. */
  halfLife: number | null;
  /** Slots recorded up to this observation predate the last reset and move no evidence. */
  resetAt: number;
}

export const COUNTER_FIELDS = [
  'users',
  'impressions',
  'clicks',
  'plays',
  'completions',
  'watch_count',
  'watch_sum',
  'watch_sum_squares',
] as const;
type CounterField = (typeof COUNTER_FIELDS)[number];

export function emptyCounters(variant: string): VariantCounters {
  return { variant, users: 0, impressions: 0, clicks: 0, plays: 0, completions: 0, watch_count: 0, watch_sum: 0, watch_sum_squares: 0 };
}

/** Per-observation decay factor for a half-life (1 without decay). */
export function decayFactor(halfLife: number | null): number {
  return halfLife !== null && Number.isFinite(halfLife) && halfLife > 0 ? Math.pow(0.5, 1 / halfLife) : 1;
}

/** How long and how many impressions stay in memory for attribution. */
export interface ImpressionLimits {
  /**
   * Lists served this long before the newest one are dropped (the attribution window plus a grace
   * for outcomes queued while the store was unavailable).
   */
  windowMs: number;
  /** At most this many impressions are held; beyond, the oldest lists are dropped. */
  maxImpressions: number;
}

/** Impressions outlive the attribution window by this: outcomes may wait a little in a buffer. */
export const IMPRESSION_GRACE_MS = 5 * 60_000;

/** How long impressions must be held for an attribution window. */
export function impressionWindowFor(attributionWindowMs: number): number {
  return attributionWindowMs + IMPRESSION_GRACE_MS;
}

export const DEFAULT_IMPRESSION_LIMITS: ImpressionLimits = { windowMs: impressionWindowFor(30 * 60_000), maxImpressions: 500_000 };

export class LearningState {
  /**
   * request_id -> list, oldest first (insertion order): only the lists attribution may still need.
   * Eviction runs as impressions are recorded and takes the newest served time as its clock, not
   * the wall clock, so replaying the op log evicts exactly what the live process evicted.
   */
  readonly lists = new Map<string, ServedList>();
  /** user_id -> item_id -> list holding the user's latest impression of the item. */
  readonly latest = new Map<string, Map<string, ServedList>>();
  readonly attributions = new Map<string, Attribution[]>();
  /** user_id -> experiment_id -> variant. */
  readonly assignments = new Map<string, Map<string, string>>();
  /** experiment_id -> variant -> counters. */
  readonly counters = new Map<string, Map<string, VariantCounters>>();
  readonly bandit: BanditEvidence = { successes: new Map(), failures: new Map(), observations: 0, halfLife: null, resetAt: 0 };
  readonly experiments = new Map<string, ExperimentRecord>();
  /** Impressions held in `lists`. */
  held = 0;
  /** Impressions dropped from memory by the window or the cap since this state was built. */
  evicted = 0;
  /** Newest served time recorded: the clock of the window. */
  private clock = -Infinity;

  constructor(readonly limits: ImpressionLimits = DEFAULT_IMPRESSION_LIMITS) {}

  recordImpressions(impressions: readonly Impression[], halfLife: number | null): { recorded: number; duplicates: number } {
    let recorded = 0;
    let duplicates = 0;
    this.bandit.halfLife = halfLife;
    const factor = decayFactor(halfLife);
    for (const impression of impressions) {
      let list = this.lists.get(impression.request_id);
      if (list && list.indexOf(impression.item_id) >= 0) {
        duplicates++;
        continue;
      }
      if (!list) this.lists.set(impression.request_id, (list = new ServedList({ ...impression })));
      const assigned = setIn(this.assignments, impression.user_id, () => new Map<string, string>());
      const counters = this.countersOf(impression.experiment_id, impression.variant);
      if (!assigned.has(impression.experiment_id)) {
        assigned.set(impression.experiment_id, impression.variant);
        counters.users++;
      }
      counters.impressions++;
      let obs: number | undefined;
      if (impression.arm !== undefined) {
        this.decay(factor);
        const arm = impression.arm;
        this.bandit.failures.set(arm, (this.bandit.failures.get(arm) ?? 0) + 1);
        this.bandit.successes.set(arm, this.bandit.successes.get(arm) ?? 0);
        obs = ++this.bandit.observations;
      }
      list.add(impression, obs);
      this.held++;
      setIn(this.latest, impression.user_id, () => new Map<string, ServedList>()).set(impression.item_id, list);
      if (impression.served_at > this.clock) this.clock = impression.served_at;
      recorded++;
    }
    this.evict();
    return { recorded, duplicates };
  }

  attribute(outcomes: readonly Outcome[]): AttributionStatus[] {
    return outcomes.map((outcome) => this.attributeOne(outcome));
  }

  private attributeOne(outcome: Outcome): AttributionStatus {
    const list =
      outcome.request_id === undefined ? this.latest.get(outcome.user_id)?.get(outcome.item_id) : this.lists.get(outcome.request_id);
    const i = list ? list.indexOf(outcome.item_id) : -1;
    if (!list || i < 0 || list.userAt(i) !== outcome.user_id) return 'unknown';
    if (outcome.request_id === undefined && list.servedAt(i) < (outcome.window_start ?? -Infinity)) return 'unknown';
    const existing = list.outcomeAt(i);
    if (existing?.events.includes(outcome.event_id)) return 'duplicate';
    const state = existing ?? list.outcomeFor(i);
    state.events.push(outcome.event_id);

    const { experiment_id, variant } = list.variantAt(i);
    const counters = this.countersOf(experiment_id, variant);
    const wasSuccess = state.strongest > 0;
    if (Math.abs(outcome.preference) > Math.abs(state.strongest)) state.strongest = outcome.preference;
    const success = state.strongest > 0;
    if (success !== wasSuccess) {
      counters.clicks += success ? 1 : -1;
      this.moveBanditWeight(list.armAt(i), list.obsAt(i), success);
    }
    if (outcome.play && !state.played) {
      state.played = true;
      counters.plays++;
    }
    if (outcome.completed && !state.completed) {
      state.completed = true;
      counters.completions++;
    }
    const seconds = outcome.watch_seconds;
    if (seconds !== undefined && seconds >= 0) {
      if (state.watch < 0) {
        counters.watch_count++;
        counters.watch_sum += seconds;
        counters.watch_sum_squares += seconds * seconds;
        state.watch = seconds;
      } else if (seconds > state.watch) {
        counters.watch_sum += seconds - state.watch;
        counters.watch_sum_squares += seconds * seconds - state.watch * state.watch;
        state.watch = seconds;
      }
    }
    const impression = list.impressionAt(i);
    const attribution: Attribution = {
      event_id: outcome.event_id,
      event_type: outcome.event_type,
      user_id: outcome.user_id,
      item_id: outcome.item_id,
      request_id: impression.request_id,
      position: impression.position,
      algorithm_source: impression.algorithm_source,
      experiment_id: impression.experiment_id,
      variant: impression.variant,
      matched_by: outcome.request_id === undefined ? 'window' : 'recommendation_id',
      at: outcome.at,
    };
    if (impression.arm !== undefined) attribution.arm = impression.arm;
    setIn(this.attributions, outcome.user_id, () => [] as Attribution[]).push(attribution);
    return 'attributed';
  }

  /** The slot's failure, decayed as much as the rest of the evidence since, becomes a success (or back). */
  private moveBanditWeight(arm: string | undefined, obs: number | undefined, success: boolean): void {
    if (arm === undefined || obs === undefined || obs <= this.bandit.resetAt) return;
    const weight = Math.pow(decayFactor(this.bandit.halfLife), this.bandit.observations - obs);
    const [from, to] = success ? [this.bandit.failures, this.bandit.successes] : [this.bandit.successes, this.bandit.failures];
    from.set(arm, Math.max(0, (from.get(arm) ?? 0) - weight));
    to.set(arm, (to.get(arm) ?? 0) + weight);
  }

  private decay(factor: number): void {
    if (factor === 1) return;
    for (const map of [this.bandit.successes, this.bandit.failures]) for (const [arm, value] of map) map.set(arm, value * factor);
  }

  resetBandit(): void {
    this.bandit.successes.clear();
    this.bandit.failures.clear();
    this.bandit.resetAt = this.bandit.observations;
  }

  banditState(): BanditState {
    const arms = [...new Set([...this.bandit.successes.keys(), ...this.bandit.failures.keys()])].sort();
    return {
      arms: arms.map((arm) => ({ arm, successes: this.bandit.successes.get(arm) ?? 0, failures: this.bandit.failures.get(arm) ?? 0 })),
      observations: this.bandit.observations,
    };
  }

  variantCounters(experimentId: string): VariantCounters[] {
    return [...(this.counters.get(experimentId)?.values() ?? [])].map((c) => ({ ...c }));
  }

  impressionsOf(requestId: string): Impression[] {
    const list = this.lists.get(requestId);
    if (!list) return [];
    return list.items.map((_, i) => list.impressionAt(i)).sort((a, b) => a.position - b.position);
  }

  /** The user's impressions still held, oldest list first. */
  impressionsOfUser(userId: string): Impression[] {
    const found: Impression[] = [];
    for (const list of this.lists.values()) {
      if (list.head.user_id !== userId && !list.mixedUsers) continue;
      const mine = list.items.flatMap((_, i) => (list.userAt(i) === userId ? [list.impressionAt(i)] : []));
      found.push(...mine.sort((a, b) => a.position - b.position));
    }
    return found;
  }

  /** Whether anything about the user is held. */
  knows(userId: string): boolean {
    if (this.latest.has(userId) || this.attributions.has(userId) || this.assignments.has(userId)) return true;
    for (const list of this.lists.values()) if (list.head.user_id === userId || list.mixedUsers) return this.impressionsOfUser(userId).length > 0;
    return false;
  }

  eraseUser(userId: string): LearningErasure {
    let impressions = 0;
    for (const [requestId, list] of this.lists) {
      if (list.head.user_id !== userId && !list.mixedUsers) continue;
      const kept = list.without((i) => list.userAt(i) === userId);
      const removed = list.size - (kept?.size ?? 0);
      if (removed === 0) continue;
      impressions += removed;
      this.held -= removed;
      if (kept) this.lists.set(requestId, kept);
      else this.lists.delete(requestId);
      this.unindex(list, kept);
    }
    this.latest.delete(userId);
    const attributions = this.attributions.get(userId)?.length ?? 0;
    this.attributions.delete(userId);
    const assignments = this.assignments.get(userId)?.size ?? 0;
    this.assignments.delete(userId);
    return { impressions, attributions, assignments };
  }

  /** Forgets attributions of events before `before` (epoch ms); impressions leave by `evict`. */
  pruneAttributions(before: number): void {
    for (const [user, list] of this.attributions) {
      const kept = list.filter((a) => a.at >= before);
      if (kept.length === 0) this.attributions.delete(user);
      else if (kept.length < list.length) this.attributions.set(user, kept);
    }
  }

  /** Drops the oldest lists while they are older than the window or more impressions than the cap are held. */
  evict(): void {
    const horizon = this.clock - this.limits.windowMs;
    for (const [requestId, list] of this.lists) {
      if (this.held <= this.limits.maxImpressions && list.head.served_at >= horizon) break;
      this.lists.delete(requestId);
      this.held -= list.size;
      this.evicted += list.size;
      this.unindex(list);
    }
  }

  /** Adds a list restored from a snapshot (its outcomes included), as the latest impressions of its items when newest. */
  restoreList(list: ServedList): void {
    const existing = this.lists.get(list.requestId);
    if (existing) {
      this.held -= existing.size;
      this.unindex(existing);
    }
    this.lists.set(list.requestId, list);
    this.held += list.size;
    for (let i = 0; i < list.size; i++) {
      const user = list.userAt(i);
      const byItem = setIn(this.latest, user, () => new Map<string, ServedList>());
      const current = byItem.get(list.items[i]!);
      const currentAt = current ? current.servedAt(current.indexOf(list.items[i]!)) : -Infinity;
      if (list.servedAt(i) >= currentAt) byItem.set(list.items[i]!, list);
      if (list.servedAt(i) > this.clock) this.clock = list.servedAt(i);
    }
  }

  /** Adds one impression of a snapshot written before lists were held column-wise. */
  restoreImpression(state: ImpressionState): void {
    const { impression } = state;
    let list = this.lists.get(impression.request_id);
    if (list && list.indexOf(impression.item_id) >= 0) return;
    if (!list) this.lists.set(impression.request_id, (list = new ServedList({ ...impression })));
    const i = list.add(impression, state.obs);
    this.held++;
    if (state.events.length > 0 || state.strongest !== 0 || state.played || state.completed || state.watch >= 0) {
      list.setOutcome(i, { strongest: state.strongest, played: state.played, completed: state.completed, watch: state.watch, events: state.events });
    }
    const byItem = setIn(this.latest, impression.user_id, () => new Map<string, ServedList>());
    const current = byItem.get(impression.item_id);
    const currentAt = current ? current.servedAt(current.indexOf(impression.item_id)) : -Infinity;
    if (impression.served_at >= currentAt) byItem.set(impression.item_id, list);
    if (impression.served_at > this.clock) this.clock = impression.served_at;
  }

  /** Removes the latest-impression entries that point at `list`, or points them at `replacement` when it holds the item. */
  private unindex(list: ServedList, replacement?: ServedList): void {
    for (let i = 0; i < list.size; i++) {
      const user = list.userAt(i);
      const item = list.items[i]!;
      const byItem = this.latest.get(user);
      if (byItem?.get(item) !== list) continue;
      const j = replacement ? replacement.indexOf(item) : -1;
      if (replacement && j >= 0 && replacement.userAt(j) === user) {
        byItem.set(item, replacement);
        continue;
      }
      byItem.delete(item);
      if (byItem.size === 0) this.latest.delete(user);
    }
  }

  countersOf(experimentId: string, variant: string): VariantCounters {
    const byVariant = setIn(this.counters, experimentId, () => new Map<string, VariantCounters>());
    return setIn(byVariant, variant, () => emptyCounters(variant));
  }

  /** Sets a counter outright (snapshot restore). */
  restoreCounters(experimentId: string, counters: VariantCounters): void {
    const target = this.countersOf(experimentId, counters.variant);
    for (const field of COUNTER_FIELDS) target[field as CounterField] = counters[field as CounterField];
  }
}

function setIn<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
