import type { AlgorithmSource, Impression } from '@recsys/core';
import { StringPool } from './string-pool.js';

// Every served list the learning state holds, column-wise. A list is a slot numbered in serving
// order (its `seq`); what its impressions share (request, user, experiment, variant, served time) is
// held once per slot, per item only two small integers (the interned item code; the position and
// source code) in columns shared by all lists, and for bandit slots the arm code and observation
// number. What attributed events said is held only for the items they touched. A list of ten costs
// about 300 bytes, ~200 of them on the heap in two strings (request and user id), instead of ~650
// bytes of heap in seven or more objects as an object with arrays: at 50,000 lists (the
// 500,000-impression cap) some 250,000 fewer objects for every full collection to mark.

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

/** Sources and arms get codes below this; positions are stored above it. */
const LABELS = 1024;
const MIN_SLOTS = 256;
const MIN_ITEMS = 2048;

/**
 * A copy of `id` as one flat string: ids made by concatenation (crypto.randomUUID gives a rope of
 * pieces) cost several hundred bytes each while they stay ropes, and lists live for the window.
 */
function flat(id: string): string {
  return Buffer.from(id, 'utf8').toString('utf8');
}

export class ServedListTable {
  /** Sources and arms as small codes. */
  private readonly labels = new StringPool();
  /** Experiment and variant pairs (experiment ids and variants are few). */
  private readonly variants: { experiment_id: string; variant: string }[] = [];
  private readonly variantCodes = new Map<string, Map<string, number>>();

  /** request_id -> seq of the live list. */
  private readonly byRequest = new Map<string, number>();
  /** user_id -> seqs of the live lists showing them items, oldest first (one seq unboxed). */
  private readonly byUser = new Map<string, number | number[]>();

  // Slot columns, indexed by seq - base; slots before `head` are gone.
  private base = 0;
  private head = 0;
  private tail = 0;
  private requestIds: (string | undefined)[] = [];
  private userIds: (string | undefined)[] = [];
  private servedAt = new Float64Array(MIN_SLOTS);
  private variantOf = new Int32Array(MIN_SLOTS);
  private start = new Int32Array(MIN_SLOTS);
  private count = new Int32Array(MIN_SLOTS);

  // Item columns: a slot's items are contiguous from its start; items past `itemTail` are free.
  private itemTail = 0;
  private itemCode = new Int32Array(MIN_ITEMS);
  /** position * LABELS + source code. */
  private itemMeta = new Int32Array(MIN_ITEMS);
  /** Arm label code + 1 (0: not a bandit slot); allocated with the first bandit slot. */
  private itemArm: Int32Array | undefined;
  /** Bandit observation number (0: none; observations count from 1). */
  private itemObs: Float64Array | undefined;

  /** seq -> item index -> outcome, for the items events touched. */
  private readonly outcomes = new Map<number, Map<number, OutcomeState>>();
  /** seq -> item index -> whole impression, for items whose shared fields differ from the slot's. */
  private readonly odd = new Map<number, Map<number, Impression>>();

  /** Impressions held. */
  held = 0;

  /** `items`: the item-id pool, which the store's other tables may share (item ids are not personal). */
  constructor(private readonly items = new StringPool()) {}

  /** The live list served under this request id. */
  find(requestId: string): number | undefined {
    return this.byRequest.get(requestId);
  }

  /** The live lists showing the user items, oldest first. */
  listsOf(userId: string): readonly number[] {
    const lists = this.byUser.get(userId);
    return lists === undefined ? [] : typeof lists === 'number' ? [lists] : lists;
  }

  hasUser(userId: string): boolean {
    return this.byUser.has(userId);
  }

  /** Live lists in serving order; lists recorded or evicted while iterating are seen or skipped. */
  *seqs(): Iterable<number> {
    for (let seq = this.base + this.head; seq < this.base + this.tail; seq++) {
      const s = seq - this.base;
      if (s >= this.head && this.count[s]! > 0) yield seq;
    }
  }

  /** The oldest live list, undefined when none is held. */
  oldest(): number | undefined {
    while (this.head < this.tail && this.count[this.head] === 0) this.head++;
    return this.head < this.tail ? this.base + this.head : undefined;
  }

  /** A new empty list whose shared fields are the impression's; fill it with `add`. */
  create(head: Impression): number {
    this.reserveSlot();
    const s = this.tail++;
    const requestId = flat(head.request_id);
    this.requestIds[s] = requestId;
    this.userIds[s] = head.user_id;
    this.servedAt[s] = head.served_at;
    this.variantOf[s] = this.variantCode(head.experiment_id, head.variant);
    this.start[s] = this.itemTail;
    this.count[s] = 0;
    const seq = this.base + s;
    this.byRequest.set(requestId, seq);
    return seq;
  }

