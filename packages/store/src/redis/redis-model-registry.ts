import { createHash, randomUUID } from 'node:crypto';
import type { Artifacts, ModelRecord, ModelRegistry, ModelStatus } from '@recsys/core';
import type { Redis } from 'ioredis';
import type { ActivationListener } from '../activation-listeners.js';
import { ModelRegistryError, type SaveModelOptions } from '../embedded/model-registry.js';
import { ActivationSubscriber } from './activation-subscriber.js';
import { runScript } from './lua-scripts.js';
import { execAll, RedisClientHandle, type RedisClientOptions } from './redis-connection.js';
import { DEFAULT_KEY_PREFIX, RedisKeys } from './redis-keys.js';

// Model versions in Redis, shared by the worker that trains them and every API replica that
// serves them:
//   <prefix>models                      HASH version -> record JSON (saved status, artifact manifest)
//   <prefix>model:<version>:artifacts   HASH artifact name -> raw bytes (binary, never JSON)
//   <prefix>models:active               STRING the active version
//   <prefix>models:activated            pub/sub channel, the version just activated
// A save writes the artifacts under a temporary key with a TTL and commits with one Lua script
// (rename + record), so a crashed save leaves no version, only a key that expires. Activation sets
// the pointer and publishes in one script; `onActivated` listeners in every process hear it.

export interface RedisModelRegistryOptions extends RedisClientOptions {
  /** Prefix of every key; default "recsys:". */
  keyPrefix?: string;
}

interface ArtifactEntry {
  name: string;
  bytes: number;
  sha256: string;
}

interface StoredModel extends Omit<ModelRecord, 'status'> {
  status: Exclude<ModelStatus, 'active'>;
  artifacts: ArtifactEntry[];
}

/** Life of the artifacts of a save that never committed (a crash mid-save). */
const TEMP_TTL_SECONDS = 3600;

export class RedisModelRegistry implements ModelRegistry {
  readonly keys: RedisKeys;
  private readonly client: RedisClientHandle;
  private readonly subscriber: ActivationSubscriber;

  constructor(options: RedisModelRegistryOptions) {
    this.client = new RedisClientHandle(options);
    this.keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.subscriber = new ActivationSubscriber(this.client.redis, this.keys.modelActivatedChannel, () => this.activeVersion());
  }

