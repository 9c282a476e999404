import { type CatalogStore, type Item, ItemInterner } from '@recsys/core';
import { SnapshotLog, type SnapshotLogOpenResult } from './snapshot-log.js';

// The catalogue in memory (a Map keeps insertion order), made durable by an op log
// (catalog.log) compacted into catalog.snapshot.jsonl. Both ops are idempotent, as the
// snapshot log requires: upsert stores the whole item, remove marks it unavailable. Items are held
// interned (ItemInterner): what they repeat is stored once.

export type CatalogOp = { op: 'upsert'; item: Item } | { op: 'remove'; item_id: string; at: string };

export interface CatalogStoreOptions {
  dir: string;
  compactAfterOps: number;
}

export class EmbeddedCatalogStore implements CatalogStore {
  private readonly items = new Map<string, Item>();
  private readonly interner = new ItemInterner();
  private readonly state: SnapshotLog<CatalogOp, Item>;

  constructor(options: CatalogStoreOptions) {
    this.state = new SnapshotLog<CatalogOp, Item>({
      dir: options.dir,
      name: 'catalog',
      compactAfterOps: options.compactAfterOps,
      restore: (item) => {
        checkItemId(item?.item_id, 'item');
        this.items.set(item.item_id, this.interner.intern(item));
      },
      apply: (op) => this.apply(op),
      snapshot: () => this.items.values(),
    });
  }

  open(): Promise<SnapshotLogOpenResult> {
    return this.state.open();
  }

  get writable(): boolean {
    return this.state.writable;
  }

  close(): Promise<void> {
    return this.state.close();
  }

  /** Resolves once the items are durable. Stores a shallow copy of each item. */
  async upsert(items: Item[]): Promise<void> {
    items.forEach((item, i) => checkItemId(item?.item_id, `items[${i}]`));
    await this.state.commit(items.map((item) => ({ op: 'upsert', item: { ...item } })));
  }

  /** The stored item (shared: treat as read-only). */
  async get(itemId: string): Promise<Item | undefined> {
    return this.items.get(itemId);
  }

  /** Sees upserts that have resolved; resolves once the removal is durable. */
  async remove(itemId: string): Promise<boolean> {
    const item = this.items.get(itemId);
    if (!item) return false;
    if (item.available) await this.state.commit([{ op: 'remove', item_id: itemId, at: new Date().toISOString() }]);
    return true;
  }

  async all(): Promise<Item[]> {
    return [...this.items.values()];
  }

  async count(): Promise<number> {
    return this.items.size;
  }

  private apply(op: CatalogOp): void {
    switch (op?.op) {
      case 'upsert':
        checkItemId(op.item?.item_id, 'upsert.item');
        this.items.set(op.item.item_id, this.interner.intern(op.item));
        return;
      case 'remove': {
        const item = this.items.get(op.item_id);
        if (item) this.items.set(op.item_id, { ...item, available: false, updated_at: op.at });
        return;
      }
      default:
        throw new Error(`unknown catalogue op ${JSON.stringify((op as { op?: unknown })?.op)}`);
    }
  }
}

function checkItemId(itemId: unknown, where: string): void {
  if (typeof itemId !== 'string' || itemId === '') throw new TypeError(`${where}.item_id must be a non-empty string`);
}