  size(seq: number): number {
    return this.count[seq - this.base]!;
  }

  /** Served time of the list (its first impression's). */
  servedAtOfList(seq: number): number {
    return this.servedAt[seq - this.base]!;
  }

  /** Appends an impression to the list (the caller checked it is not there yet); returns its index. */
  add(seq: number, impression: Impression, obs?: number): number {
    const s = seq - this.base;
    let n = this.count[s]!;
    // Items are appended at the tail: a list that is not the last one written moves there first.
    if (this.start[s]! + n !== this.itemTail || this.itemTail === this.itemCode.length) this.moveToTail(s, n + 1);
    const at = this.itemTail++;
    const source = this.labels.intern(impression.algorithm_source);
    if (source >= LABELS - 1) throw new Error('too many distinct algorithm sources and arms');
    // Positions are small positive integers; anything else is kept whole with the odd impressions.
    const packable = Number.isSafeInteger(impression.position) && impression.position >= 0 && impression.position < 2 ** 20;
    this.itemCode[at] = this.items.intern(impression.item_id);
    this.itemMeta[at] = (packable ? impression.position : 0) * LABELS + source;
    if (impression.arm !== undefined || obs !== undefined) this.banditColumns();
    if (this.itemArm) this.itemArm[at] = impression.arm === undefined ? 0 : this.labels.intern(impression.arm) + 1;
    if (this.itemObs) this.itemObs[at] = obs ?? 0;
    const variant = this.variants[this.variantOf[s]!]!;
    if (
      !packable ||
      impression.user_id !== this.userIds[s] ||
      impression.experiment_id !== variant.experiment_id ||
      impression.variant !== variant.variant ||
      impression.served_at !== this.servedAt[s]
    ) {
      setIn(this.odd, seq, () => new Map()).set(n, { ...impression });
    }
    this.count[s] = ++n;
    this.held++;
    this.addUserList(impression.user_id, seq);
    return n - 1;
  }

  /** Index of the item in the list, -1 when absent. */
  indexOf(seq: number, itemId: string): number {
    const code = this.items.indexOf(itemId);
    if (code < 0) return -1;
    const s = seq - this.base;
    const from = this.start[s]!;
    for (let i = 0, n = this.count[s]!; i < n; i++) if (this.itemCode[from + i] === code) return i;
    return -1;
  }

  /** The last index of the item shown to `userId` in the list, -1 when absent. */
  indexFor(seq: number, itemId: string, userId: string): number {
    const code = this.items.indexOf(itemId);
    if (code < 0) return -1;
    const s = seq - this.base;
    const from = this.start[s]!;
    for (let i = this.count[s]! - 1; i >= 0; i--) if (this.itemCode[from + i] === code && this.userAt(seq, i) === userId) return i;
    return -1;
  }

  impressionAt(seq: number, i: number): Impression {
    const odd = this.odd.get(seq)?.get(i);
    if (odd) return { ...odd };
    const s = seq - this.base;
    const at = this.start[s]! + i;
    const meta = this.itemMeta[at]!;
    const { experiment_id, variant } = this.variants[this.variantOf[s]!]!;
    const impression: Impression = {
      request_id: this.requestIds[s]!,
      user_id: this.userIds[s]!,
      item_id: this.items.at(this.itemCode[at]!),
      position: Math.floor(meta / LABELS),
      algorithm_source: this.labels.at(meta % LABELS) as AlgorithmSource,
      experiment_id,
      variant,
      served_at: this.servedAt[s]!,
    };
    const arm = this.armAt(seq, i);
    if (arm !== undefined) impression.arm = arm;
    return impression;
  }

  userAt(seq: number, i: number): string {
    return this.odd.get(seq)?.get(i)?.user_id ?? this.userIds[seq - this.base]!;
  }

  servedAtOf(seq: number, i: number): number {
    return this.odd.get(seq)?.get(i)?.served_at ?? this.servedAt[seq - this.base]!;
  }

  /** Experiment and variant the impression counts for. */
  variantAt(seq: number, i: number): { experiment_id: string; variant: string } {
    return this.odd.get(seq)?.get(i) ?? this.variants[this.variantOf[seq - this.base]!]!;
  }

  armAt(seq: number, i: number): string | undefined {
    const code = this.itemArm?.[this.start[seq - this.base]! + i] ?? 0;
    return code === 0 ? undefined : this.labels.at(code - 1);
  }

  obsAt(seq: number, i: number): number | undefined {
    const obs = this.itemObs?.[this.start[seq - this.base]! + i] ?? 0;
    return obs === 0 ? undefined : obs;
  }

