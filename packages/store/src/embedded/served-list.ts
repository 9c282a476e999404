import type { AlgorithmSource, Impression } from '@recsys/core';

// The impressions of one served list, packed: what every impression of a response shares (request,
// user, experiment, variant, served time) is held once, per item only two small integers (the
// interned item code; the position and source code) and, for bandit slots, the arm code and the
// observation number. What attributed events said is held only for the items they touched. An
// impression costs about 30 bytes this way (a list's fixed cost included) instead of ~260 as one
// object per impression. Small integer arrays, not typed arrays: V8 gives every typed array ~200
// bytes of fixed cost, more than a whole list of 20 small integers.

/** What attributed events said about one impression so far. */
export interface OutcomeState {
  /** Strongest attributed preference (signed). */
  strongest: number;
  played: boolean;
  completed: boolean;
  /** Most seconds watched, -1 while unknown. */
  watch: number;
  /** Attributed event ids. */
  events: string[];
}

/** One impression with its outcome, as snapshots of earlier versions stored it. */
export interface ImpressionState {
  impression: Impression;
  /** Bandit observation number of the slot (bandit slots only). */
  obs?: number;
  strongest: number;
  played: boolean;
  completed: boolean;
  watch: number;
  events: string[];
}

/** A list as one snapshot record. */
export interface ServedListRecord {
  head: Impression;
  items: string[];
  positions: number[];
  sources: string[];
  arms?: (string | null)[];
  obs?: (number | null)[];
  /** Index -> outcome, for the items that have one. */
  outcomes?: Record<string, OutcomeState>;
  /** Index -> whole impression, for items whose shared fields differ from the head's. */
  odd?: Record<string, Impression>;
}

export function emptyOutcome(): OutcomeState {
  return { strongest: 0, played: false, completed: false, watch: -1, events: [] };
}

/** Strings (item ids, sources, arms) as small integer codes; never shrinks (bounded by the catalogue). */
export class Interner {
  private readonly codes = new Map<string, number>();
  private readonly values: string[] = [];

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }

  /** The code of a value already interned; undefined when never seen. */
  find(value: string): number | undefined {
    return this.codes.get(value);
  }

  value(code: number): string {
    return this.values[code]!;
  }
}

/** Codes shared by the lists of one learning state. */
export interface ListCodes {
  items: Interner;
  /** Sources and arms. */
  labels: Interner;
}

/** Sources and arms get codes below this; positions are stored above it. */
const LABELS = 1024;

/**
 * A copy of `id` as one flat string: ids made by concatenation (crypto.randomUUID gives a rope of
 * pieces) cost several hundred bytes each while they stay ropes, and lists live for the window.
 */
function flat(id: string): string {
  return Buffer.from(id, 'utf8').toString('utf8');
}

export class ServedList {
  readonly requestId: string;
  readonly userId: string;
  readonly experimentId: string;
  readonly variant: string;
  readonly servedAt: number;
  /** Per item: the item code, then position * LABELS + source code. */
  private data: number[] = [];
  /** Per item: arm label code + 1 (0: not a bandit slot); absent until a bandit slot is added. */
  private arms: number[] | undefined;
  /** Per item: bandit observation number (0: none; observations count from 1). */
  private obsNumbers: number[] | undefined;
  private outcomes: Map<number, OutcomeState> | undefined;
  private odd: Map<number, Impression> | undefined;

  /** `head`: the first impression recorded; its shared fields stand for every item's. */
  constructor(
    head: Impression,
    private readonly codes: ListCodes,
  ) {
    this.requestId = flat(head.request_id);
    this.userId = head.user_id;
    this.experimentId = head.experiment_id;
    this.variant = head.variant;
    this.servedAt = head.served_at;
  }

  get size(): number {
    return this.data.length >> 1;
  }

  /** Index of the item in this list, -1 when absent. */
  indexOf(itemId: string): number {
    const code = this.codes.items.find(itemId);
    if (code === undefined) return -1;
    for (let i = 0; i < this.data.length; i += 2) if (this.data[i] === code) return i >> 1;
    return -1;
  }

  /** The last index of the item shown to `userId`, -1 when absent. */
  indexFor(itemId: string, userId: string): number {
    const code = this.codes.items.find(itemId);
    if (code === undefined) return -1;
    for (let i = this.size - 1; i >= 0; i--) if (this.data[2 * i] === code && this.userAt(i) === userId) return i;
    return -1;
  }

  itemAt(i: number): string {
    return this.codes.items.value(this.data[2 * i]!);
  }

  /** Appends an impression of this list (the caller checked it is not there yet); returns its index. */
  add(impression: Impression, obs?: number): number {
    const i = this.size;
    const source = this.codes.labels.code(impression.algorithm_source);
    if (source >= LABELS - 1) throw new Error('too many distinct algorithm sources and arms');
    // Positions are small positive integers; anything else is kept whole with the odd impressions.
    const packable = Number.isSafeInteger(impression.position) && impression.position >= 0 && impression.position < 2 ** 20;
    this.data.push(this.codes.items.code(impression.item_id), (packable ? impression.position : 0) * LABELS + source);
    if (impression.arm !== undefined || this.arms) {
      this.arms ??= new Array<number>(i).fill(0);
      this.arms.push(impression.arm === undefined ? 0 : this.codes.labels.code(impression.arm) + 1);
    }
    if (obs !== undefined || this.obsNumbers) {
      this.obsNumbers ??= new Array<number>(i).fill(0);
      this.obsNumbers.push(obs ?? 0);
    }
    if (
      !packable ||
      impression.user_id !== this.userId ||
      impression.experiment_id !== this.experimentId ||
      impression.variant !== this.variant ||
      impression.served_at !== this.servedAt
    ) {
      (this.odd ??= new Map()).set(i, { ...impression });
    }
    return i;
  }

