import { EVENT_TYPES, type InteractionEvent } from '@recsys/core';
import { EventIdIndex } from './event-id-index.js';
import { canonicalIsoMs, formatIsoMs } from './iso-time.js';
import { StringPool } from './string-pool.js';
import { UserRowChains } from './user-row-chains.js';
import { grownSize, resized } from './typed-growth.js';

// The event log's events in memory, as columns instead of one object per event: half a million
// events as objects took ~110 MB of heap (in append order, per user, and their ids in a Set); here
// they take a few tens of bytes each.
//
// Per row: the event id (see EventIdIndex), user and item as interned Int32 indexes, the type as a
// Uint8, `timestamp` and `received_at` as Float64 epoch ms, the row's shape and where its other
// fields start in a value pool. A shape is the event's keys in order with how each value is kept,
// so the object comes back with the same fields in the same order and `JSON.stringify` of it is the
// same line as of the event appended. A field only goes to a column when that is lossless: a date
// string only when `toISOString` writes it back the same, an item id only when it is a string, a
// type only when it is one of the known ones. Any other field takes slots in the value pool: a
// number as itself, a string as an interned index, anything else (arrays, booleans, null) as an
// index into a list of the values themselves.
//
// Each user's rows are chained (next row of the same user) from the user's first and last row, so
// `forUser` materialises only that user's events. Rows are only appended; removing rows (erasure,
// retention) builds a new table with the rest, which also drops the strings only they used. A
// reader that holds the old table keeps a consistent view.

const ID = 0;
const USER = 1;
const ITEM = 2;
const TYPE = 3;
const TIMESTAMP = 4;
const RECEIVED = 5;
const NUMBER = 6;
const STRING = 7;
const VALUE = 8;

const NO_TYPE = 255;
const NONE = -1;
const TYPE_INDEX = new Map<string, number>(EVENT_TYPES.map((type, i) => [type, i]));

interface Shape {
  readonly keys: readonly string[];
  readonly kinds: Uint8Array;
  /** Value-pool slots a row of this shape takes. */
  readonly slots: number;
  /** Has a key that plain assignment would not make an own property ("__proto__", as JSON.parse does). */
  readonly defineKeys: boolean;
  readonly hasReceivedAt: boolean;
}

/** Shapes are few and hold only field names: tables built from one another share the registry. */
export class EventShapes {
  private readonly byKey = new Map<string, number>();
  readonly list: Shape[] = [];
  /** The shape found last: events in a row mostly share one. */
  private last = -1;

