// Every Redis key and channel the distributed-mode adapters use, in one place (documented in
// docs/redis-keys.md). All share one prefix so several deployments can share a Redis database.

export const DEFAULT_KEY_PREFIX = 'recsys:';

export class RedisKeys {
  /** Catalogue: HASH item_id -> item JSON as upserted. */
  readonly catalogItems: string;
  /** Catalogue: HASH item_id -> ISO time of removal (the item is served as unavailable). */
  readonly catalogRemoved: string;
  /** Catalogue: ZSET item_id scored by first-upsert sequence (insertion order). */
  readonly catalogOrder: string;
  /** Catalogue: STRING counter feeding `catalogOrder`. */
  readonly catalogSeq: string;
  /** Events: STREAM, one entry per acknowledged event (field v = 1): the log's order and append times. */
  readonly events: string;
  /** Events: HASH stream entry id -> event JSON. With `events`, the system of record. */
  readonly eventBodies: string;
  /** Events: SET of the event ids in the stream, for deduplication. */
  readonly eventIds: string;
  /** Events: SET of SHA-1 digests of erased event ids, so a retried erased event stays out. */
  readonly erasedEventIds: string;
  /** Users: SET of user ids known from preferences or events. */
  readonly users: string;
  /** Item counters: HASH item_id -> "positive_users positive_weight trending trending_at". */
  readonly itemFeatures: string;
  /** Erasures in progress: HASH user_id -> JSON of what the item counters must be corrected from. */
  readonly erasures: string;
  /** Model registry: HASH version -> record JSON (saved status, artifact manifest). */
  readonly models: string;
  /** Model registry: STRING, the active version. */
  readonly activeModel: string;
  /** Pub/sub channel: the version that was just activated. */
  readonly modelActivatedChannel: string;

  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    this.catalogItems = `${prefix}catalog:items`;
    this.catalogRemoved = `${prefix}catalog:removed`;
    this.catalogOrder = `${prefix}catalog:order`;
    this.catalogSeq = `${prefix}catalog:seq`;
    this.events = `${prefix}events`;
    this.eventBodies = `${prefix}events:bodies`;
    this.eventIds = `${prefix}events:ids`;
    this.erasedEventIds = `${prefix}events:erased`;
    this.users = `${prefix}users`;
    this.itemFeatures = `${prefix}features:items`;
    this.erasures = `${prefix}erasures`;
    this.models = `${prefix}models`;
    this.activeModel = `${prefix}models:active`;
    this.modelActivatedChannel = `${prefix}models:activated`;
  }

  /** LIST of the stream entry ids of one user's events, in append order. */
  userEvents(userId: string): string {
    return `${this.prefix}events:user:${userId}`;
  }

  /** STRING: one user's preferences JSON. */
  preferences(userId: string): string {
    return `${this.prefix}prefs:${userId}`;
  }

  /** HASH item_id -> "preference events consumed last_at" for one user. */
  userFeatures(userId: string): string {
    return `${this.prefix}features:user:${userId}`;
  }

  /** HASH artifact name -> bytes of one model version. */
  modelArtifacts(version: string): string {
    return `${this.prefix}model:${version}:artifacts`;
  }

  /** The artifacts of a save in progress (TTL), renamed to `modelArtifacts` when it commits. */
  modelArtifactsTemp(version: string, token: string): string {
    return `${this.prefix}model:${version}:artifacts:tmp:${token}`;
  }
}