  /** Gives back the room kept for appends (once a batch of impressions is recorded). */
  trim(): void {
    this.data = this.data.slice();
    if (this.arms) this.arms = this.arms.slice();
    if (this.obsNumbers) this.obsNumbers = this.obsNumbers.slice();
  }

  impressionAt(i: number): Impression {
    const odd = this.odd?.get(i);
    if (odd) return { ...odd };
    const impression: Impression = {
      request_id: this.requestId,
      user_id: this.userId,
      item_id: this.itemAt(i),
      position: Math.floor(this.data[2 * i + 1]! / LABELS),
      algorithm_source: this.codes.labels.value(this.data[2 * i + 1]! % LABELS) as AlgorithmSource,
      experiment_id: this.experimentId,
      variant: this.variant,
      served_at: this.servedAt,
    };
    const arm = this.armAt(i);
    if (arm !== undefined) impression.arm = arm;
    return impression;
  }

  userAt(i: number): string {
    return this.odd?.get(i)?.user_id ?? this.userId;
  }

  servedAtOf(i: number): number {
    return this.odd?.get(i)?.served_at ?? this.servedAt;
  }

  /** Experiment and variant the impression counts for. */
  variantAt(i: number): { experiment_id: string; variant: string } {
    return this.odd?.get(i) ?? { experiment_id: this.experimentId, variant: this.variant };
  }

  armAt(i: number): string | undefined {
    const code = this.arms?.[i] ?? 0;
    return code === 0 ? undefined : this.codes.labels.value(code - 1);
  }

  obsAt(i: number): number | undefined {
    const obs = this.obsNumbers?.[i] ?? 0;
    return obs === 0 ? undefined : obs;
  }

  outcomeAt(i: number): OutcomeState | undefined {
    return this.outcomes?.get(i);
  }

  /** The outcome of item `i`, created empty on first use. */
  outcomeFor(i: number): OutcomeState {
    let state = this.outcomes?.get(i);
    if (!state) (this.outcomes ??= new Map()).set(i, (state = emptyOutcome()));
    return state;
  }

  setOutcome(i: number, outcome: OutcomeState): void {
    (this.outcomes ??= new Map()).set(i, outcome);
  }

  /** Every user the list was shown to (almost always one). */
  users(): string[] {
    if (!this.odd) return [this.userId];
    const users = new Set<string>();
    for (let i = 0; i < this.size; i++) users.add(this.userAt(i));
    return [...users];
  }

  /** A copy without the items `drop` selects (undefined when none is left). */
  without(drop: (i: number) => boolean): ServedList | undefined {
    let copy: ServedList | undefined;
    for (let i = 0; i < this.size; i++) {
      if (drop(i)) continue;
      const impression = this.impressionAt(i);
      copy ??= new ServedList(impression, this.codes);
      const j = copy.add(impression, this.obsAt(i));
      const outcome = this.outcomeAt(i);
      if (outcome) copy.setOutcome(j, outcome);
    }
    copy?.trim();
    return copy;
  }

  toRecord(): ServedListRecord {
    const n = this.size;
    const record: ServedListRecord = {
      head: this.impressionAt(0),
      items: Array.from({ length: n }, (_, i) => this.itemAt(i)),
      positions: Array.from({ length: n }, (_, i) => Math.floor(this.data[2 * i + 1]! / LABELS)),
      sources: Array.from({ length: n }, (_, i) => this.codes.labels.value(this.data[2 * i + 1]! % LABELS)),
    };
    if (this.arms) record.arms = Array.from({ length: n }, (_, i) => this.armAt(i) ?? null);
    if (this.obsNumbers) record.obs = Array.from({ length: n }, (_, i) => this.obsAt(i) ?? null);
    if (this.outcomes) record.outcomes = Object.fromEntries(this.outcomes);
    if (this.odd) record.odd = Object.fromEntries(this.odd);
    return record;
  }

  static fromRecord(record: ServedListRecord, codes: ListCodes): ServedList {
    const list = new ServedList(record.head, codes);
    const odd = record.odd ?? {};
    record.items.forEach((item_id, i) => {
      let impression = odd[i];
      if (!impression) {
        const { arm: _headArm, ...shared } = record.head;
        impression = { ...shared, item_id, position: record.positions[i]!, algorithm_source: record.sources[i] as AlgorithmSource };
        const arm = record.arms?.[i];
        if (arm !== undefined && arm !== null) impression.arm = arm;
      }
      list.add(impression, record.obs?.[i] ?? undefined);
    });
    for (const [i, outcome] of Object.entries(record.outcomes ?? {})) list.setOutcome(Number(i), outcome);
    list.trim();
    return list;
  }
}
