// What the context signals cost one request at catalogue scale: a synthetic catalogue, aggregates
// fitted on synthetic history with a device effect and regions, a user with a full recent-event
// buffer (watches, a binge, abandoned searches), fifty friends and 1,000 candidate rows, so that
// every registered signal is built and measured.
import { exactIndexFactory } from '@recsys/ann';
import { loadTextAnalyzer, LsaModel, StoryVectorBuilder } from '@recsys/content';
import type { InteractionEvent, Item } from '@recsys/core';
import { CatalogView, popularitySignal, StorySignal } from '@recsys/ranking';
import type { ContextSignalFactory } from '../context/context-inputs.js';
import { ContextModels } from '../context/context-models.js';
import { ContextServing } from '../context/context-serving.js';
import { historyFromEvents } from '../context/history.js';
import { CONTEXT_LEARNERS, CONTEXT_SIGNAL_FACTORIES } from '../context/registry.js';
import { friendActivity } from '../context/social-signal.js';

export interface ContextCost {
  events: number;
  /** CPU seconds to fit every learner. */
  fitSeconds: number;
  /**
   * Milliseconds per request (monotonic clock), p50 and p95. Per signal: building it, scoring 1,000
   * rows, its candidates and 10 reasons; then building all of them (with the request context), and
   * everything together.
   */
  rows: { name: string; p50: number; p95: number }[];
  /** CPU milliseconds per request over the whole timed run (the mean, which load elsewhere does not inflate). */
  cpuMeanMs: number;
}

export interface ContextCostOptions {
  items: number;
  /** Timed requests (after a warm-up of a fifth as many, at most 100). */
  requests: number;
  /** Users of the synthetic history the aggregates are fitted on (20 events each). */
  users: number;
}

/**
 * CPU milliseconds of this process: what a run costs on a machine shared with other jobs. The
 * kernel settles it in scheduler ticks (milliseconds), too coarse for one request of a fraction of
 * a millisecond: single requests are timed with the monotonic clock, and CPU over the whole run.
 */
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const DAY_MS = 86_400_000;

