import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Artifacts, ModelRecord, ModelRegistry, ModelStatus } from '@recsys/core';
import { type ActivationListener, ActivationListeners } from '../activation-listeners.js';
import { fsyncDir, writeFileAtomic, writeFully } from './fs-durability.js';

// Model versions on disk:
//   <dir>/registry.json                      {"format":1,"active":"<version>"|null}
//   <dir>/versions/<version>/model.json      the ModelRecord (saved status) + artifact manifest
//   <dir>/versions/<version>/<artifact>.bin  one file per artifact
// (folder and file names are the URI-encoded version and artifact names.)
//
// A version is written into a temp folder, every file fsynced, then the folder is renamed into
// place; registry.json is replaced via temp file + rename. So a crash leaves either no version or a
// whole one, and the active pointer only ever names a complete version.

export type ModelRegistryErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_EXISTS' | 'MODEL_INVALID' | 'MODEL_CORRUPT';

export class ModelRegistryError extends Error {
  override name = 'ModelRegistryError';
  constructor(
    readonly code: ModelRegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface EmbeddedModelRegistryOptions {
  dir: string;
}

export interface SaveModelOptions {
  /** Status kept while the version is not active; 'rejected' records a failed quality gate. Default 'inactive'. */
  status?: Exclude<ModelStatus, 'active'>;
}

interface ArtifactEntry {
  name: string;
  file: string;
  bytes: number;
  sha256: string;
}

interface StoredModel extends Omit<ModelRecord, 'status'> {
  status: Exclude<ModelStatus, 'active'>;
  artifacts: ArtifactEntry[];
}

interface RegistryFile {
  format: 1;
  active: string | null;
}

const VERSIONS = 'versions';
const TEMP_PREFIX = '.tmp-';

export class EmbeddedModelRegistry implements ModelRegistry {
  readonly dir: string;
  private readonly versionsDir: string;
  private readonly models = new Map<string, StoredModel>();
  private active: string | undefined;
  private loading: Promise<void> | undefined;
  /** Serialises writes so registry.json always reflects the last activate. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Version folders that could not be read on load (skipped, left on disk for inspection). */
  readonly unreadable: string[] = [];
  private readonly activations = new ActivationListeners();

  constructor(options: EmbeddedModelRegistryOptions) {
    this.dir = path.resolve(options.dir);
    this.versionsDir = path.join(this.dir, VERSIONS);
  }

  /**
   * Stores a new version with its artifacts. Never activates it: the caller does, once it passed
   * its quality gate. `options.status` records a rejected version; a record's own status is ignored.
   */
  async save(record: Omit<ModelRecord, 'status'>, artifacts: Artifacts, options: SaveModelOptions = {}): Promise<ModelRecord> {
    await this.load0();
    const status = options.status ?? 'inactive';
    checkVersion(record.version);
    if (status !== 'inactive' && status !== 'rejected') {
      throw new ModelRegistryError('MODEL_INVALID', `status must be 'inactive' or 'rejected', got ${String(status)}`);
    }
    return this.exclusive(async () => {
      if (this.models.has(record.version)) {
        throw new ModelRegistryError('MODEL_EXISTS', `model version ${record.version} already exists`);
      }
      const temp = path.join(this.versionsDir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
      await fsp.mkdir(temp);
      try {
        const entries: ArtifactEntry[] = [];
        for (const [name, bytes] of Object.entries(artifacts)) {
          if (name === '') throw new ModelRegistryError('MODEL_INVALID', 'artifact names must not be empty');
          const file = `${encodeURIComponent(name)}.bin`;
          await writeSynced(path.join(temp, file), bytes);
          entries.push({ name, file, bytes: bytes.byteLength, sha256: sha256(bytes) });
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
        await writeSynced(path.join(temp, 'model.json'), Buffer.from(JSON.stringify(stored, null, 2) + '\n'));
        await fsyncDir(temp);
        await fsp.rename(temp, this.versionDir(record.version));
        await fsyncDir(this.versionsDir);
        this.models.set(record.version, stored);
        return this.toRecord(stored);
      } catch (error) {
        await fsp.rm(temp, { recursive: true, force: true });
        throw error;
      }
    });
  }

  async load(version: string): Promise<Artifacts> {
    const stored = await this.require(version);
    const dir = this.versionDir(version);
    const artifacts: Artifacts = {};
    for (const entry of stored.artifacts) {
      const bytes = new Uint8Array(await fsp.readFile(path.join(dir, entry.file)));
      if (bytes.byteLength !== entry.bytes || sha256(bytes) !== entry.sha256) {
        throw new ModelRegistryError('MODEL_CORRUPT', `artifact ${entry.name} of model ${version} is damaged on disk`);
      }
      artifacts[entry.name] = bytes;
    }
    return artifacts;
  }

  async loadArtifact(version: string, name: string): Promise<Uint8Array | undefined> {
    const stored = await this.require(version);
    const entry = stored.artifacts.find((e) => e.name === name);
    if (!entry) return undefined;
    const bytes = new Uint8Array(await fsp.readFile(path.join(this.versionDir(version), entry.file)));
    if (bytes.byteLength !== entry.bytes || sha256(bytes) !== entry.sha256) {
      throw new ModelRegistryError('MODEL_CORRUPT', `artifact ${entry.name} of model ${version} is damaged on disk`);
    }
    return bytes;
  }

  /**
   * Replaces existing artifacts: each new file is written beside the old one, model.json is
   * switched to them atomically, then the old files are deleted (a crash in between leaves a
   * stray file, which the next replace of that artifact deletes).
   */
  async replaceArtifacts(version: string, artifacts: Artifacts): Promise<void> {
    await this.require(version);
    return this.exclusive(async () => {
      const stored = this.models.get(version)!;
      const dir = this.versionDir(version);
      const entries = stored.artifacts.map((entry) => ({ ...entry }));
      for (const [name, bytes] of Object.entries(artifacts)) {
        const entry = entries.find((e) => e.name === name);
        if (!entry) throw new ModelRegistryError('MODEL_INVALID', `model ${version} has no artifact ${name} to replace`);
        const file = `${encodeURIComponent(name)}.${randomBytes(4).toString('hex')}.bin`;
        await writeSynced(path.join(dir, file), bytes);
        Object.assign(entry, { file, bytes: bytes.byteLength, sha256: sha256(bytes) });
      }
      const next: StoredModel = { ...stored, artifacts: entries };
      await writeFileAtomic(path.join(dir, 'model.json'), [JSON.stringify(next, null, 2) + '\n']);
      this.models.set(version, next);
      const live = new Set(entries.map((e) => e.file));
      for (const name of await fsp.readdir(dir)) {
        if (name !== 'model.json' && !live.has(name)) await fsp.rm(path.join(dir, name), { force: true });
      }
      await fsyncDir(dir);
    });
  }

  /** Every version, newest (by created_at) first. */
  async list(): Promise<ModelRecord[]> {
    await this.load0();
    return [...this.models.values()]
      .sort((a, b) => (a.created_at === b.created_at ? cmp(b.version, a.version) : cmp(b.created_at, a.created_at)))
      .map((stored) => this.toRecord(stored));
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    await this.load0();
    const stored = this.models.get(version);
    return stored && this.toRecord(stored);
  }

  async activeVersion(): Promise<string | undefined> {
    await this.load0();
    return this.active;
  }

  /** Makes `version` the serving one (also a rejected one: an operator's rollback is allowed). */
  async activate(version: string): Promise<ModelRecord> {
    await this.require(version);
    return this.exclusive(async () => {
      const file: RegistryFile = { format: 1, active: version };
      await writeFileAtomic(path.join(this.dir, 'registry.json'), [JSON.stringify(file) + '\n']);
      this.active = version;
      this.activations.notify(version);
      return this.toRecord(this.models.get(version)!);
    });
  }

  /** Calls `listener` with every version activated through this instance from now on; returns the unsubscribe. */
  onActivated(listener: ActivationListener): () => void {
    return this.activations.add(listener);
  }

  private async require(version: string): Promise<StoredModel> {
    await this.load0();
    const stored = this.models.get(version);
    if (!stored) throw new ModelRegistryError('MODEL_NOT_FOUND', `model version ${version} does not exist`);
    return stored;
  }

  private toRecord(stored: StoredModel): ModelRecord {
    const { artifacts: _artifacts, ...record } = stored;
    return {
      ...record,
      components: [...record.components],
      metrics: { ...record.metrics },
      status: stored.version === this.active ? 'active' : stored.status,
    };
  }

  private versionDir(version: string): string {
    return path.join(this.versionsDir, encodeURIComponent(version));
  }

  private exclusive<R>(work: () => Promise<R>): Promise<R> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private load0(): Promise<void> {
    this.loading ??= this.readDisk().catch((error: unknown) => {
      this.loading = undefined; // let a later call retry, e.g. once the disk is back
      throw error;
    });
    return this.loading;
  }

  private async readDisk(): Promise<void> {
    await fsp.mkdir(this.versionsDir, { recursive: true });
    for (const entry of await fsp.readdir(this.versionsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(this.versionsDir, entry.name);
      if (entry.name.startsWith(TEMP_PREFIX)) {
        await fsp.rm(dir, { recursive: true, force: true }); // a save cut short by a crash
        continue;
      }
      try {
        const stored = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) as StoredModel;
        if (typeof stored.version !== 'string' || !Array.isArray(stored.artifacts)) throw new Error('not a model record');
        this.models.set(stored.version, stored);
      } catch {
        this.unreadable.push(entry.name);
      }
    }
    try {
      const registry = JSON.parse(await fsp.readFile(path.join(this.dir, 'registry.json'), 'utf8')) as RegistryFile;
      const active = registry.active ?? undefined;
      this.active = active !== undefined && this.models.has(active) ? active : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export function createEmbeddedModelRegistry(options: EmbeddedModelRegistryOptions): EmbeddedModelRegistry {
  return new EmbeddedModelRegistry(options);
}

function checkVersion(version: unknown): asserts version is string {
  if (typeof version !== 'string' || version === '' || version.startsWith('.') || version.length > 200) {
    throw new ModelRegistryError('MODEL_INVALID', `invalid model version ${JSON.stringify(version)}`);
  }
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await fsp.open(file, 'wx');
  try {
    await writeFully(handle, bytes, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
