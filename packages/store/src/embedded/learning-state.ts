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

// The learning state in memory, with the arithmetic both adapters share (the Redis Lua scripts in
// ../redis/lua/learning-*.lua do the same): impressions and their outcome, per-variant counters,
// decayed bandit evidence, assignments, attributions and experiments.

/** An impression with what its attributed events said so far. */
export interface ImpressionState {
  impression: Impression;
  /** Bandit observation number of the slot (bandit slots only). */
  obs?: number;
  /** Strongest attributed preference (signed); 0 while nothing was attributed. */
  strongest: number;
  played: boolean;
  completed: boolean;
  /** Most seconds watched, -1 while unknown. */
  watch: number;
  /** Attributed event ids. */
  events: string[];
}

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

export class LearningState {
  /** request_id -> item_id -> state. */
  readonly impressions = new Map<string, Map<string, ImpressionState>>();
  /** user_id -> request ids of their impressions. */
  readonly requestsByUser = new Map<string, Set<string>>();
  /** user_id -> item_id -> request_id of the latest impression of the item. */
  readonly latest = new Map<string, Map<string, string>>();
  readonly attributions = new Map<string, Attribution[]>();
  /** user_id -> experiment_id -> variant. */
  readonly assignments = new Map<string, Map<string, string>>();
  /** experiment_id -> variant -> counters. */
  readonly counters = new Map<string, Map<string, VariantCounters>>();
  readonly bandit: BanditEvidence = { successes: new Map(), failures: new Map(), observations: 0, halfLife: null, resetAt: 0 };
  readonly experiments = new Map<string, ExperimentRecord>();

  recordImpressions(impressions: readonly Impression[], halfLife: number | null): { recorded: number; duplicates: number } {
    let recorded = 0;
    let duplicates = 0;
    this.bandit.halfLife = halfLife;
    const factor = decayFactor(halfLife);
    for (const impression of impressions) {
      let list = this.impressions.get(impression.request_id);
      if (list?.has(impression.item_id)) {
        duplicates++;
        continue;
      }
      if (!list) this.impressions.set(impression.request_id, (list = new Map()));
      const state: ImpressionState = { impression: { ...impression }, strongest: 0, played: false, completed: false, watch: -1, events: [] };
      list.set(impression.item_id, state);
      setIn(this.requestsByUser, impression.user_id, () => new Set<string>()).add(impression.request_id);
      setIn(this.latest, impression.user_id, () => new Map<string, string>()).set(impression.item_id, impression.request_id);
      const assigned = setIn(this.assignments, impression.user_id, () => new Map<string, string>());
      const counters = this.countersOf(impression.experiment_id, impression.variant);
      if (!assigned.has(impression.experiment_id)) {
        assigned.set(impression.experiment_id, impression.variant);
        counters.users++;
      }
      counters.impressions++;
      if (impression.arm !== undefined) {
        this.decay(factor);
        const arm = impression.arm;
        this.bandit.failures.set(arm, (this.bandit.failures.get(arm) ?? 0) + 1);
        this.bandit.successes.set(arm, this.bandit.successes.get(arm) ?? 0);
        this.bandit.observations++;
        state.obs = this.bandit.observations;
      }
      recorded++;
    }
    return { recorded, duplicates };
  }

  attribute(outcomes: readonly Outcome[]): AttributionStatus[] {
    return outcomes.map((outcome) => this.attributeOne(outcome));
  }

  private attributeOne(outcome: Outcome): AttributionStatus {
    const requestId = outcome.request_id ?? this.latest.get(outcome.user_id)?.get(outcome.item_id);
    const state = requestId === undefined ? undefined : this.impressions.get(requestId)?.get(outcome.item_id);
    if (!state || state.impression.user_id !== outcome.user_id) return 'unknown';
    if (outcome.request_id === undefined && state.impression.served_at < (outcome.window_start ?? -Infinity)) return 'unknown';
    if (state.events.includes(outcome.event_id)) return 'duplicate';
    state.events.push(outcome.event_id);

    const { impression } = state;
    const counters = this.countersOf(impression.experiment_id, impression.variant);
    const wasSuccess = state.strongest > 0;
    if (Math.abs(outcome.preference) > Math.abs(state.strongest)) state.strongest = outcome.preference;
    const success = state.strongest > 0;
    if (success !== wasSuccess) {
      counters.clicks += success ? 1 : -1;
      this.moveBanditWeight(state, success);
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
  private moveBanditWeight(state: ImpressionState, success: boolean): void {
    const arm = state.impression.arm;
    if (arm === undefined || state.obs === undefined || state.obs <= this.bandit.resetAt) return;
    const weight = Math.pow(decayFactor(this.bandit.halfLife), this.bandit.observations - state.obs);
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
    return [...(this.impressions.get(requestId)?.values() ?? [])].map((s) => ({ ...s.impression })).sort((a, b) => a.position - b.position);
  }

  eraseUser(userId: string): LearningErasure {
    let impressions = 0;
    for (const requestId of this.requestsByUser.get(userId) ?? []) {
      const list = this.impressions.get(requestId);
      if (!list) continue;
      for (const [itemId, state] of list) {
        if (state.impression.user_id !== userId) continue;
        list.delete(itemId);
        impressions++;
      }
      if (list.size === 0) this.impressions.delete(requestId);
    }
    this.requestsByUser.delete(userId);
    this.latest.delete(userId);
    const attributions = this.attributions.get(userId)?.length ?? 0;
    this.attributions.delete(userId);
    const assignments = this.assignments.get(userId)?.size ?? 0;
    this.assignments.delete(userId);
    return { impressions, attributions, assignments };
  }

  /** Forgets impressions served before `before` (epoch ms) and attributions of events before it. */
  prune(before: number): void {
    for (const [requestId, list] of this.impressions) {
      const first = list.values().next().value;
      if (!first || first.impression.served_at >= before) continue;
      this.impressions.delete(requestId);
      const user = first.impression.user_id;
      this.requestsByUser.get(user)?.delete(requestId);
      const latest = this.latest.get(user);
      if (latest) for (const [itemId, id] of latest) if (id === requestId) latest.delete(itemId);
    }
    for (const [user, list] of this.attributions) {
      const kept = list.filter((a) => a.at >= before);
      if (kept.length === 0) this.attributions.delete(user);
      else this.attributions.set(user, kept);
    }
    for (const [user, ids] of this.requestsByUser) if (ids.size === 0) this.requestsByUser.delete(user);
    for (const [user, latest] of this.latest) if (latest.size === 0) this.latest.delete(user);
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
