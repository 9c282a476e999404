import { readFileSync } from 'node:fs';
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
import type { Redis } from 'ioredis';
import { execAll } from './redis-connection.js';
import { DEFAULT_IMPRESSION_RETENTION_MS } from '../embedded/learning-store.js';
import { COUNTER_FIELDS, DEFAULT_IMPRESSION_LIMITS, emptyCounters } from '../embedded/learning-state.js';

// The learning store in Redis, shared by every replica (keys in docs/redis-keys.md, "Learning").
// Every write that must be atomic is one Lua script in ./lua/learning-*.lua with the embedded
// LearningState's arithmetic; the contract tests run the same bodies against both adapters.

export class RedisLearningKeys {
  constructor(readonly prefix: string) {}
  /** HASH item_id -> impression state JSON, for one served list (TTL: impression window). */
  impressions(requestId: string): string {
    return `${this.prefix}learn:imp:${requestId}`;
  }
  /** HASH item_id -> request_id of the user's latest impression of the item (TTL: impression window). */
  latest(userId: string): string {
    return `${this.prefix}learn:latest:${userId}`;
  }
  /** SET of the request ids of the user's impressions (TTL: impression window). */
  requests(userId: string): string {
    return `${this.prefix}learn:requests:${userId}`;
  }
  /** LIST of the user's attributions, JSON, oldest first (TTL: retention). */
  attributions(userId: string): string {
    return `${this.prefix}learn:attributions:${userId}`;
  }
  /** HASH experiment_id -> variant the user was served in. */
  assignments(userId: string): string {
    return `${this.prefix}learn:assignments:${userId}`;
  }
  /** HASH "<variant>:<counter>" -> number, for one experiment. */
  counters(experimentId: string): string {
    return `${this.prefix}learn:counters:${experimentId}`;
  }
  /** HASH obs, hl, reset, s:<arm>, f:<arm>: the shared bandit evidence. */
  get bandit(): string {
    return `${this.prefix}learn:bandit`;
  }
  /** HASH experiment id -> record JSON. */
  get experiments(): string {
    return `${this.prefix}learn:experiments`;
  }
}

const SCRIPTS = ['learning-impressions', 'learning-attribute', 'learning-erase', 'learning-experiment-save', 'learning-bandit-reset'] as const;
type LearningScript = (typeof SCRIPTS)[number];
const sources = new Map<LearningScript, string>();
const defined = new WeakMap<Redis, Set<LearningScript>>();
type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