  /** Stores a new version without activating it; `options.status` records a rejected one. */
  async save(record: Omit<ModelRecord, 'status'>, artifacts: Artifacts, options: SaveModelOptions = {}): Promise<ModelRecord> {
    const status = options.status ?? 'inactive';
    checkVersion(record.version);
    if (status !== 'inactive' && status !== 'rejected') {
      throw new ModelRegistryError('MODEL_INVALID', `status must be 'inactive' or 'rejected', got ${String(status)}`);
    }
    const redis = await this.redis();
    if ((await redis.hexists(this.keys.models, record.version)) === 1) throw exists(record.version);
    const temp = this.keys.modelArtifactsTemp(record.version, randomUUID());
    try {
      const entries: ArtifactEntry[] = [];
      for (const [name, bytes] of Object.entries(artifacts)) {
        if (name === '') throw new ModelRegistryError('MODEL_INVALID', 'artifact names must not be empty');
        const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        await execAll(redis.multi().hset(temp, name, buffer).expire(temp, TEMP_TTL_SECONDS));
        entries.push({ name, bytes: bytes.byteLength, sha256: sha256(bytes) });
      }
      const stored: StoredModel = {
        version: record.version,
        created_at: record.created_at,
        components: [...record.components],
        metrics: { ...record.metrics },
        training_seconds: record.training_seconds,
        status,
        ...(record.notes === undefined ? {} : { notes: record.notes }),
        artifacts: entries,
      };
      const committed = await runScript(
        redis,
        'model-commit',
        [this.keys.models, temp, this.keys.modelArtifacts(record.version)],
        [record.version, JSON.stringify(stored)],
      );
      if (committed !== 1) throw exists(record.version);
      return toRecord(stored, await this.activeVersion());
    } catch (error) {
      await redis.unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /** The version's artifacts as fresh (8-byte aligned) byte arrays, checked against the manifest. */
  async load(version: string): Promise<Artifacts> {
    const stored = await this.require(version);
    const artifacts: Artifacts = {};
    for (const entry of stored.artifacts) {
      const buffer = await (await this.redis()).hgetBuffer(this.keys.modelArtifacts(version), entry.name);
      if (!buffer || buffer.byteLength !== entry.bytes || sha256(buffer) !== entry.sha256) {
        throw new ModelRegistryError('MODEL_CORRUPT', `artifact ${entry.name} of model ${version} is missing or damaged in Redis`);
      }
      artifacts[entry.name] = new Uint8Array(buffer); // a copy: decoders may view it as Float32Array
    }
    return artifacts;
  }

  async loadArtifact(version: string, name: string): Promise<Uint8Array | undefined> {
    const entry = (await this.require(version)).artifacts.find((e) => e.name === name);
    if (!entry) return undefined;
    const buffer = await (await this.redis()).hgetBuffer(this.keys.modelArtifacts(version), name);
    if (!buffer || buffer.byteLength !== entry.bytes || sha256(buffer) !== entry.sha256) {
      throw new ModelRegistryError('MODEL_CORRUPT', `artifact ${name} of model ${version} is missing or damaged in Redis`);
    }
    return new Uint8Array(buffer);
  }

  /** Replaces existing artifacts and their manifest entries in one script (compare-and-set on the record). */
  async replaceArtifacts(version: string, artifacts: Artifacts): Promise<void> {
    const redis = await this.redis();
    for (let attempt = 0; attempt < 10; attempt++) {
      const json = await redis.hget(this.keys.models, version);
      if (json === null) throw notFound(version);
      const stored = JSON.parse(json) as StoredModel;
      const args: (string | Buffer)[] = [];
      const entries = stored.artifacts.map((entry) => ({ ...entry }));
      for (const [name, bytes] of Object.entries(artifacts)) {
        const entry = entries.find((e) => e.name === name);
        if (!entry) throw new ModelRegistryError('MODEL_INVALID', `model ${version} has no artifact ${name} to replace`);
        Object.assign(entry, { bytes: bytes.byteLength, sha256: sha256(bytes) });
        args.push(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
      const next = JSON.stringify({ ...stored, artifacts: entries });
      const keys = [this.keys.models, this.keys.modelArtifacts(version)];
      if ((await runScript(redis, 'model-replace-artifacts', keys, [version, json, next, ...args])) === 1) return;
    }
    throw new ModelRegistryError('MODEL_INVALID', `model ${version} kept changing while its artifacts were replaced`);
  }

  /** Every version, newest (by created_at) first. */
  async list(): Promise<ModelRecord[]> {
    const redis = await this.redis();
    const [all, active] = await Promise.all([redis.hgetall(this.keys.models), this.activeVersion()]);
    return Object.values(all)
      .map((json) => JSON.parse(json) as StoredModel)
      .sort((a, b) => (a.created_at === b.created_at ? cmp(b.version, a.version) : cmp(b.created_at, a.created_at)))
      .map((stored) => toRecord(stored, active));
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    const redis = await this.redis();
    const [json, active] = await Promise.all([redis.hget(this.keys.models, version), this.activeVersion()]);
    return json === null ? undefined : toRecord(JSON.parse(json) as StoredModel, active);
  }

  async activeVersion(): Promise<string | undefined> {
    return (await (await this.redis()).get(this.keys.activeModel)) ?? undefined;
  }

  /** Makes `version` the serving one (also a rejected one: an operator's rollback) and announces it. */
  async activate(version: string): Promise<ModelRecord> {
    const stored = await this.require(version);
    const done = await runScript(
      await this.redis(),
      'model-activate',
      [this.keys.models, this.keys.activeModel],
      [version, this.keys.modelActivatedChannel],
    );
    if (done !== 1) throw notFound(version);
    return toRecord(stored, version);
  }

  /**
   * Calls `listener` with every version activated from now on, by any process using this Redis and
   * prefix (this one included). Returns the function that unsubscribes.
   */
  onActivated(listener: ActivationListener): () => void {
    return this.subscriber.add(listener);
  }

  /** Resolves once `onActivated` listeners receive activations (the subscription is in place). */
  subscribed(): Promise<void> {
    return this.subscriber.ready();
  }

  /** Closes the subscription and, when the registry made it, the client. */
  async close(): Promise<void> {
    await this.subscriber.stop();
    await this.client.close();
  }

  /** The client, connected on first use (the registry has no open()); later commands fail fast while Redis is away. */
  private async redis(): Promise<Redis> {
    await this.client.firstConnection();
    return this.client.redis;
  }

  private async require(version: string): Promise<StoredModel> {
    const json = await (await this.redis()).hget(this.keys.models, version);
    if (json === null) throw notFound(version);
    return JSON.parse(json) as StoredModel;
  }
}

export function createRedisModelRegistry(options: RedisModelRegistryOptions): RedisModelRegistry {
  return new RedisModelRegistry(options);
}

function toRecord(stored: StoredModel, active: string | undefined): ModelRecord {
  const { artifacts: _artifacts, ...record } = stored;
  return { ...record, status: stored.version === active ? 'active' : stored.status };
}

function checkVersion(version: unknown): asserts version is string {
  if (typeof version !== 'string' || version === '' || version.startsWith('.') || version.length > 200) {
    throw new ModelRegistryError('MODEL_INVALID', `invalid model version ${JSON.stringify(version)}`);
  }
}

function exists(version: string): ModelRegistryError {
  return new ModelRegistryError('MODEL_EXISTS', `model version ${version} already exists`);
}

function notFound(version: string): ModelRegistryError {
  return new ModelRegistryError('MODEL_NOT_FOUND', `model version ${version} does not exist`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
