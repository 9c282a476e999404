import { type CatalogStore, type Item, ItemInterner } from '@recsys/core';
import type { Redis } from 'ioredis';
import { runScript } from './lua-scripts.js';
import type { RedisKeys } from './redis-keys.js';

// The catalogue in Redis: each item's JSON as upserted in one hash, removals in another (an item
// is served with available: false and updated_at set to its removal time), and insertion order in
// a sorted set. Upsert and remove are Lua scripts, so concurrent writers never interleave.

/** Items per Redis round trip when reading the whole catalogue. */
const PAGE = 1000;

export class RedisCatalogStore implements CatalogStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async upsert(items: Item[]): Promise<void> {
    items.forEach((item, i) => checkItemId(item?.item_id, `items[${i}]`));
    for (let start = 0; start < items.length; start += PAGE) {
      const args = items.slice(start, start + PAGE).flatMap((item) => [item.item_id, JSON.stringify(item)]);
      const { catalogItems, catalogOrder, catalogSeq, catalogRemoved } = this.keys;
      await runScript(this.redis, 'catalog-upsert', [catalogItems, catalogOrder, catalogSeq, catalogRemoved], args);
    }
  }

  async get(itemId: string): Promise<Item | undefined> {
    const [json, removedAt] = await Promise.all([
      this.redis.hget(this.keys.catalogItems, itemId),
      this.redis.hget(this.keys.catalogRemoved, itemId),
    ]);
    return json === null ? undefined : toItem(json, removedAt);
  }

  async remove(itemId: string): Promise<boolean> {
    const at = new Date().toISOString();
    const found = await runScript(this.redis, 'catalog-remove', [this.keys.catalogItems, this.keys.catalogRemoved], [itemId, at]);
    return found === 1;
  }

  /** Every item in first-upsert order. */
  async all(): Promise<Item[]> {
    const items: Item[] = [];
    const interner = new ItemInterner();
    for (let start = 0; ; start += PAGE) {
      const ids = await this.redis.zrange(this.keys.catalogOrder, String(start), String(start + PAGE - 1));
      if (ids.length === 0) break;
      const [jsons, removed] = await Promise.all([
        this.redis.hmget(this.keys.catalogItems, ...ids),
        this.redis.hmget(this.keys.catalogRemoved, ...ids),
      ]);
      jsons.forEach((json, i) => {
        if (json !== null) items.push(interner.intern(toItem(json, removed[i] ?? null)));
      });
      if (ids.length < PAGE) break;
    }
    return items;
  }

  count(): Promise<number> {
    return this.redis.zcard(this.keys.catalogOrder);
  }
}

function toItem(json: string, removedAt: string | null): Item {
  const item = JSON.parse(json) as Item;
  return removedAt === null ? item : { ...item, available: false, updated_at: removedAt };
}

function checkItemId(itemId: unknown, where: string): void {
  if (typeof itemId !== 'string' || itemId === '') throw new TypeError(`${where}.item_id must be a non-empty string`);
}
