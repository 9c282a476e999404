// Metrics read from the engine when Prometheus scrapes (caches, the served model, job queues,
// exposure and drift), and the request-log serializer that keeps user ids out of the logs.
//
// Nothing here runs per request: gauges are filled in their collect() callbacks, and the engine
// recomputes exposure and drift at most every few seconds however often it is scraped.
import type { ModelRecord } from '@recsys/core';
import type { RecommendationEngine } from '@recsys/engine';
import { Pseudonymiser } from '@recsys/insights';
import type { FastifyServerOptions } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics.js';

const p = METRIC_PREFIX;

/** Offline metrics of a version exported as gauges (others in the record are left out). */
const OFFLINE_METRICS = ['ndcg_at_10', 'precision_at_10', 'recall_at_10', 'map', 'coverage_at_10'];

export function registerObservabilityMetrics(registry: Registry, engine: RecommendationEngine, now: () => number = Date.now): void {
  const registers = [registry];

  // A registry serialises metrics in registration order and runs each one's collect() just before
  // it: a collect() that fills several metrics sits on the first of them.
  const caches = () => {
    const stats = engine.stats();
    return [['user_state', stats.user_state_cache], ['serving_state', stats.serving_state_cache], ['candidate', stats.candidate_cache]] as const;
  };
  // Caches: a counter fed by the difference since the last scrape (the engine counts from start).
  const seen = new Map<string, number>();
  new Counter({
    name: `${p}cache_lookups_total`,
    help: 'Engine cache lookups by cache and result (hit or miss)',
    labelNames: ['cache', 'result'],
    registers,
    collect() {
      for (const [cache, s] of caches()) {
        for (const [result, total] of [['hit', s.hits], ['miss', s.misses]] as const) {
          const key = `${cache}:${result}`;
          const delta = total - (seen.get(key) ?? 0);
          if (delta > 0) this.inc({ cache, result }, delta);
          seen.set(key, total);
        }
      }
    },
  });
  new Gauge({
    name: `${p}cache_hit_ratio`,
    help: 'Share of engine cache lookups answered from the cache since start',
    labelNames: ['cache'],
    registers,
    collect() {
      for (const [cache, s] of caches()) this.set({ cache }, s.hit_rate);
    },
  });
  new Gauge({
    name: `${p}user_state_cache_entries`,
    help: 'Users whose state the engine keeps in memory',
    registers,
    collect() {
      this.set(engine.stats().user_state_cache.size);
    },
  });

  // The served model version: info, age, training duration and offline metrics of its record.
  // Gauges of one scrape are collected concurrently: they share one registry read.
  let read: { at: number; record: Promise<ModelRecord | undefined> } | undefined;
  const served = () => {
    if (!read || now() - read.at > 1000) read = { at: now(), record: engine.activeModel().catch(() => undefined) };
    return read.record;
  };
  new Gauge({
    name: `${p}model_info`,
    help: 'The served model version (value 1)',
    labelNames: ['version'],
    registers,
    async collect() {
      const record = await served();
      this.reset();
      if (record) this.set({ version: record.version }, 1);
    },
  });
  new Gauge({
    name: `${p}model_age_seconds`,
    help: 'Seconds since the served model version was trained',
    registers,
    async collect() {
      const record = await served();
      this.set(record ? Math.max(0, (now() - Date.parse(record.created_at)) / 1000) : Number.NaN);
    },
  });
  new Gauge({
    name: `${p}model_training_duration_seconds`,
    help: 'Training time of the served model version',
    registers,
    async collect() {
      this.set((await served())?.training_seconds ?? Number.NaN);
    },
  });
  new Gauge({
    name: `${p}model_offline_metric`,
    help: 'Offline (holdout) metrics of the served model version',
    labelNames: ['metric'],
    registers,
    async collect() {
      const record = await served();
      this.reset();
      for (const metric of OFFLINE_METRICS) if (record && Number.isFinite(record.metrics[metric])) this.set({ metric }, record.metrics[metric]!);
    },
  });

  new Gauge({
    name: `${p}job_queue_depth`,
    help: 'Jobs per queue and state (waiting, active, delayed)',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const depth of await engine.queueDepths().catch(() => [])) {
        for (const state of ['waiting', 'active', 'delayed'] as const) this.set({ queue: depth.name, state }, depth[state]);
      }
    },
  });

  // Exposure of the served lists (sliding window) and drift against the training snapshot.
  new Gauge({
    name: `${p}exposure_gini`,
    help: 'Gini of item exposure over the recent served lists (0 even, 1 concentrated)',
    registers,
    collect() {
      const o = engine.observability();
      this.set(o.exposure.gini);
      tail.set(o.exposure.long_tail_share);
      coverage.set(o.exposure.coverage);
      lists.set(o.exposure.lists);
      share.reset();
      for (const [group, value] of Object.entries(o.exposure.by_language)) share.set({ dimension: 'language', group }, value);
      for (const [group, value] of Object.entries(o.exposure.by_content_type)) share.set({ dimension: 'content_type', group }, value);
      psi.reset();
      liveCount.reset();
      ready.reset();
      for (const [signal, snapshot] of Object.entries(o.drift)) {
        psi.set({ signal }, snapshot.psi);
        liveCount.set({ signal }, snapshot.live);
        ready.set({ signal }, snapshot.ready ? 1 : 0);
      }
    },
  });
  const tail = new Gauge({ name: `${p}exposure_long_tail_share`, help: 'Share of recently served slots that went to long-tail items', registers });
  const coverage = new Gauge({ name: `${p}exposure_catalog_coverage`, help: 'Share of available items shown in the recent served lists', registers });
  const lists = new Gauge({ name: `${p}exposure_window_lists`, help: 'Served lists in the exposure window', registers });
  const share = new Gauge({
    name: `${p}exposure_share`,
    help: 'Share of recent exposure per language (primary) and content type',
    labelNames: ['dimension', 'group'],
    registers,
  });
  const liveCount = new Gauge({ name: `${p}drift_live_observations`, help: 'Live observations in each drift window', labelNames: ['signal'], registers });
  const ready = new Gauge({ name: `${p}drift_ready`, help: '1 once a drift window holds enough observations to be read', labelNames: ['signal'], registers });
  const psi = new Gauge({
    name: `${p}drift_psi`,
    help: 'PSI of live traffic against the served version\'s training snapshot (scores, user_activity, embedding_norms); 0.1 watch, 0.25 act',
    labelNames: ['signal'],
    registers,
  });
}

