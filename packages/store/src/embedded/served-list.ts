import type { AlgorithmSource, Impression } from '@recsys/core';

// The impressions of one served list, held column-wise: what every impression of a response shares
// (request, user, experiment, variant, served time) is held once, per item only the item id, the
// position, the source and, for bandit slots, the arm and observation number. What attributed
// events said is held only for the items they touched. An impression held this way costs a few
// dozen bytes instead of a few hundred as one object per impression.

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

/** One impression with its outcome, as snapshots store it (absent fields: defaults). */
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
  sources: AlgorithmSource[];
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

export class ServedList {
  readonly items: string[] = [];
  private readonly positions: number[] = [];
  private readonly sources: AlgorithmSource[] = [];
  private arms: (string | undefined)[] | undefined;
  private obsNumbers: (number | undefined)[] | undefined;
  private outcomes: Map<number, OutcomeState> | undefined;
  private odd: Map<number, Impression> | undefined;

  /** `head`: the first impression recorded; its shared fields stand for every item's. */
  constructor(readonly head: Impression) {}

  get requestId(): string {
    return this.head.request_id;
  }

  get size(): number {
    return this.items.length;
  }

  indexOf(itemId: string): number {
    return this.items.indexOf(itemId);
  }

  /** Appends an impression of this list (the caller checked it is not there yet); returns its index. */
  add(impression: Impression, obs?: number): number {
    const i = this.items.length;
    this.items.push(impression.item_id);
    this.positions.push(impression.position);
    this.sources.push(impression.algorithm_source);
    if (impression.arm !== undefined || this.arms) (this.arms ??= new Array<string | undefined>(i)).push(impression.arm);
    if (obs !== undefined || this.obsNumbers) (this.obsNumbers ??= new Array<number | undefined>(i)).push(obs);
    const h = this.head;
    if (
      impression.user_id !== h.user_id ||
      impression.experiment_id !== h.experiment_id ||
      impression.variant !== h.variant ||
      impression.served_at !== h.served_at
    ) {
      (this.odd ??= new Map()).set(i, { ...impression });
    }
    return i;
  }

  impressionAt(i: number): Impression {
    const odd = this.odd?.get(i);
    if (odd) return { ...odd };
    const h = this.head;
    const impression: Impression = {
      request_id: h.request_id,
      user_id: h.user_id,
      item_id: this.items[i]!,
      position: this.positions[i]!,
      algorithm_source: this.sources[i]!,
      experiment_id: h.experiment_id,
      variant: h.variant,
      served_at: h.served_at,
    };
    const arm = this.arms?.[i];
    if (arm !== undefined) impression.arm = arm;
    return impression;
  }

  userAt(i: number): string {
    return this.odd?.get(i)?.user_id ?? this.head.user_id;
  }

  servedAt(i: number): number {
    return this.odd?.get(i)?.served_at ?? this.head.served_at;
  }

  /** Experiment and variant the impression counts for. */
  variantAt(i: number): { experiment_id: string; variant: string } {
    return this.odd?.get(i) ?? this.head;
  }

  armAt(i: number): string | undefined {
    return this.arms?.[i];
  }

  obsAt(i: number): number | undefined {
    return this.obsNumbers?.[i];
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

  /** Whether any item was served to someone else than the head's user. */
  get mixedUsers(): boolean {
    if (!this.odd) return false;
    for (const impression of this.odd.values()) if (impression.user_id !== this.head.user_id) return true;
    return false;
  }

  /** A copy without the items `drop` selects (undefined when none is left). */
  without(drop: (i: number) => boolean): ServedList | undefined {
    let copy: ServedList | undefined;
    for (let i = 0; i < this.items.length; i++) {
      if (drop(i)) continue;
      const impression = this.impressionAt(i);
      copy ??= new ServedList(impression);
      const j = copy.add(impression, this.obsAt(i));
      const outcome = this.outcomeAt(i);
      if (outcome) copy.setOutcome(j, outcome);
    }
    return copy;
  }

  setOutcome(i: number, outcome: OutcomeState): void {
    (this.outcomes ??= new Map()).set(i, outcome);
  }

  toRecord(): ServedListRecord {
    const record: ServedListRecord = { head: this.head, items: this.items, positions: this.positions, sources: this.sources };
    if (this.arms) record.arms = Array.from(this.arms, (a) => a ?? null);
    if (this.obsNumbers) record.obs = Array.from(this.obsNumbers, (o) => o ?? null);
    if (this.outcomes) record.outcomes = Object.fromEntries(this.outcomes);
    if (this.odd) record.odd = Object.fromEntries(this.odd);
    return record;
  }

  static fromRecord(record: ServedListRecord): ServedList {
    const list = new ServedList(record.head);
    const odd = record.odd ?? {};
    record.items.forEach((item_id, i) => {
      const arm = record.arms?.[i] ?? undefined;
      const impression: Impression = odd[i] ?? {
        ...record.head,
        item_id,
        position: record.positions[i]!,
        algorithm_source: record.sources[i]!,
      };
      if (!odd[i]) {
        delete impression.arm;
        if (arm !== undefined) impression.arm = arm;
      }
      list.add(impression, record.obs?.[i] ?? undefined);
    });
    for (const [i, outcome] of Object.entries(record.outcomes ?? {})) list.setOutcome(Number(i), outcome);
    return list;
  }
}
