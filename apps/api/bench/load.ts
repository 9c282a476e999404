// A bounded closed-loop load generator: `concurrency` clients each send their next request when the
// previous one answers, until the duration or the request budget runs out.
import http from 'node:http';

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Hard cap on requests, so a run always stops by itself. */
  maxRequests: number;
  /** Sends request number `i`; resolves true when the answer was a success. */
  send(i: number): Promise<boolean>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const client = async () => {
    while (performance.now() < deadline && next < options.maxRequests) {
      const i = next++;
      const t0 = performance.now();
      const ok = await options.send(i).catch(() => false);
      latencies.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? 0,
  };
}

export const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The service as the benchmarks start it: no demo data, no rate limit, quiet logs, no scheduled retrain or update. */
export const BENCH_SERVICE_ENV: Readonly<Record<string, string>> = {
  RECSYS_DEMO: '0',
  LOG_LEVEL: 'warn',
  RECSYS_RATE_LIMIT_PER_MINUTE: '10000000',
  RECSYS_RETRAIN_INTERVAL_MINUTES: '0',
  RECSYS_INCREMENTAL_INTERVAL_MINUTES: '0',
};

/**
 * GET over keep-alive connections with node:http: much lighter on the client's CPU than fetch, which
 * matters when the load generator shares the machine with the service it measures.
 */
export function keepAliveClient(baseUrl: string, connections: number): {
  get(path: string): Promise<{ status: number; body: string }>;
  close(): void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        http
          .get(`${baseUrl}${path}`, { agent }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
            response.on('error', reject);
          })
          .on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}
