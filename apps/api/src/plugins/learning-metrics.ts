import type { VariantCounters } from '@recsys/core';
import type { RecommendationEngine } from '@recsys/engine';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Experiment and bandit metrics, read from the learning store when scraped (shared by replicas, so
 * every replica reports the same values):
 *   <prefix>experiment_impressions{experiment_id, variant}      impressions of the served experiment
 *   <prefix>experiment_ctr{experiment_id, variant}              clicks / impressions
 *   <prefix>experiment_completion_rate{experiment_id, variant}  completions / plays
 *   <prefix>bandit_traffic_share{arm}                           expected share of bandit slots (Thompson draws)
 *   <prefix>bandit_posterior_mean{arm}                          posterior mean success rate
 * and this process's own counts: impressions recorded and dropped, events attributed or not.
 */
export function registerLearningMetrics(registry: Registry, prefix: string, engine: RecommendationEngine): void {
  const loop = engine.learning;
  if (!loop) return;
  const labels = ['experiment_id', 'variant'];
  // One store read per scrape feeds every gauge of a group (the gauges are collected concurrently).
  const counters = sharedRead(async () => {
    const experiment = await loop.currentExperiment();
    return { experimentId: experiment.id, variants: await loop.store.variantCounters(experiment.id) };
  });
  const experimentGauge = (name: string, help: string, value: (c: VariantCounters) => number) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames: labels,
      registers: [registry],
      async collect() {
        this.reset();
        const read = await counters().catch(() => undefined); // store unreachable: empty this scrape
        for (const c of read?.variants ?? []) this.set({ experiment_id: read!.experimentId, variant: c.variant }, value(c));
      },
    });
  experimentGauge('experiment_ctr', 'Click-through rate per variant of the served experiment', (c) => (c.impressions > 0 ? c.clicks / c.impressions : 0));
  experimentGauge('experiment_completion_rate', 'Completions per play, per variant of the served experiment', (c) =>
    c.plays > 0 ? c.completions / c.plays : 0,
  );
  experimentGauge('experiment_impressions', 'Impressions recorded per variant of the served experiment', (c) => c.impressions);

  const bandit = sharedRead(async () => {
    const { bandit } = await loop.bandit(true);
    const shares = bandit.trafficShares(Math.random, 2_000);
    return bandit.posteriors().map((p) => ({ arm: p.arm, mean: p.mean, share: shares[p.arm] ?? 0 }));
  });
  const banditGauge = (name: string, help: string, value: (arm: { mean: number; share: number }) => number) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames: ['arm'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const arm of (await bandit().catch(() => undefined)) ?? []) this.set({ arm: arm.arm }, value(arm));
      },
    });
  banditGauge('bandit_traffic_share', 'Expected share of bandit slots per arm (Thompson draws over the posteriors)', (a) => a.share);
  banditGauge('bandit_posterior_mean', 'Bandit posterior mean success rate per arm', (a) => a.mean);
  const total = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${prefix}${name}`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  total('impressions_recorded_total', 'Impressions written to the learning store by this process', () => loop.stats.impressionsRecorded);
  total('impressions_dropped_total', 'Impressions dropped because the buffer was full while the store was unavailable', () => loop.stats.impressionsDropped);
  total('events_attribution_dropped_total', 'Events left unattributed because the attribution buffer was full while the store was unavailable', () => loop.stats.outcomesDropped);
  // An in-process learning store holds impressions in memory for attribution only (bounded by the
  // window and a cap); Redis expires them instead, so these exist only in the embedded mode.
  const memory = loop.store as Partial<{ impressionsHeld: number; impressionsEvicted: number }>;
  if (typeof memory.impressionsHeld === 'number') {
    new Gauge({
      name: `${prefix}impressions_in_memory`,
      help: 'Impressions held in memory for attribution (bounded by the attribution window and a cap)',
      registers: [registry],
      collect() {
        this.set(memory.impressionsHeld ?? 0);
      },
    });
    total('impressions_evicted_total', 'Impressions dropped from memory (past the attribution window, or beyond the cap) since start', () => memory.impressionsEvicted ?? 0);
  }
  total('events_attributed_total', 'Events attributed to an impression by this process', () => loop.stats.attributed);
  total('events_unattributed_total', 'Outcome events no impression matched (after one retry)', () => loop.stats.unattributed);
}

/** A scrape never waits on the store longer than this (the gauges are left empty instead). */
const READ_TIMEOUT_MS = 1_000;

/** The same read for every caller within 200 ms: one store read per scrape, bounded in time. */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > 200) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('learning store read timed out')), READ_TIMEOUT_MS);
        timer.unref();
      });
      last = { at: now, value: Promise.race([read(), timeout]).finally(() => clearTimeout(timer)) };
    }
    return last.value;
  };
}