  outcomeAt(seq: number, i: number): OutcomeState | undefined {
    return this.outcomes.get(seq)?.get(i);
  }

  /** The outcome of item `i`, created empty on first use. */
  outcomeFor(seq: number, i: number): OutcomeState {
    const byItem = setIn(this.outcomes, seq, () => new Map());
    return setIn(byItem, i, emptyOutcome);
  }

  setOutcome(seq: number, i: number, outcome: OutcomeState): void {
    setIn(this.outcomes, seq, () => new Map()).set(i, outcome);
  }

  /** Every user the list was shown to (almost always one). */
  users(seq: number): string[] {
    const odd = this.odd.get(seq);
    const head = this.userIds[seq - this.base]!;
    if (!odd) return [head];
    const users = new Set<string>();
    for (let i = 0; i < this.size(seq); i++) users.add(odd.get(i)?.user_id ?? head);
    return [...users];
  }

  /** Drops the list; returns how many impressions it held. */
  remove(seq: number): number {
    const s = seq - this.base;
    const n = this.count[s]!;
    for (const user of this.users(seq)) this.removeUserList(user, seq);
    this.byRequest.delete(this.requestIds[s]!);
    this.outcomes.delete(seq);
    this.odd.delete(seq);
    this.requestIds[s] = undefined;
    this.userIds[s] = undefined;
    this.count[s] = 0;
    this.held -= n;
    return n;
  }

  /**
   * Keeps only the list's impressions `drop` does not select (with their outcomes and observation
   * numbers), the first kept one giving the shared fields; drops the list when none is left.
   * Returns how many impressions were dropped.
   */
  removeWhere(seq: number, drop: (i: number) => boolean): number {
    const n = this.size(seq);
    const kept: { impression: Impression; obs?: number; outcome?: OutcomeState }[] = [];
    for (let i = 0; i < n; i++) {
      if (drop(i)) continue;
      kept.push({ impression: this.impressionAt(seq, i), obs: this.obsAt(seq, i), outcome: this.outcomeAt(seq, i) });
    }
    if (kept.length === n) return 0;
    const users = this.users(seq);
    this.remove(seq);
    if (kept.length === 0) return n;
    // Rebuilt in the same slot: the list keeps its place in serving order and its request id.
    const s = seq - this.base;
    const first = kept[0]!.impression;
    this.requestIds[s] = flat(first.request_id);
    this.userIds[s] = first.user_id;
    this.servedAt[s] = first.served_at;
    this.variantOf[s] = this.variantCode(first.experiment_id, first.variant);
    this.start[s] = this.itemTail;
    this.byRequest.set(this.requestIds[s]!, seq);
    for (const { impression, obs, outcome } of kept) {
      const i = this.add(seq, impression, obs);
      if (outcome) this.setOutcome(seq, i, outcome);
    }
    // Users still shown items keep the list at its place among their lists.
    for (const user of users) {
      const lists = this.byUser.get(user);
      if (Array.isArray(lists)) lists.sort((a, b) => a - b);
    }
    return n - kept.length;
  }

  toRecord(seq: number): ServedListRecord {
    const n = this.size(seq);
    const s = seq - this.base;
    const from = this.start[s]!;
    const record: ServedListRecord = {
      head: this.impressionAt(seq, 0),
      items: Array.from({ length: n }, (_, i) => this.items.at(this.itemCode[from + i]!)),
      positions: Array.from({ length: n }, (_, i) => Math.floor(this.itemMeta[from + i]! / LABELS)),
      sources: Array.from({ length: n }, (_, i) => this.labels.at(this.itemMeta[from + i]! % LABELS)),
    };
    const withArm = Array.from({ length: n }, (_, i) => this.armAt(seq, i) ?? null);
    if (withArm.some((arm) => arm !== null)) record.arms = withArm;
    const withObs = Array.from({ length: n }, (_, i) => this.obsAt(seq, i) ?? null);
    if (withObs.some((obs) => obs !== null)) record.obs = withObs;
    const outcomes = this.outcomes.get(seq);
    if (outcomes) record.outcomes = Object.fromEntries(outcomes);
    const odd = this.odd.get(seq);
    if (odd) record.odd = Object.fromEntries(odd);
    return record;
  }

