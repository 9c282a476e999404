// What the context signals cost one request at catalogue scale: a synthetic catalogue, aggregates
// fitted on synthetic history, a user with a full recent-event buffer, 1,000 candidate rows.
import type { InteractionEvent, Item } from '@recsys/core';
import { CatalogView, popularitySignal } from '@recsys/ranking';
import { ContextModels } from './context-models.js';
import { ContextServing } from './context-serving.js';
import { historyFromEvents } from './history.js';
import { CONTEXT_LEARNERS } from './registry.js';

export interface ContextCost {
  events: number;
  /** CPU seconds to fit every learner. */
  fitSeconds: number;
  /** CPU milliseconds per request. Per signal (score of 1,000 rows, its candidates, 10 reasons), building all, and everything together. */
  rows: { name: string; p50: number; p95: number }[];
}

/**
 * CPU milliseconds of this process: on a machine shared with other jobs wall-clock time measures
 * the queue for a core more than the work.
 */
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export function measureContextCost(nItems = 100_000, requests = 500, users = 20_000): ContextCost {
  const genres = ['Action', 'Comedy', 'Drama', 'Thriller', 'Horror', 'Romance', 'Sci-Fi', 'Animation', 'Crime', 'Family', 'Documentary', 'Fantasy'];
  const types = ['movie', 'series', 'anime', 'tv_show'] as const;
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const items: Item[] = Array.from({ length: nItems }, (_, i) => ({
    item_id: `i${i}`,
    title: `Title ${i}`,
    content_type: types[i % 4]!,
    genres: [genres[i % genres.length]!, genres[(i * 7 + 3) % genres.length]!],
    languages: ['en'],
    cast: [],
    crew: [],
    regions: ['US'],
    duration_minutes: 20 + (i % 120),
    episodes: i % 4 === 0 ? undefined : 10,
    available: true,
    updated_at: '2026-01-01T00:00:00Z',
  }));
  const now = Date.parse('2026-06-01T20:00:00Z');
  const pick = () => `i${Math.floor(random() ** 2 * nItems)}`;
  const events: InteractionEvent[] = [];
  for (let u = 0; u < users; u++) {
    let t = now - 60 * 86_400_000 + random() * 50 * 86_400_000;
    for (let k = 0; k < 20; k++) {
      t += random() * 3 * 3_600_000;
      events.push({
        event_id: `s${u}-${k}`,
        user_id: `u${u}`,
        item_id: pick(),
        type: k % 3 ? 'complete' : 'watch',
        timestamp: new Date(t).toISOString(),
        device: ['tv', 'mobile', 'desktop'][u % 3],
        region: ['US', 'FR', 'JP'][u % 3],
        timezone: 'America/New_York',
      });
    }
  }
  const fitStarted = cpuMs();
  const { models } = ContextModels.fit(historyFromEvents(events, items), CONTEXT_LEARNERS);
  const fitSeconds = (cpuMs() - fitStarted) / 1000;
  const catalog = new CatalogView(items);
  const n = catalog.size;
  const popularity = popularitySignal(Float32Array.from({ length: n }, () => random()), new Float32Array(n), new Float32Array(n), new Int32Array(n));
  const recentEvents = Array.from({ length: 100 }, (_, k): InteractionEvent => ({
    event_id: `me-${k}`,
    user_id: 'me',
    item_id: k % 10 === 0 ? 'i1' : pick(),
    type: k % 2 ? 'watch' : 'complete',
    timestamp: new Date(now - (100 - k) * 20 * 60_000).toISOString(),
    device: 'tv',
  }));
  const user = { userId: 'me', interactions: [], recentEvents };
  const serving = new ContextServing();
  serving.recorded(events.slice(-5000));
  const rows = Int32Array.from({ length: 1000 }, () => Math.floor(random() * n));
  const times = new Map<string, number[]>();
  const push = (name: string, ms: number) => {
    let list = times.get(name);
    if (!list) times.set(name, (list = []));
    list.push(ms);
  };
  const warmup = Math.min(100, Math.floor(requests / 5));
  for (let r = 0; r < requests + warmup; r++) {
    const t0 = cpuMs();
    const { signals } = serving.build(
      { catalog, popularity, models, user, recentEvents, input: { timezone: 'America/New_York', device: 'tv', region: 'US' }, serviceNowMs: now + r * 1000 },
      // Trending now is off by default: weighted here so its cost is measured too.
      { trending_now: 0.05 },
    );
    const built = cpuMs();
    const parts: [string, number][] = [];
    for (const signal of signals) {
      const s0 = cpuMs();
      const scores = signal.score(rows);
      signal.candidates?.(100);
      for (let i = 0; i < 10; i++) signal.reason(rows[i]!, scores[i]!);
      parts.push([signal.name, cpuMs() - s0]);
    }
    if (r < warmup) continue;
    for (const [name, ms] of parts) push(name, ms);
    push('(building every signal)', built - t0);
    push('**all context signals**', cpuMs() - t0);
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  return { events: events.length, fitSeconds, rows: [...times].map(([name, xs]) => ({ name, p50: pct(xs, 0.5), p95: pct(xs, 0.95) })) };
}
