import { describe, expect, it } from 'vitest';
import { qualityGate } from './quality-gate.js';

describe('qualityGate', () => {
  it('activates the first version and versions within the margin', () => {
    expect(qualityGate({ ndcg_at_10: 0.1 }, undefined, 0.02).activate).toBe(true);
    expect(qualityGate({ ndcg_at_10: 0.39 }, { ndcg_at_10: 0.4 }, 0.02).activate).toBe(true);
  });

  it('rejects a version worse than the active one by more than the margin, saying why', () => {
    const decision = qualityGate({ ndcg_at_10: 0.3 }, { ndcg_at_10: 0.4 }, 0.02);
    expect(decision.activate).toBe(false);
    expect(decision.reason).toMatch(/^rejected: holdout nDCG@10 0\.3000 vs floor 0\.3800/);
  });
});