  /** The record's impressions, with their outcomes, as a new list after every list held. */
  restore(record: ServedListRecord): number {
    const odd = record.odd ?? {};
    const { arm: _headArm, ...shared } = record.head;
    const seq = this.create(record.head);
    record.items.forEach((item_id, i) => {
      let impression = odd[i];
      if (!impression) {
        impression = { ...shared, item_id, position: record.positions[i]!, algorithm_source: record.sources[i] as AlgorithmSource };
        const arm = record.arms?.[i];
        if (arm !== undefined && arm !== null) impression.arm = arm;
      }
      this.add(seq, impression, record.obs?.[i] ?? undefined);
    });
    for (const [i, outcome] of Object.entries(record.outcomes ?? {})) this.setOutcome(seq, Number(i), outcome);
    return seq;
  }

  private variantCode(experimentId: string, variant: string): number {
    const byVariant = setIn(this.variantCodes, experimentId, () => new Map<string, number>());
    let code = byVariant.get(variant);
    if (code === undefined) {
      code = this.variants.length;
      this.variants.push({ experiment_id: experimentId, variant });
      byVariant.set(variant, code);
    }
    return code;
  }

  private addUserList(userId: string, seq: number): void {
    const lists = this.byUser.get(userId);
    if (lists === undefined) this.byUser.set(userId, seq);
    else if (typeof lists === 'number') {
      if (lists !== seq) this.byUser.set(userId, [lists, seq]);
    } else if (lists.at(-1) !== seq && !lists.includes(seq)) lists.push(seq);
  }

  private removeUserList(userId: string, seq: number): void {
    const lists = this.byUser.get(userId);
    if (lists === seq) this.byUser.delete(userId);
    else if (Array.isArray(lists)) {
      const at = lists.indexOf(seq); // usually the oldest: at the front
      if (at >= 0) lists.splice(at, 1);
      if (lists.length === 1) this.byUser.set(userId, lists[0]!);
    }
  }

  private banditColumns(): void {
    if (this.itemArm) return;
    this.itemArm = new Int32Array(this.itemCode.length);
    this.itemObs = new Float64Array(this.itemCode.length);
  }

  /** Room for one more slot: the slots of evicted lists are given back first, then the columns double. */
  private reserveSlot(): void {
    if (this.tail < this.servedAt.length) return;
    const shift = this.head;
    const live = this.tail - shift;
    const grow = live + 1 > this.servedAt.length / 2;
    const moved = <T extends Float64Array | Int32Array>(column: T, make: (n: number) => T): T => {
      if (!grow) {
        column.copyWithin(0, shift, this.tail);
        return column;
      }
      const out = make(column.length * 2);
      out.set(column.subarray(shift, this.tail));
      return out;
    };
    this.servedAt = moved(this.servedAt, (n) => new Float64Array(n));
    this.variantOf = moved(this.variantOf, (n) => new Int32Array(n));
    this.start = moved(this.start, (n) => new Int32Array(n));
    this.count = moved(this.count, (n) => new Int32Array(n));
    this.requestIds.splice(0, shift);
    this.userIds.splice(0, shift);
    this.base += shift;
    this.head = 0;
    this.tail = live;
  }

  /**
   * Moves slot `s`'s `n - 1` items to the item tail with room for `n`. When the columns are full,
   * every live list is copied, in serving order, into fresh columns half again the live size: the
   * gaps of evicted and moved lists are given back.
   */
  private moveToTail(s: number, n: number): void {
    if (this.itemTail + n > this.itemCode.length) {
      let live = n;
      for (let t = this.head; t < this.tail; t++) if (t !== s) live += this.count[t]!;
      const capacity = Math.max(MIN_ITEMS, Math.ceil(1.5 * live));
      const code = new Int32Array(capacity);
      const meta = new Int32Array(capacity);
      const arm = this.itemArm && new Int32Array(capacity);
      const obs = this.itemObs && new Float64Array(capacity);
      let to = 0;
      const copy = (t: number, count: number) => {
        const from = this.start[t]!;
        code.set(this.itemCode.subarray(from, from + count), to);
        meta.set(this.itemMeta.subarray(from, from + count), to);
        arm?.set(this.itemArm!.subarray(from, from + count), to);
        obs?.set(this.itemObs!.subarray(from, from + count), to);
        this.start[t] = to;
        to += count;
      };
      for (let t = this.head; t < this.tail; t++) if (t !== s) copy(t, this.count[t]!);
      // The growing list goes last, so its next item is appended right after its own.
      copy(s, n - 1);
      this.itemCode = code;
      this.itemMeta = meta;
      this.itemArm = arm;
      this.itemObs = obs;
      this.itemTail = to;
      return;
    }
    const from = this.start[s]!;
    const to = this.itemTail;
    for (const column of [this.itemCode, this.itemMeta, this.itemArm, this.itemObs]) column?.copyWithin(to, from, from + n - 1);
    this.start[s] = to;
    this.itemTail = to + n - 1;
  }
}

function setIn<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