function run(redis: Redis, name: LearningScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const command = `recsys_${name.replaceAll('-', '_')}`;
  let names = defined.get(redis);
  if (!names) defined.set(redis, (names = new Set()));
  if (!names.has(name)) {
    let lua = sources.get(name);
    if (lua === undefined) sources.set(name, (lua = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')));
    redis.defineCommand(command, { lua });
    names.add(name);
  }
  return (redis as unknown as Record<string, ScriptCommand>)[command]!.call(redis, keys.length, ...keys, ...args);
}

interface StoredState {
  /** The impression JSON as recorded. */
  i: string;
}

export interface RedisLearningStoreOptions {
  /** Attributions expire after this; default 7 days. */
  retentionMs?: number;
  /**
   * Impressions (and the user's impression indexes) expire this long after they were recorded:
   * they are only needed for attribution. Default 35 minutes (the default 30-minute attribution
   * window plus a grace for outcomes queued while the store was unavailable).
   */
  impressionWindowMs?: number;
}

export class RedisLearningStore implements LearningStore {
  readonly keys: RedisLearningKeys;
  private readonly ttlSeconds: number;
  private readonly impressionTtlSeconds: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    options: RedisLearningStoreOptions = {},
  ) {
    this.keys = new RedisLearningKeys(prefix);
    this.ttlSeconds = Math.max(1, Math.ceil((options.retentionMs ?? DEFAULT_IMPRESSION_RETENTION_MS) / 1000));
    this.impressionTtlSeconds = Math.max(1, Math.ceil((options.impressionWindowMs ?? DEFAULT_IMPRESSION_LIMITS.windowMs) / 1000));
  }

  async recordImpressions(impressions: readonly Impression[], options: BanditRecordOptions) {
    // One script call per served list: its impressions share the request, user and variant.
    const lists = new Map<string, Impression[]>();
    for (const impression of impressions) {
      const key = `${impression.request_id}\u0000${impression.user_id}\u0000${impression.experiment_id}\u0000${impression.variant}`;
      const list = lists.get(key);
      if (list) list.push(impression);
      else lists.set(key, [impression]);
    }
    const results = await Promise.all(
      [...lists.values()].map((list) => {
        const { request_id, user_id, experiment_id, variant } = list[0]!;
        const k = this.keys;
        return run(
          this.redis,
          'learning-impressions',
          [k.impressions(request_id), k.latest(user_id), k.requests(user_id), k.assignments(user_id), k.counters(experiment_id), k.bandit],
          [
            options.halfLifeObservations === null ? '' : String(options.halfLifeObservations),
            this.impressionTtlSeconds,
            experiment_id,
            variant,
            request_id,
            ...list.flatMap((i) => [i.item_id, i.arm ?? '', JSON.stringify(i)]),
          ],
        ) as Promise<[number, number]>;
      }),
    );
    return results.reduce((sum, [recorded, duplicates]) => ({ recorded: sum.recorded + recorded, duplicates: sum.duplicates + duplicates }), {
      recorded: 0,
      duplicates: 0,
    });
  }

  async attribute(outcomes: readonly Outcome[]): Promise<AttributionStatus[]> {
    // Three pipelined rounds, whatever the batch size: the list of each outcome (for events
    // without recommendation_id, the user's latest impression of the item), the impression (for
    // its experiment's counters key), then one script per found impression with every key
    // declared. Scripts are sent in order on one connection, so Redis runs them in order; each
    // checks again, atomically, so a stale read only means 'unknown'.
    const k = this.keys;
    const statuses: AttributionStatus[] = outcomes.map(() => 'unknown');
    const requestIds: (string | undefined)[] = outcomes.map((o) => o.request_id);
    let lookups = outcomes.flatMap((o, i) => (o.request_id === undefined ? [i] : []));
    if (lookups.length > 0) {
      // Most events of a bulk import come from users never served: one check per user first.
      const users = [...new Set(lookups.map((i) => outcomes[i]!.user_id))];
      const served = this.redis.pipeline();
      for (const user of users) served.exists(k.requests(user));
      const exists = await execAll(served);
      const known = new Set(users.filter((_, n) => exists[n] === 1));
      lookups = lookups.filter((i) => known.has(outcomes[i]!.user_id));
    }
    if (lookups.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const i of lookups) pipeline.hget(k.latest(outcomes[i]!.user_id), outcomes[i]!.item_id);
      const found = await execAll(pipeline);
      lookups.forEach((i, n) => (requestIds[i] = (found[n] as string | null) ?? undefined));
    }
    const known = outcomes.flatMap((_, i) => (requestIds[i] === undefined ? [] : [i]));
    if (known.length === 0) return statuses;
    const pipeline = this.redis.pipeline();
    for (const i of known) pipeline.hget(k.impressions(requestIds[i]!), outcomes[i]!.item_id);
    const raws = await execAll(pipeline);
    const calls: Promise<void>[] = [];
    known.forEach((i, n) => {
      const raw = raws[n] as string | null;
      if (!raw) return;
      const outcome = outcomes[i]!;
      const requestId = requestIds[i]!;
      const impression = JSON.parse((JSON.parse(raw) as StoredState).i) as Impression;
      const call = run(
        this.redis,
        'learning-attribute',
        [k.impressions(requestId), k.attributions(outcome.user_id), k.counters(impression.experiment_id), k.bandit],
        [
          outcome.item_id,
          outcome.user_id,
          outcome.event_id,
          String(outcome.preference),
          outcome.play ? '1' : '0',
          outcome.completed ? '1' : '0',
          outcome.watch_seconds === undefined ? '' : String(outcome.watch_seconds),
          outcome.request_id === undefined ? String(outcome.window_start ?? -1e300) : '',
          outcome.event_type,
          String(outcome.at),
          this.ttlSeconds,
        ],
      ) as Promise<AttributionStatus>;
      calls.push(call.then((status) => void (statuses[i] = status)));
    });
    await Promise.all(calls);
    return statuses;
  }

  async impressionsOf(requestId: string): Promise<Impression[]> {
    const all = await this.redis.hvals(this.keys.impressions(requestId));
    return all.map((raw) => JSON.parse((JSON.parse(raw) as StoredState).i) as Impression).sort((a, b) => a.position - b.position);
  }

  async impressionsOfUser(userId: string): Promise<Impression[]> {
    const requests = await this.redis.smembers(this.keys.requests(userId));
    if (requests.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const request of requests) pipeline.hvals(this.keys.impressions(request));
    const lists = (await execAll(pipeline)) as string[][];
    return lists
      .flatMap((raws) => (raws ?? []).map((raw) => JSON.parse((JSON.parse(raw) as StoredState).i) as Impression))
      .filter((impression) => impression.user_id === userId)
      .sort((a, b) => a.served_at - b.served_at || (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : a.position - b.position));
  }

  async attributionsOf(userId: string): Promise<Attribution[]> {
    const all = await this.redis.lrange(this.keys.attributions(userId), 0, -1);
    return all.map((raw) => JSON.parse(raw) as Attribution);
  }

  async variantCounters(experimentId: string): Promise<VariantCounters[]> {
    const flat = await this.redis.hgetall(this.keys.counters(experimentId));
    const byVariant = new Map<string, VariantCounters>();
    for (const [field, value] of Object.entries(flat)) {
      const at = field.lastIndexOf(':');
      const variant = field.slice(0, at);
      const counter = field.slice(at + 1) as (typeof COUNTER_FIELDS)[number];
      if (!(COUNTER_FIELDS as readonly string[]).includes(counter)) continue;
      let counters = byVariant.get(variant);
      if (!counters) byVariant.set(variant, (counters = emptyCounters(variant)));
      counters[counter] = Number(value);
    }
    return [...byVariant.values()];
  }

  async assignmentsOf(userId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.assignments(userId));
  }

  async banditState(): Promise<BanditState> {
    const flat = await this.redis.hgetall(this.keys.bandit);
    const arms = new Map<string, { arm: string; successes: number; failures: number }>();
    for (const [field, value] of Object.entries(flat)) {
      const kind = field.slice(0, 2);
      if (kind !== 's:' && kind !== 'f:') continue;
      const arm = field.slice(2);
      let state = arms.get(arm);
      if (!state) arms.set(arm, (state = { arm, successes: 0, failures: 0 }));
      if (kind === 's:') state.successes = Number(value);
      else state.failures = Number(value);
    }
    return { arms: [...arms.values()].sort((a, b) => (a.arm < b.arm ? -1 : 1)), observations: Number(flat.obs ?? 0) };
  }

  async resetBandit(): Promise<void> {
    await run(this.redis, 'learning-bandit-reset', [this.keys.bandit], []);
  }

  async createExperiment(record: ExperimentRecord): Promise<CreateExperimentResult> {
    const [status, running] = (await run(this.redis, 'learning-experiment-save', [this.keys.experiments], [
      'create',
      record.id,
      JSON.stringify(record),
      record.status === 'running' ? '1' : '0',
    ])) as [string, string?];
    if (status === 'created') return { created: true };
    if (status === 'exists') return { created: false, reason: 'exists' };
    return { created: false, reason: 'running', running: running! };
  }

  async updateExperiment(record: ExperimentRecord): Promise<boolean> {
    const [status] = (await run(this.redis, 'learning-experiment-save', [this.keys.experiments], [
      'update',
      record.id,
      JSON.stringify(record),
      record.status === 'running' ? '1' : '0',
    ])) as [string];
    return status === 'updated';
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const raw = await this.redis.hget(this.keys.experiments, id);
    return raw ? (JSON.parse(raw) as ExperimentRecord) : undefined;
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    const all = await this.redis.hvals(this.keys.experiments);
    return all
      .map((raw) => JSON.parse(raw) as ExperimentRecord)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
  }

  async eraseUser(userId: string): Promise<LearningErasure> {
    const k = this.keys;
    let impressions = 0;
    for (;;) {
      const requests = await this.redis.smembers(k.requests(userId));
      const result = (await run(
        this.redis,
        'learning-erase',
        [k.requests(userId), k.latest(userId), k.attributions(userId), k.assignments(userId), ...requests.map((r) => k.impressions(r))],
        requests,
      )) as [string, number, number?, number?];
      impressions += result[1];
      if (result[0] === 'ok') return { impressions, attributions: result[2] ?? 0, assignments: result[3] ?? 0 };
    }
  }
}
