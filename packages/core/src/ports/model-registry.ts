export type ModelStatus = 'active' | 'inactive' | 'rejected';

export interface ModelRecord {
  version: string;
  created_at: string;
  /** Which trained components the version holds, e.g. ["popularity", "als"]. */
  components: string[];
  /** Offline metrics measured on a held-out slice when the version was trained. */
  metrics: Record<string, number>;
  training_seconds: number;
  status: ModelStatus;
  notes?: string;
}

export type Artifacts = Record<string, Uint8Array>;

/** Called with a version that was just activated; errors are the listener's own to handle. */
export type ModelActivationListener = (version: string) => void | Promise<void>;

/** Versioned model artifacts and which version serves. */
export interface ModelRegistry {
  /** Stores a version without activating it; `status: 'rejected'` records a failed quality gate. */
  save(
    record: Omit<ModelRecord, 'status'>,
    artifacts: Artifacts,
    options?: { status?: Exclude<ModelStatus, 'active'> },
  ): Promise<ModelRecord>;
  load(version: string): Promise<Artifacts>;
  /** Optional: one artifact of a version without the others; undefined when the version has none by that name. */
  loadArtifact?(version: string, name: string): Promise<Uint8Array | undefined>;
  /**
   * Optional: replaces existing artifacts of a stored version in place, atomically (the others are
   * kept; the old bytes are gone once it resolves). For scrubbing an erased user out of versions
   * trained before the erasure; not for changing what a version computes.
   */
  replaceArtifacts?(version: string, artifacts: Artifacts): Promise<void>;
  list(): Promise<ModelRecord[]>;
  get(version: string): Promise<ModelRecord | undefined>;
  activeVersion(): Promise<string | undefined>;
  /** Makes `version` the serving version; throws when it does not exist. */
  activate(version: string): Promise<ModelRecord>;
  /**
   * Calls `listener` with every version activated from now on; returns the function that stops it.
   * Distributed registries deliver activations made by any process (how API replicas hot-swap),
   * local ones those made through this instance. Optional: a registry without it cannot notify.
   */
  onActivated?(listener: ModelActivationListener): () => void;
}
