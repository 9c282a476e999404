import type {
  Attribution,
  AttributionStatus,
  BanditRecordOptions,
  BanditState,
  CreateExperimentResult,
  ExperimentRecord,
  Impression,
  LearningErasure,
  LearningStore,
  Outcome,
  VariantCounters,
} from '@recsys/core';
import { DEFAULT_IMPRESSION_LIMITS, LearningState } from './learning-state.js';
import type { ImpressionState, ServedListRecord } from './served-list-table.js';
import { SnapshotLog, type SnapshotLogOpenResult } from './snapshot-log.js';
import type { StringPool } from './string-pool.js';

// The embedded learning store: the state in memory (LearningState), made durable as
// `learning.snapshot.jsonl` + `learning.log` under the data directory. Every write is an op that is
// applied once it is on disk; replaying the ops rebuilds the same state. An erasure compacts at
// once, so neither file keeps the erased user's records.
//
// Impressions are held in memory only while attribution may need them: lists served more than the
// impression window before the newest one, or beyond the cap, are dropped (oldest first, counted
// in `impressionsEvicted`) as impressions are recorded, and the next compaction drops them from
// disk. Attributions older than the retention are dropped at each compaction. Counters, bandit
// evidence, assignments and experiments stay.

type LearningOp =
  | { op: 'imp'; impressions: Impression[]; half_life: number | null }
  | { op: 'att'; outcomes: Outcome[] }
  | { op: 'exp'; record: ExperimentRecord }
  | { op: 'reset' }
  | { op: 'erase'; user_id: string };

type LearningRecord =
  | { kind: 'bandit'; successes: Record<string, number>; failures: Record<string, number>; observations: number; half_life: number | null; reset_at: number }
  | { kind: 'counters'; experiment_id: string; counters: VariantCounters }
  | { kind: 'experiment'; record: ExperimentRecord }
  | { kind: 'list'; list: ServedListRecord }
  /** Written by earlier versions (one record per impression); still read. */
  | { kind: 'impression'; state: ImpressionState }
  | { kind: 'attribution'; attribution: Attribution }
  | { kind: 'assignment'; user_id: string; experiment_id: string; variant: string };

export interface EmbeddedLearningStoreOptions {
  dir: string;
  /** Ops in the log at open from which it is compacted; default 1000. */
  compactAfterOps?: number;
  /** Ops committed since the last compaction from which it compacts in the background; default 20,000. */
  compactEveryOps?: number;
  /** Attributions are kept this long (for export); default 7 days. */
  retentionMs?: number;
  /**
   * Impressions are held this long after the newest one for attribution; default 35 minutes (the
   * default 30-minute attribution window plus a grace for outcomes queued while the store was busy).
   */
  impressionWindowMs?: number;
  /** At most this many impressions are held; beyond, the oldest lists are dropped; default 500,000. */
  maxImpressions?: number;
  now?: () => number;
  /** The item-id pool shared with the store's other tables. */
  itemIds?: StringPool;
}

export const DEFAULT_IMPRESSION_RETENTION_MS = 7 * 24 * 3600 * 1000;

export class EmbeddedLearningStore implements LearningStore {
  private state: LearningState;
  private readonly log: SnapshotLog<LearningOp, LearningRecord>;
  private readonly retentionMs: number;
  private readonly compactEveryOps: number;
  private readonly now: () => number;
  /** What applying an op returned, for the commit that made it. */
  private readonly results = new WeakMap<LearningOp, unknown>();
  private erased = false;
  private opsSinceCompaction = 0;
  private compacting: Promise<void> | undefined;
  /** Experiment writes check and commit one at a time. */
  private experimentWrites: Promise<unknown> = Promise.resolve();

  constructor(options: EmbeddedLearningStoreOptions) {
    this.retentionMs = options.retentionMs ?? DEFAULT_IMPRESSION_RETENTION_MS;
    this.compactEveryOps = options.compactEveryOps ?? 20_000;
    this.now = options.now ?? Date.now;
    this.state = new LearningState(
      {
        windowMs: options.impressionWindowMs ?? DEFAULT_IMPRESSION_LIMITS.windowMs,
        maxImpressions: options.maxImpressions ?? DEFAULT_IMPRESSION_LIMITS.maxImpressions,
      },
      options.itemIds,
    );
    this.log = new SnapshotLog<LearningOp, LearningRecord>({
      dir: options.dir,
      name: 'learning',
      compactAfterOps: options.compactAfterOps ?? 1000,
      restore: (record) => this.restore(record),
      apply: (op) => this.results.set(op, this.apply(op)),
      snapshot: () => this.snapshot(),
      mustCompact: () => this.erased,
    });
  }

  async open(): Promise<SnapshotLogOpenResult> {
    const result = await this.log.open();
    this.state.evict(); // limits lowered since the snapshot was written
    this.erased = false;
    return result;
  }

  /** Impressions held in memory for attribution. */
  get impressionsHeld(): number {
    return this.state.held;
  }

  /** Impressions dropped from memory by the window or the cap since open (replay included). */
  get impressionsEvicted(): number {
    return this.state.evicted;
  }

  get writable(): boolean {
    return this.log.writable;
  }

  async close(): Promise<void> {
    await this.compacting;
    await this.log.close();
  }

  async recordImpressions(impressions: readonly Impression[], options: BanditRecordOptions) {
    if (impressions.length === 0) return { recorded: 0, duplicates: 0 };
    return (await this.commit({ op: 'imp', impressions: [...impressions], half_life: options.halfLifeObservations })) as {
      recorded: number;
      duplicates: number;
    };
  }

  async attribute(outcomes: readonly Outcome[]): Promise<AttributionStatus[]> {
    if (outcomes.length === 0) return [];
    return (await this.commit({ op: 'att', outcomes: [...outcomes] })) as AttributionStatus[];
  }

