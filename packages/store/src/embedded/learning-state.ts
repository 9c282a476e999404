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
import { AssignmentTable } from './assignment-table.js';
import { StringPool } from './string-pool.js';
import { type ImpressionState, type ServedListRecord, ServedListTable } from './served-list-table.js';

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
   * The served lists, oldest first: only those attribution may still need. Eviction runs as
   * impressions are recorded and takes the newest served time as its clock, not the wall clock, so
   * replaying the op log evicts exactly what the live process evicted.
   */
  readonly lists: ServedListTable;
  readonly attributions = new Map<string, Attribution[]>();
  readonly assignments = new AssignmentTable();
  /** experiment_id -> variant -> counters. */
  readonly counters = new Map<string, Map<string, VariantCounters>>();
  readonly bandit: BanditEvidence = { successes: new Map(), failures: new Map(), observations: 0, halfLife: null, resetAt: 0 };
  readonly experiments = new Map<string, ExperimentRecord>();
  /** Impressions dropped from memory by the window or the cap since this state was built. */
  evicted = 0;
  /** Newest served time recorded: the clock of the window. */
  private clock = -Infinity;

  /** `itemIds`: the item-id pool shared with the store's other tables. */
  constructor(
    readonly limits: ImpressionLimits = DEFAULT_IMPRESSION_LIMITS,
    itemIds = new StringPool(),
  ) {
    this.lists = new ServedListTable(itemIds);
  }

  /** Impressions held in `lists`. */
  get held(): number {
    return this.lists.held;
  }

  recordImpressions(impressions: readonly Impression[], halfLife: number | null): { recorded: number; duplicates: number } {
    let recorded = 0;
    let duplicates = 0;
    this.bandit.halfLife = halfLife;
    const factor = decayFactor(halfLife);
    for (const impression of impressions) {
      let list = this.lists.find(impression.request_id);
      if (list !== undefined && this.lists.indexOf(list, impression.item_id) >= 0) {
        duplicates++;
        continue;
      }
      list ??= this.lists.create(impression);
      const counters = this.countersOf(impression.experiment_id, impression.variant);
      if (this.assignments.get(impression.user_id, impression.experiment_id) === undefined) {
        this.assignments.set(impression.user_id, impression.experiment_id, impression.variant);
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
      this.lists.add(list, impression, obs);
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
    const [list, i] = this.find(outcome);
    if (list === undefined || i < 0) return 'unknown';
    const table = this.lists;
    if (outcome.request_id === undefined && table.servedAtOf(list, i) < (outcome.window_start ?? -Infinity)) return 'unknown';
    const existing = table.outcomeAt(list, i);
    if (existing?.events.includes(outcome.event_id)) return 'duplicate';
    const state = existing ?? table.outcomeFor(list, i);
    state.events.push(outcome.event_id);

    const { experiment_id, variant } = table.variantAt(list, i);
    const counters = this.countersOf(experiment_id, variant);
    const wasSuccess = state.strongest > 0;
    if (Math.abs(outcome.preference) > Math.abs(state.strongest)) state.strongest = outcome.preference;
    const success = state.strongest > 0;
    if (success !== wasSuccess) {
      counters.clicks += success ? 1 : -1;
      this.moveBanditWeight(table.armAt(list, i), table.obsAt(list, i), success);
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
    const impression = table.impressionAt(list, i);
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

  /** The named list's impression of the item, or the user's latest impression of it. */
  private find(outcome: Outcome): [number | undefined, number] {
    if (outcome.request_id !== undefined) {
      const list = this.lists.find(outcome.request_id);
      return [list, list !== undefined ? this.lists.indexFor(list, outcome.item_id, outcome.user_id) : -1];
    }
    const lists = this.lists.listsOf(outcome.user_id);
    for (let k = lists.length - 1; k >= 0; k--) {
      const i = this.lists.indexFor(lists[k]!, outcome.item_id, outcome.user_id);
      if (i >= 0) return [lists[k], i];
    }
    return [undefined, -1];
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
    const list = this.lists.find(requestId);
    if (list === undefined) return [];
    return Array.from({ length: this.lists.size(list) }, (_, i) => this.lists.impressionAt(list, i)).sort((a, b) => a.position - b.position);
  }

  /** The user's impressions still held, oldest list first. */
  impressionsOfUser(userId: string): Impression[] {
    const found: Impression[] = [];
    for (const list of this.lists.listsOf(userId)) {
      const mine: Impression[] = [];
      for (let i = 0; i < this.lists.size(list); i++) if (this.lists.userAt(list, i) === userId) mine.push(this.lists.impressionAt(list, i));
      found.push(...mine.sort((x, y) => x.position - y.position));
    }
    return found;
  }

  /** Whether anything about the user is held. */
  knows(userId: string): boolean {
    return this.lists.hasUser(userId) || this.attributions.has(userId) || this.assignments.has(userId);
  }

  eraseUser(userId: string): LearningErasure {
    let impressions = 0;
    // Lists shown to others too keep what the others were shown.
    for (const list of [...this.lists.listsOf(userId)]) impressions += this.lists.removeWhere(list, (i) => this.lists.userAt(list, i) === userId);
    const attributions = this.attributions.get(userId)?.length ?? 0;
    this.attributions.delete(userId);
    const assignments = this.assignments.delete(userId);
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
    for (let list = this.lists.oldest(); list !== undefined; list = this.lists.oldest()) {
      if (this.held <= this.limits.maxImpressions && this.lists.servedAtOfList(list) >= horizon) break;
      this.evicted += this.lists.remove(list);
    }
  }

  /** Adds a list restored from a snapshot (outcomes included), after the lists restored before it. */
  restoreList(record: ServedListRecord): void {
    if (record.items.length === 0 || this.lists.find(record.head.request_id) !== undefined) return;
    const list = this.lists.restore(record);
    for (let i = 0; i < this.lists.size(list); i++) this.clock = Math.max(this.clock, this.lists.servedAtOf(list, i));
  }

  /** Adds one impression of a snapshot written before lists were held column-wise. */
  restoreImpression(state: ImpressionState): void {
    const { impression } = state;
    let list = this.lists.find(impression.request_id);
    if (list !== undefined && this.lists.indexOf(list, impression.item_id) >= 0) return;
    list ??= this.lists.create(impression);
    const i = this.lists.add(list, impression, state.obs);
    if (state.events.length > 0 || state.strongest !== 0 || state.played || state.completed || state.watch >= 0) {
      this.lists.setOutcome(list, i, { strongest: state.strongest, played: state.played, completed: state.completed, watch: state.watch, events: state.events });
    }
    if (impression.served_at > this.clock) this.clock = impression.served_at;
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