export async function measureContextCost(options: Partial<ContextCostOptions> = {}): Promise<ContextCost> {
  const { items: nItems, requests, users } = { items: 100_000, requests: 500, users: 20_000, ...options };
  const genres = ['Action', 'Comedy', 'Drama', 'Thriller', 'Horror', 'Romance', 'Sci-Fi', 'Animation', 'Crime', 'Family', 'Documentary', 'Fantasy'];
  const types = ['movie', 'series', 'anime', 'tv_show'] as const;
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  // Plots from a small vocabulary, a topic per genre: searches have something to match.
  const words = Array.from({ length: 240 }, (_, i) => `w${(i * 7919).toString(36)}x`);
  const plotOf = (i: number) => Array.from({ length: 12 }, (_, k) => words[((i % genres.length) * 20 + ((i * 31 + k * 17) % 20)) % words.length]).join(' ');
  const items: Item[] = Array.from({ length: nItems }, (_, i) => ({
    item_id: `i${i}`,
    title: `Title ${i}`,
    plot: plotOf(i),
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
  // Mobile viewers pick short titles (runtime ≤ 30 minutes): the device aggregate has a shift to learn.
  const pickShort = () => `i${Math.floor((random() ** 2 * nItems) / 120) * 120 + Math.floor(random() * 11)}`;
  const devices = ['tv', 'mobile', 'desktop'] as const;
  const events: InteractionEvent[] = [];
  for (let u = 0; u < users; u++) {
    let t = now - 60 * DAY_MS + random() * 50 * DAY_MS;
    const device = devices[u % 3]!;
    for (let k = 0; k < 20; k++) {
      t += random() * 3 * 3_600_000;
      events.push({
        event_id: `s${u}-${k}`,
        user_id: `u${u}`,
        item_id: device === 'mobile' && k % 2 ? pickShort() : pick(),
        type: k % 3 ? 'complete' : 'watch',
        timestamp: new Date(t).toISOString(),
        device,
        region: ['US', 'FR', 'JP', 'BR', 'DE'][u % 5],
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
  const storyModel = LsaModel.fit(items, await loadTextAnalyzer(), { maxFitDocuments: 5000 });
  const story = new StorySignal(catalog, new StoryVectorBuilder(storyModel).build(items), exactIndexFactory);

  const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();
  const recentEvents: InteractionEvent[] = Array.from({ length: 94 }, (_, k): InteractionEvent => ({
    event_id: `me-${k}`,
    user_id: 'me',
    item_id: k % 10 === 0 ? 'i1' : k % 2 ? pickShort() : pick(),
    type: k % 2 ? 'watch' : 'complete',
    timestamp: minutesAgo((100 - k) * 20),
    // On mobile they too pick short titles: their own shift agrees with everyone's.
    device: k % 2 ? 'mobile' : 'tv',
    region: 'FR',
  }));
  // Three searches in the last hours, none followed by a click: unmet intent.
  for (let s = 0; s < 3; s++) {
    recentEvents.push({
      event_id: `me-search-${s}`,
      user_id: 'me',
      type: 'search',
      query: `${words[s * 40]} ${words[s * 40 + 3]} ${words[s * 40 + 7]}`,
      result_item_ids: [`i${s * 12}`, `i${s * 12 + 1}`],
      timestamp: minutesAgo(90 - s * 20),
      device: 'mobile',
    });
  }
  // A binge of one series in the current session: continue watching.
  for (let e = 0; e < 3; e++) {
    recentEvents.push({ event_id: `me-binge-${e}`, user_id: 'me', item_id: 'i5', type: 'watch', completion: 0.95, timestamp: minutesAgo(15 - e * 5), device: 'mobile' });
  }
  const friends = Array.from({ length: 50 }, () =>
    Array.from({ length: 200 }, () => ({ item_id: pick(), preference: 1 + random() * 3, events: 1, consumed: true, last_at: now })),
  );
  const user = { userId: 'me', interactions: [], recentEvents, friendActivity: friendActivity(friends) };

  const times = new Map<string, number[]>();
  const push = (name: string, ms: number) => {
    let list = times.get(name);
    if (!list) times.set(name, (list = []));
    list.push(ms);
  };
  // Each factory timed on its own: the cost of a signal is its build plus its use.
  const building = new Map<string, number>();
  const timed: Record<string, ContextSignalFactory> = Object.fromEntries(
    Object.entries(CONTEXT_SIGNAL_FACTORIES).map(([name, factory]) => [
      name,
      (inputs) => {
        const t0 = performance.now();
        const signal = factory(inputs);
        building.set(name, performance.now() - t0);
        return signal;
      },
    ]),
  );
  const serving = new ContextServing({}, timed);
  serving.recorded(events.slice(-5000));
  const rows = Int32Array.from({ length: 1000 }, () => Math.floor(random() * n));
  const warmup = Math.min(100, Math.floor(requests / 5));
  let cpuStarted = 0;
  for (let r = 0; r < requests + warmup; r++) {
    building.clear();
    if (r === warmup) cpuStarted = cpuMs();
    const t0 = performance.now();
    const { signals } = serving.build(
      {
        catalog,
        popularity,
        models,
        user,
        recentEvents,
        input: { timezone: 'America/New_York', device: 'mobile' },
        serviceNowMs: now + r * 1000,
        story,
        storyModel,
      },
      // Trending now is off by default: weighted here so its cost is measured too.
      { trending_now: 0.05 },
    );
    const built = performance.now();
    const parts: [string, number][] = [];
    for (const signal of signals) {
      const s0 = performance.now();
      const scores = signal.score(rows);
      signal.candidates?.(100);
      for (let i = 0; i < 10; i++) signal.reason(rows[i]!, scores[i]!);
      parts.push([signal.name, performance.now() - s0 + (building.get(signal.name) ?? 0)]);
    }
    if (r < warmup) continue;
    for (const [name, ms] of parts) push(name, ms);
    push('(building every signal)', built - t0);
    push('**all context signals**', performance.now() - t0);
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const cpuMeanMs = (cpuMs() - cpuStarted) / requests;
  return { events: events.length, fitSeconds, cpuMeanMs, rows: [...times].map(([name, xs]) => ({ name, p50: pct(xs, 0.5), p95: pct(xs, 0.95) })) };
}