  async impressionsOf(requestId: string): Promise<Impression[]> {
    return this.state.impressionsOf(requestId);
  }

  async impressionsOfUser(userId: string): Promise<Impression[]> {
    return this.state.impressionsOfUser(userId);
  }

  async attributionsOf(userId: string): Promise<Attribution[]> {
    return (this.state.attributions.get(userId) ?? []).map((a) => ({ ...a }));
  }

  async variantCounters(experimentId: string): Promise<VariantCounters[]> {
    return this.state.variantCounters(experimentId);
  }

  async assignmentsOf(userId: string): Promise<Record<string, string>> {
    return this.state.assignments.of(userId);
  }

  async banditState(): Promise<BanditState> {
    return this.state.banditState();
  }

  async resetBandit(): Promise<void> {
    await this.commit({ op: 'reset' });
  }

  createExperiment(record: ExperimentRecord): Promise<CreateExperimentResult> {
    return this.serialized(async () => {
      if (this.state.experiments.has(record.id)) return { created: false, reason: 'exists' } as const;
      const running = [...this.state.experiments.values()].find((e) => e.status === 'running');
      if (record.status === 'running' && running) return { created: false, reason: 'running', running: running.id } as const;
      await this.commit({ op: 'exp', record });
      return { created: true } as const;
    });
  }

  updateExperiment(record: ExperimentRecord): Promise<boolean> {
    return this.serialized(async () => {
      if (!this.state.experiments.has(record.id)) return false;
      await this.commit({ op: 'exp', record });
      return true;
    });
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const record = this.state.experiments.get(id);
    return record && structuredClone(record);
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    return [...this.state.experiments.values()].map((r) => structuredClone(r));
  }

  async eraseUser(userId: string): Promise<LearningErasure> {
    if (!this.state.knows(userId)) {
      return { impressions: 0, attributions: 0, assignments: 0 };
    }
    const report = (await this.commit({ op: 'erase', user_id: userId })) as LearningErasure;
    // Nothing of the user may stay on disk: the snapshot is rewritten without them, the log emptied.
    await this.compact();
    return report;
  }

  /** Writes the state as the snapshot (dropping attributions past the retention) and empties the log. */
  compact(): Promise<void> {
    const run = (this.compacting ?? Promise.resolve()).then(() => {
      this.state.pruneAttributions(this.now() - this.retentionMs);
      this.opsSinceCompaction = 0;
      return this.log.compact();
    });
    const settled = run.catch(() => undefined);
    this.compacting = settled;
    void settled.then(() => {
      if (this.compacting === settled) this.compacting = undefined;
    });
    return run;
  }

  private async commit(op: LearningOp): Promise<unknown> {
    await this.log.commit([op]);
    const result = this.results.get(op);
    if (++this.opsSinceCompaction >= this.compactEveryOps && !this.compacting) void this.compact().catch(() => undefined);
    return result;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.experimentWrites.then(fn);
    this.experimentWrites = run.catch(() => undefined);
    return run;
  }

  private apply(op: LearningOp): unknown {
    switch (op.op) {
      case 'imp':
        return this.state.recordImpressions(op.impressions, op.half_life);
      case 'att':
        return this.state.attribute(op.outcomes);
      case 'exp':
        this.state.experiments.set(op.record.id, structuredClone(op.record));
        return undefined;
      case 'reset':
        this.state.resetBandit();
        return undefined;
      case 'erase':
        this.erased = true;
        return this.state.eraseUser(op.user_id);
      default:
        throw new Error(`unknown learning op ${JSON.stringify((op as { op?: unknown }).op)}`);
    }
  }

  private restore(record: LearningRecord): void {
    const s = this.state;
    switch (record.kind) {
      case 'bandit':
        for (const [arm, v] of Object.entries(record.successes)) s.bandit.successes.set(arm, v);
        for (const [arm, v] of Object.entries(record.failures)) s.bandit.failures.set(arm, v);
        s.bandit.observations = record.observations;
        s.bandit.halfLife = record.half_life;
        s.bandit.resetAt = record.reset_at;
        break;
      case 'counters':
        s.restoreCounters(record.experiment_id, record.counters);
        break;
      case 'experiment':
        s.experiments.set(record.record.id, record.record);
        break;
      case 'list':
        s.restoreList(record.list);
        break;
      case 'impression':
        s.restoreImpression(record.state);
        break;
      case 'attribution': {
        const list = s.attributions.get(record.attribution.user_id) ?? [];
        list.push(record.attribution);
        s.attributions.set(record.attribution.user_id, list);
        break;
      }
      case 'assignment':
        s.assignments.set(record.user_id, record.experiment_id, record.variant);
        break;
      default:
        throw new Error(`unknown learning record ${JSON.stringify((record as { kind?: unknown }).kind)}`);
    }
  }

  private *snapshot(): Iterable<LearningRecord> {
    const s = this.state;
    yield {
      kind: 'bandit',
      successes: Object.fromEntries(s.bandit.successes),
      failures: Object.fromEntries(s.bandit.failures),
      observations: s.bandit.observations,
      half_life: s.bandit.halfLife,
      reset_at: s.bandit.resetAt,
    };
    for (const record of s.experiments.values()) yield { kind: 'experiment', record };
    for (const [experiment_id, byVariant] of s.counters) for (const counters of byVariant.values()) yield { kind: 'counters', experiment_id, counters };
    for (const list of s.lists.seqs()) yield { kind: 'list', list: s.lists.toRecord(list) };
    for (const list of s.attributions.values()) for (const attribution of list) yield { kind: 'attribution', attribution };
    for (const assignment of s.assignments.entries()) yield { kind: 'assignment', ...assignment };
  }
}
