import type { ResultRow } from './harness.js';

const f3 = (x: number) => x.toFixed(3);

/** The results as a Markdown table, one row per model, diversity and fairness bound. */
export function formatTable(rows: readonly ResultRow[], about: { dataset: string; split: string }): string {
  const lines = [
    `Offline evaluation: ${about.dataset}, ${about.split} split, through the served ranking`,
    '',
    '| model | diversity | max popular share | MAP | nDCG@10 | Precision@10 | Recall@10 | coverage@10 | exposure Gini | long-tail share | training (s) | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const m = r.metrics;
    const train = Number.isFinite(r.trainSeconds) ? r.trainSeconds.toFixed(2) : 'loaded';
    lines.push(
      `| ${r.model} | ${r.diversity} | ${r.maxPopularShare < 1 ? r.maxPopularShare : '-'} | ${f3(m.map)} | ${f3(m.ndcg_at_10)} | ${f3(m.precision_at_10)} | ${f3(m.recall_at_10)} | ${f3(m.coverage_at_10)} | ${f3(m.exposure_gini)} | ${f3(m.long_tail_share)} | ${train} | ${Math.round(r.peakRssMiB)} |`,
    );
  }
  return lines.join('\n');
}
