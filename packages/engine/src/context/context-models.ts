import type { Artifacts } from '@recsys/core';
import type { ContextHistory } from './history.js';

/**
 * An aggregate learned from the time-ordered event history at training time (a transition model,
 * per-bucket preference shifts, ...), saved as one artifact of the model version so serving only
 * looks it up.
 */
export interface ContextLearner<Model> {
  /** Stable name, for logs and metrics. */
  readonly name: string;
  /** File name of its artifact in the model version, e.g. "context-transitions.bin". */
  readonly artifact: string;
  /** Undefined when the history holds too little to learn from (the signal stays off). */
  fit(history: ContextHistory): Model | undefined;
  encode(model: Model): Uint8Array;
  decode(bytes: Uint8Array): Model;
}

/** The context aggregates of one model version, by learner. */
export class ContextModels {
  static readonly empty = new ContextModels(new Map());

  private constructor(private readonly models: ReadonlyMap<ContextLearner<unknown>, unknown>) {}

  get<Model>(learner: ContextLearner<Model>): Model | undefined {
    return this.models.get(learner as ContextLearner<unknown>) as Model | undefined;
  }

  get size(): number {
    return this.models.size;
  }

  /** Fits every learner on the history; also returns the artifacts to save with the version. */
  static fit(history: ContextHistory, learners: readonly ContextLearner<unknown>[]): { models: ContextModels; artifacts: Artifacts } {
    const models = new Map<ContextLearner<unknown>, unknown>();
    const artifacts: Artifacts = {};
    for (const learner of learners) {
      const model = learner.fit(history);
      if (model === undefined) continue;
      models.set(learner, model);
      artifacts[learner.artifact] = learner.encode(model);
    }
    return { models: new ContextModels(models), artifacts };
  }

  /**
   * Decodes the artifacts of a version. A missing artifact (a version trained before the learner
   * existed) or one this build cannot read leaves that signal off, not the whole version.
   */
  static decode(
    artifacts: Artifacts,
    learners: readonly ContextLearner<unknown>[],
    onError: (learner: string, error: unknown) => void = () => {},
  ): ContextModels {
    const models = new Map<ContextLearner<unknown>, unknown>();
    for (const learner of learners) {
      const bytes = artifacts[learner.artifact];
      if (!bytes) continue;
      try {
        models.set(learner, learner.decode(bytes));
      } catch (error) {
        onError(learner.name, error);
      }
    }
    return new ContextModels(models);
  }

  /** The same models with one replaced or added (tests, offline evaluation). */
  with<Model>(learner: ContextLearner<Model>, model: Model | undefined): ContextModels {
    const models = new Map(this.models);
    if (model === undefined) models.delete(learner as ContextLearner<unknown>);
    else models.set(learner as ContextLearner<unknown>, model);
    return new ContextModels(models);
  }
}