// ---- pseudonymised request logs -------------------------------------------------------------

/**
 * The pseudonymiser of this process: keyed by RECSYS_PSEUDONYM_KEY when set, else by a random key
 * (pseudonyms then change at every restart, so logs cannot be joined across restarts: `warn` says so).
 */
export function createPseudonymiser(key: string | undefined, warn?: (message: string) => void): Pseudonymiser {
  if (key) return new Pseudonymiser({ key });
  warn?.('RECSYS_PSEUDONYM_KEY is not set: user ids in logs are pseudonymised with a random key of this process, so they cannot be joined across restarts');
  return new Pseudonymiser({ key: randomBytes(32) });
}

const USER_SEGMENT = /(\/users\/)([^/?#]+)/g;
// A session id names the user's session as surely as their id does (found by the erasure check).
const USER_QUERY = /([?&](?:user_id|session_id)=)([^&#]*)/g;

/** The URL with every user id (path segment after /users/, user_id and session_id query parameters) replaced by its pseudonym. */
export function pseudonymiseUrl(url: string, pseudonymiser: Pseudonymiser): string {
  const replace = (_m: string, prefix: string, raw: string) => `${prefix}~${pseudonymiser.pseudonymise(safeDecode(raw))}`;
  return url.replace(USER_SEGMENT, replace).replace(USER_QUERY, replace);
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Logger options whose request serializer (Fastify's default fields) logs pseudonymised URLs.
 * Bodies are never logged, so user ids in POST bodies stay out too.
 */
export function withPseudonymisedUsers(
  logger: FastifyServerOptions['logger'] | false,
  pseudonymiser: Pseudonymiser,
): FastifyServerOptions['logger'] | false {
  if (logger === false || logger === undefined) return logger;
  const base = (logger === true ? {} : logger) as { serializers?: Record<string, (value: unknown) => unknown> };
  return {
    ...base,
    serializers: {
      ...base.serializers,
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: pseudonymiseUrl(request.url, pseudonymiser),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  } as FastifyServerOptions['logger'];
}