  idOf(keys: readonly string[], kinds: Uint8Array, count: number): number {
    if (this.last >= 0 && this.matches(this.list[this.last]!, keys, kinds, count)) return this.last;
    let key = '';
    for (let i = 0; i < count; i++) key += `${kinds[i]}${keys[i]!.length}:${keys[i]}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      const own = kinds.slice(0, count);
      let slots = 0;
      for (const kind of own) if (kind >= NUMBER) slots++;
      id = this.list.length;
      this.list.push({
        keys: keys.slice(0, count),
        kinds: own,
        slots,
        defineKeys: keys.includes('__proto__'),
        hasReceivedAt: keys.includes('received_at'),
      });
      this.byKey.set(key, id);
    }
    this.last = id;
    return id;
  }

  private matches(shape: Shape, keys: readonly string[], kinds: Uint8Array, count: number): boolean {
    if (shape.keys.length !== count) return false;
    for (let i = 0; i < count; i++) if (shape.keys[i] !== keys[i] || shape.kinds[i] !== kinds[i]) return false;
    return true;
  }
}

/** When the log received the event: `received_at` as stamped at ingestion, else its `timestamp`, else 0. */
export function receivedAt(event: InteractionEvent): number {
  const received = event.received_at === undefined ? Number.NaN : Date.parse(event.received_at);
  if (!Number.isNaN(received)) return received;
  const at = Date.parse(event.timestamp);
  return Number.isNaN(at) ? 0 : at;
}

export interface EventTableOptions {
  /** Rows to allocate for up front; the table grows past it. */
  capacity?: number;
  /** The item-id pool, which the store's other tables may share (item ids are not personal). */
  itemIds?: StringPool;
}

export class EventTable {
  private readonly shapes: EventShapes;
  private readonly ids: EventIdIndex;
  private readonly users = new StringPool();
  private readonly items: StringPool;
  private readonly strings = new StringPool();
  /** Values of VALUE fields. */
  private readonly values: unknown[] = [];
  private rows = 0;
  private capacity: number;
  private userOf: Int32Array;
  private itemOf: Int32Array;
  private typeOf: Uint8Array;
  private shapeOf: Uint16Array | Int32Array;
  private timestampOf: Float64Array;
  /** Allocated with the first `received_at` kept as a number (events appended directly have none). */
  private receivedOf: Float64Array | undefined;
  private slotOf: Int32Array;
  private pool: Float64Array;
  private poolUsed = 0;
  private readonly chains: UserRowChains;
  /** Scratch for `push`. */
  private kinds = new Uint8Array(32);

  constructor(options: EventTableOptions = {}, shapes = new EventShapes()) {
    this.shapes = shapes;
    this.items = options.itemIds ?? new StringPool();
    this.capacity = Math.max(16, options.capacity ?? 1024);
    this.ids = new EventIdIndex(options.capacity ?? 0);
    this.userOf = new Int32Array(this.capacity);
    this.itemOf = new Int32Array(this.capacity);
    this.typeOf = new Uint8Array(this.capacity);
    this.shapeOf = new Uint16Array(this.capacity);
    this.timestampOf = new Float64Array(this.capacity);
    this.slotOf = new Int32Array(this.capacity);
    this.pool = new Float64Array(this.capacity);
    this.chains = new UserRowChains(this.capacity);
  }

  get length(): number {
    return this.rows;
  }

  /** Users with at least one row. */
  get userCount(): number {
    return this.users.size;
  }

  /**
   * Appends `event` (kept losslessly, see above) and returns its row. Throws, adding nothing, when
   * its event id is already in the table or it lacks a string event_id or user_id.
   */
  push(event: InteractionEvent): number {
    if (typeof event.event_id !== 'string' || typeof event.user_id !== 'string') {
      throw new TypeError('an event needs a string event_id and user_id');
    }
    const keys = Object.keys(event);
    if (keys.length > this.kinds.length) this.kinds = new Uint8Array(keys.length * 2);
    const kinds = this.kinds;
    const fields = event as unknown as Record<string, unknown>;
    let timestamp = Number.NaN;
    let received = Number.NaN;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = fields[key];
      let kind = typeof value === 'number' ? NUMBER : typeof value === 'string' ? STRING : VALUE;
      if (key === 'event_id') kind = ID;
      else if (key === 'user_id') kind = USER;
      else if (kind === STRING) {
        if (key === 'item_id') kind = ITEM;
        else if (key === 'type' && TYPE_INDEX.has(value as string)) kind = TYPE;
        else if (key === 'timestamp' && !Number.isNaN((timestamp = canonicalIsoMs(value as string)))) kind = TIMESTAMP;
        else if (key === 'received_at' && !Number.isNaN((received = canonicalIsoMs(value as string)))) kind = RECEIVED;
      }
      kinds[i] = kind;
    }
    const row = this.ids.add(event.event_id);
    if (row === NONE) throw new Error(`event ${JSON.stringify(event.event_id)} is already in the table`);
    const shapeId = this.shapes.idOf(keys, kinds, keys.length);
    const shape = this.shapes.list[shapeId]!;
    if (row >= this.capacity) this.grow(row + 1);
    if (this.poolUsed + shape.slots > this.pool.length) this.growPool(this.poolUsed + shape.slots);
    if (shapeId > 0xffff && this.shapeOf instanceof Uint16Array) this.shapeOf = Int32Array.from(this.shapeOf);
    this.shapeOf[row] = shapeId;
    this.itemOf[row] = NONE;
    this.typeOf[row] = NO_TYPE;
    this.timestampOf[row] = Number.NaN;
    this.slotOf[row] = this.poolUsed;
    for (let i = 0; i < keys.length; i++) {
      const value = fields[keys[i]!];
      switch (kinds[i]) {
        case ITEM:
          this.itemOf[row] = this.items.intern(value as string);
          break;
        case TYPE:
          this.typeOf[row] = TYPE_INDEX.get(value as string)!;
          break;
        case TIMESTAMP:
          this.timestampOf[row] = timestamp;
          break;
        case RECEIVED:
          this.received()[row] = received;
          break;
        case NUMBER:
          this.pool[this.poolUsed++] = value as number;
          break;
        case STRING:
          this.pool[this.poolUsed++] = this.strings.intern(value as string);
          break;
        case VALUE:
          this.pool[this.poolUsed++] = this.values.push(value) - 1;
          break;
      }
    }
    if (this.receivedOf && Number.isNaN(received)) this.receivedOf[row] = Number.NaN;
    this.link(row, this.users.intern(event.user_id));
    this.rows = row + 1;
    return row;
  }

  /** The row of the event with this id, or -1. */
  find(eventId: string): number {
    return this.ids.find(eventId);
  }

  has(eventId: string): boolean {
    return this.ids.find(eventId) !== NONE;
  }

  eventId(row: number): string {
    return this.ids.at(row);
  }

  userId(row: number): string {
    return this.users.at(this.userOf[row]!);
  }

  /** The event at `row`: a new object equal to the one pushed, fields in the same order. */
  event(row: number): InteractionEvent {
    const shape = this.shapes.list[this.shapeOf[row]!]!;
    const { keys, kinds } = shape;
    const out: Record<string, unknown> = {};
    let slot = this.slotOf[row]!;
    for (let i = 0; i < keys.length; i++) {
      let value: unknown;
      switch (kinds[i]) {
        case ID:
          value = this.ids.at(row);
          break;
        case USER:
          value = this.users.at(this.userOf[row]!);
          break;
        case ITEM:
          value = this.items.at(this.itemOf[row]!);
          break;
        case TYPE:
          value = EVENT_TYPES[this.typeOf[row]!];
          break;
        case TIMESTAMP:
          value = formatIsoMs(this.timestampOf[row]!);
          break;
        case RECEIVED:
          value = formatIsoMs(this.receivedOf![row]!);
          break;
        case NUMBER:
          value = this.pool[slot++];
          break;
        case STRING:
          value = this.strings.at(this.pool[slot++]!);
          break;
        default:
          value = this.values[this.pool[slot++]!];
      }
      if (shape.defineKeys) Object.defineProperty(out, keys[i]!, { value, enumerable: true, writable: true, configurable: true });
      else out[keys[i]!] = value;
    }
    return out as unknown as InteractionEvent;
  }

  /** `receivedAt` of the event at `row`, from the columns when they hold it. */
  receivedAt(row: number): number {
    const received = this.receivedOf?.[row];
    if (received !== undefined && !Number.isNaN(received)) return received;
    const shape = this.shapes.list[this.shapeOf[row]!]!;
    const at = this.timestampOf[row]!;
    if (!shape.hasReceivedAt && !Number.isNaN(at)) return at;
    return receivedAt(this.event(row));
  }

  /** Events of rows [from, to) in order, made one at a time. */
  *events(from = 0, to = this.rows): IterableIterator<InteractionEvent> {
    for (let row = from; row < to; row++) yield this.event(row);
  }

  hasUser(userId: string): boolean {
    return this.users.indexOf(userId) !== NONE;
  }

  /** The user's rows in order. */
  rowsOf(userId: string): number[] {
    const user = this.users.indexOf(userId);
    if (user === NONE) return [];
    const rows = new Array<number>(this.chains.count(user));
    for (let row = this.chains.first(user), i = 0; row !== NONE; row = this.chains.next(row)) rows[i++] = row;
    return rows;
  }

  /** The user's events in order. */
  forUser(userId: string): InteractionEvent[] {
    const user = this.users.indexOf(userId);
    if (user === NONE) return [];
    const events = new Array<InteractionEvent>(this.chains.count(user));
    for (let row = this.chains.first(user), i = 0; row !== NONE; row = this.chains.next(row)) events[i++] = this.event(row);
    return events;
  }

  /** Users in the order of their first row (live: sees users added later). */
  userIds(): IterableIterator<string> {
    return this.users.values();
  }

  /**
   * A new table with the rows `keep` accepts, in order; users stay in the order they had here.
   * User ids, strings and values only the other rows used are not carried over; item ids stay in the
   * shared item pool.
   */
  filter(keep: (row: number) => boolean): EventTable {
    const kept = new Uint8Array(this.rows);
    const userKept = new Uint8Array(this.users.size);
    let count = 0;
    for (let row = 0; row < this.rows; row++) {
      if (!keep(row)) continue;
      kept[row] = 1;
      userKept[this.userOf[row]!] = 1;
      count++;
    }
    const out = new EventTable({ capacity: count + (count >> 3) + 16, itemIds: this.items }, this.shapes);
    const userMap = new Int32Array(this.users.size);
    for (let user = 0; user < userMap.length; user++) userMap[user] = userKept[user] ? out.users.intern(this.users.at(user)) : NONE;
    const stringMap = new Int32Array(this.strings.size).fill(NONE);
    for (let row = 0; row < this.rows; row++) if (kept[row]) out.copyRow(this, row, userMap, stringMap);
    return out;
  }

  /** A new table without the user's rows (see `filter`). */
  withoutUser(userId: string): EventTable {
    const user = this.users.indexOf(userId);
    return this.filter((row) => this.userOf[row] !== user);
  }

  /** Copies a row of `from`, which shares this table's item pool (item codes carry over as they are). */
  private copyRow(from: EventTable, row: number, userMap: Int32Array, stringMap: Int32Array): void {
    const to = this.ids.add(from.ids.at(row));
    if (to >= this.capacity) this.grow(to + 1);
    const shapeId = from.shapeOf[row]!;
    const shape = this.shapes.list[shapeId]!;
    if (this.poolUsed + shape.slots > this.pool.length) this.growPool(this.poolUsed + shape.slots);
    if (shapeId > 0xffff && this.shapeOf instanceof Uint16Array) this.shapeOf = Int32Array.from(this.shapeOf);
    this.shapeOf[to] = shapeId;
    this.itemOf[to] = from.itemOf[row]!;
    this.typeOf[to] = from.typeOf[row]!;
    this.timestampOf[to] = from.timestampOf[row]!;
    const received = from.receivedOf?.[row];
    if (received !== undefined && !Number.isNaN(received)) this.received()[to] = received;
    else if (this.receivedOf) this.receivedOf[to] = Number.NaN;
    this.slotOf[to] = this.poolUsed;
    let slot = from.slotOf[row]!;
    for (const kind of shape.kinds) {
      if (kind < NUMBER) continue;
      const value = from.pool[slot++]!;
      if (kind === NUMBER) this.pool[this.poolUsed++] = value;
      else if (kind === STRING) {
        if (stringMap[value] === NONE) stringMap[value] = this.strings.intern(from.strings.at(value));
        this.pool[this.poolUsed++] = stringMap[value]!;
      } else this.pool[this.poolUsed++] = this.values.push(from.values[value]) - 1;
    }
    this.link(to, userMap[from.userOf[row]!]!);
    this.rows = to + 1;
  }

  /** Makes `row` the user's latest. */
  private link(row: number, user: number): void {
    this.userOf[row] = user;
    this.chains.link(row, user);
  }

  private received(): Float64Array {
    if (!this.receivedOf) this.receivedOf = new Float64Array(this.capacity).fill(Number.NaN);
    return this.receivedOf;
  }

  private grow(rows: number): void {
    const size = grownSize(this.capacity, rows);
    this.userOf = resized(this.userOf, size);
    this.itemOf = resized(this.itemOf, size);
    this.typeOf = resized(this.typeOf, size);
    this.shapeOf = resized(this.shapeOf, size);
    this.timestampOf = resized(this.timestampOf, size);
    if (this.receivedOf) this.receivedOf = resized(this.receivedOf, size);
    this.slotOf = resized(this.slotOf, size);
    this.chains.growRows(size);
    this.capacity = size;
  }

  private growPool(slots: number): void {
    this.pool = resized(this.pool, grownSize(this.pool.length, slots));
  }
}
