import { StringPool } from './string-pool.js';

/**
 * Experiment assignments (user -> experiment -> variant), held per experiment with the variant as
 * a small code. A Map per user cost every assigned user five heap objects, all marked by each full
 * garbage collection; here a user costs a Map entry per experiment, and experiments are few.
 */
export class AssignmentTable {
  /** experiment_id -> user_id -> variant code. */
  private readonly byExperiment = new Map<string, Map<string, number>>();
  private readonly variants = new StringPool();

  get(userId: string, experimentId: string): string | undefined {
    const code = this.byExperiment.get(experimentId)?.get(userId);
    return code === undefined ? undefined : this.variants.at(code);
  }

  set(userId: string, experimentId: string, variant: string): void {
    let users = this.byExperiment.get(experimentId);
    if (!users) this.byExperiment.set(experimentId, (users = new Map()));
    users.set(userId, this.variants.intern(variant));
  }

  /** Whether the user has any assignment. */
  has(userId: string): boolean {
    for (const users of this.byExperiment.values()) if (users.has(userId)) return true;
    return false;
  }

  /** experiment_id -> variant, for one user. */
  of(userId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [experimentId, users] of this.byExperiment) {
      const code = users.get(userId);
      if (code !== undefined) out[experimentId] = this.variants.at(code);
    }
    return out;
  }

  /** Drops the user's assignments; returns how many there were. */
  delete(userId: string): number {
    let removed = 0;
    for (const users of this.byExperiment.values()) if (users.delete(userId)) removed++;
    return removed;
  }

  *entries(): Iterable<{ user_id: string; experiment_id: string; variant: string }> {
    for (const [experiment_id, users] of this.byExperiment) {
      for (const [user_id, code] of users) yield { user_id, experiment_id, variant: this.variants.at(code) };
    }
  }
}
