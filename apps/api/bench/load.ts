// Bounded load generators. Closed loop: `concurrency` clients each send their next request when the
// previous one answers, so the service's speed sets the pace (a capacity test). Open loop: requests
// leave at a fixed rate whatever the answers, so latency is measured at a given load (an SLO test).
import net from 'node:net';

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
  return summarise(latencies, errors, (performance.now() - started) / 1000);
}

export interface OpenLoopOptions {
  /** Requests a second, evenly spaced. */
  rate: number;
  durationMs: number;
  /** Hard cap on requests, so a run always stops by itself. */
  maxRequests: number;
  send(i: number): Promise<boolean>;
}

/**
 * Sends request i at start + i / rate, whether or not earlier ones have answered, and times each
 * from that scheduled moment: a request held up behind a stalled service (or a late timer) counts
 * its wait, instead of the load backing off while the service is slow (coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadResult> {
  if (!(options.rate > 0)) throw new RangeError(`rate must be positive, got ${options.rate}`);
  const latencies: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.min(options.maxRequests, Math.floor((options.durationMs / 1000) * options.rate));
  for (let i = 0; i < total; ) {
    // Everything due by now leaves at once: timers are coarser than the spacing at high rates.
    for (; i < total && started + (i * 1000) / options.rate <= performance.now(); i++) {
      const due = started + (i * 1000) / options.rate;
      const request: Promise<void> = options
        .send(i)
        .catch(() => false)
        .then((ok) => {
          latencies.push(performance.now() - due);
          if (!ok) errors++;
          inFlight.delete(request);
        });
      inFlight.add(request);
    }
    if (i < total) await sleep(started + (i * 1000) / options.rate - performance.now());
  }
  await Promise.all(inFlight);
  return summarise(latencies, errors, (performance.now() - started) / 1000);
}

const sleep = (msFromNow: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, msFromNow)));

function summarise(latencies: number[], errors: number, seconds: number): LoadResult {
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
 * GET over `connections` keep-alive sockets, one request at a time on each, with a minimal HTTP/1.1
 * reader (status line, Content-Length, body). node:http's client cost about 0.13 ms of CPU per
 * request here, taken from the two cores the measured service runs on; this costs a fraction of
 * that. Answers without a Content-Length (chunked) are rejected: the service always sends one.
 */
export function keepAliveClient(baseUrl: string, connections: number): {
  get(path: string): Promise<{ status: number; body: string }>;
  close(): void;
} {
  const url = new URL(baseUrl);
  const port = Number(url.port || 80);
  const idle: HttpConnection[] = [];
  const waiting: ((connection: HttpConnection) => void)[] = [];
  const all = new Set<HttpConnection>();
  const acquire = (): Promise<HttpConnection> => {
    const ready = idle.pop();
    if (ready) return Promise.resolve(ready);
    if (all.size < connections) {
      const connection = new HttpConnection(url.hostname, port, url.host);
      all.add(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (connection: HttpConnection) => {
    if (connection.closed) {
      all.delete(connection);
      const next = waiting.shift();
      if (next) void acquire().then(next);
      return;
    }
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  return {
    async get(path) {
      const connection = await acquire();
      try {
        return await connection.get(path);
      } finally {
        release(connection);
      }
    },
    close() {
      for (const connection of all) connection.destroy();
      all.clear();
      idle.length = 0;
    },
  };
}

/** One keep-alive socket answering one GET at a time. */
class HttpConnection {
  closed = false;
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private current: { resolve: (answer: { status: number; body: string }) => void; reject: (error: Error) => void } | undefined;

  constructor(
    host: string,
    port: number,
    private readonly hostHeader: string,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    const fail = (error: Error) => {
      this.closed = true;
      this.current?.reject(error);
      this.current = undefined;
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }

  get(path: string): Promise<{ status: number; body: string }> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.current = { resolve, reject };
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nConnection: keep-alive\r\n\r\n`);
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.current) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.current.reject(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
      this.current = undefined;
      this.destroy();
      return;
    }
    const bodyEnd = end + 4 + Number(length[1]);
    if (this.buffer.length < bodyEnd) return;
    const body = this.buffer.toString('utf8', end + 4, bodyEnd);
    this.buffer = this.buffer.subarray(bodyEnd);
    const { resolve } = this.current;
    this.current = undefined;
    resolve({ status, body });
  }
}
