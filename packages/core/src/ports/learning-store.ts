import type { AlgorithmSource, EventType } from '../types.js';

// The continuous-learning state: which items were shown to whom and by which algorithm
// (impressions), which later events were attributed to them, the per-variant counters of the
// experiments, the shared bandit posteriors, and the experiment definitions. Both adapters keep
// the same semantics (contract tests in @recsys/store); replicas share all of it.

/** One item of one served recommendation list. */
export interface Impression {
  /** The response's request_id: what events name as recommendation_id. */
  request_id: string;
  user_id: string;
  item_id: string;
  /** 1-based rank in the list. */
  position: number;
  algorithm_source: AlgorithmSource;
  experiment_id: string;
  variant: string;
  /** The bandit arm that won the slot; absent when the bandit did not compose the list. */
  arm?: string;
  /** Epoch milliseconds when the list was served. */
  served_at: number;
}

/**
 * What one event says about the impression it is attributed to, already passed through the
 * feedback mapping (feedbackSignal) by the caller, so the stores only add and compare numbers.
 */
export interface Outcome {
  event_id: string;
  user_id: string;
  item_id: string;
  event_type: EventType;
  /** The list the event names (its recommendation_id); the impression must be in that list. */
  request_id?: string;
  /** Without request_id: the user's latest impression of the item served at or after this (epoch ms). */
  window_start?: number;
  /** Epoch milliseconds of the event. */
  at: number;
  /** feedbackSignal(event).preference: signed strength of the evidence. */
  preference: number;
  /** A watch started (watch, complete, rewatch). */
  play: boolean;
  /** The title was watched to the completion mark. */
  completed: boolean;
  /** Seconds watched, when the event says. */
  watch_seconds?: number;
}

/**
 * attributed: the impression took the outcome; unknown: no impression matches (the event stays in
 * the event log, unattributed); duplicate: this event was already attributed.
 */
export type AttributionStatus = 'attributed' | 'unknown' | 'duplicate';

/** An event tied to the list, position, arm and variant that showed the item. */
export interface Attribution {
  event_id: string;
  event_type: EventType;
  user_id: string;
  item_id: string;
  request_id: string;
  position: number;
  algorithm_source: AlgorithmSource;
  experiment_id: string;
  variant: string;
  arm?: string;
  matched_by: 'recommendation_id' | 'window';
  /** Epoch milliseconds of the event. */
  at: number;
}

/**
 * Counters of one variant of one experiment. An impression counts once as a click (its strongest
 * attributed evidence is positive), a play, a completion; watch time sums the most watched per play.
 */
export interface VariantCounters {
  variant: string;
  /** Users served in this variant (first impression). */
  users: number;
  impressions: number;
  clicks: number;
  plays: number;
  completions: number;
  /** Plays with a known watch time, and the sum and sum of squares of their seconds. */
  watch_count: number;
  watch_sum: number;
  watch_sum_squares: number;
}

/** Decayed evidence of one bandit arm (above the prior). */
export interface BanditArmState {
  arm: string;
  successes: number;
  failures: number;
}

export interface BanditState {
  arms: BanditArmState[];
  /** Observations (bandit slots shown) ever recorded. */
  observations: number;
}

export interface BanditRecordOptions {
  /** Evidence halves every this many observations (all arms together); null: no decay. */
  halfLifeObservations: number | null;
}

export type ExperimentStatus = 'running' | 'stopped' | 'promoted';

/** An experiment as stored: the validated definition (plain JSON) and its lifecycle. */
export interface ExperimentRecord {
  id: string;
  status: ExperimentStatus;
  /** The validated definition: id, salt, description, variants (JSON owned by the engine). */
  definition: { id: string; salt: string; variants: Array<{ name: string; allocation: number }> } & Record<string, unknown>;
  created_at: string;
  updated_at: string;
  /** The promoted variant, once promoted. */
  winner?: string;
}

export type CreateExperimentResult = { created: true } | { created: false; reason: 'exists' } | { created: false; reason: 'running'; running: string };

/** What `eraseUser` removed from the learning state. */
export interface LearningErasure {
  impressions: number;
  attributions: number;
  assignments: number;
}

export interface LearningStore {
  /**
   * Records impressions (idempotent by request_id + item_id): counts them per experiment variant,
   * records each user's variant the first time they are served in an experiment, and adds one
   * bandit observation per slot the bandit filled, a failure until an outcome says otherwise.
   */
  recordImpressions(impressions: readonly Impression[], options: BanditRecordOptions): Promise<{ recorded: number; duplicates: number }>;
  /**
   * Attributes outcomes to impressions, atomically per outcome: updates the impression's state,
   * its variant's counters and, when a bandit slot turns into a success (or back), moves the
   * slot's decayed weight between the arm's failures and successes. One status per outcome.
   */
  attribute(outcomes: readonly Outcome[]): Promise<AttributionStatus[]>;
  /** The impressions of one list, by position. */
  impressionsOf(requestId: string): Promise<Impression[]>;
  /** The user's impressions still held for attribution (for export), oldest list first. */
  impressionsOfUser(userId: string): Promise<Impression[]>;
  /** The user's attributions, oldest first. */
  attributionsOf(userId: string): Promise<Attribution[]>;
  /** Counters of every variant of the experiment that was served (empty when none was). */
  variantCounters(experimentId: string): Promise<VariantCounters[]>;
  /** The user's variant per experiment they were served in. */
  assignmentsOf(userId: string): Promise<Record<string, string>>;
  banditState(): Promise<BanditState>;
  /** Forgets all bandit evidence (every arm back to the prior). */
  resetBandit(): Promise<void>;

  /** Stores a new experiment; refused when the id exists or, for a running one, another is running. */
  createExperiment(record: ExperimentRecord): Promise<CreateExperimentResult>;
  /** Replaces a stored experiment (status changes); false when it does not exist. */
  updateExperiment(record: ExperimentRecord): Promise<boolean>;
  getExperiment(id: string): Promise<ExperimentRecord | undefined>;
  /** Every stored experiment, oldest first. */
  listExperiments(): Promise<ExperimentRecord[]>;

  /**
   * Removes the user's impressions, attributions and assignments. Aggregate counters and bandit
   * posteriors hold no user id and are kept.
   */
  eraseUser(userId: string): Promise<LearningErasure>;
}
