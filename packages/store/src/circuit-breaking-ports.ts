import type { CircuitBreaker, JobRunner, ModelRegistry, Store } from '@recsys/core';

// The store and model registry behind a circuit breaker (one per dependency: both live in the same
// Redis, so both share one breaker). Every call of the sub-stores (catalog, events, users,
// features, learning) and of the registry goes through the breaker: while Redis fails, callers
// are refused within microseconds instead of each waiting for a timeout, and the engine answers
// from what it holds in memory (degraded) and refuses writes with a retryable error.
//
// Methods are wrapped by name through a Proxy, so methods added to the ports later are guarded
// too; what is not a call to the dependency is listed below.

export interface GuardedStoreOptions {
  /**
   * Time limit of calls that read a whole collection (the catalogue, every item's counters, every
   * user id, an erasure's replay, model artifacts); default 10 s. Other calls use the breaker's
   * call timeout. Some are on the request path (a catalogue or popularity refresh), so not more.
   */
  bulkTimeoutMs?: number;
}

/** Methods that return an async iterable: gated when iteration starts, counted when it ends. */
const ITERATING = new Set(['scan', 'allUsers']);
/**
 * Calls whose duration grows with the data or the batch: a long limit instead of the breaker's call
 * timeout (a batch of a thousand events on a busy Redis may take more than a second).
 */
const BULK = new Set([
  'all',
  'items',
  'userIds',
  'eraseUser',
  'upsert',
  'append',
  'record',
  'recordImpressions',
  'attribute',
  'dropBefore',
  'save',
  'load',
  'loadArtifact',
  'replaceArtifacts',
]);
/** Methods that do not call the dependency (or must reach it regardless of the breaker). */
const REGISTRY_PASSTHROUGH = new Set(['onActivated']);
const JOBS_PASSTHROUGH = new Set(['register', 'close']);

function guard<T extends object>(target: T, breaker: CircuitBreaker, bulkTimeoutMs: number, passthrough: ReadonlySet<string> = new Set()): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || passthrough.has(property) || property === 'constructor') {
        return value;
      }
      const method = value as (...args: unknown[]) => unknown;
      if (ITERATING.has(property)) return (...args: unknown[]) => breaker.iterate(() => method.apply(object, args) as AsyncIterable<unknown>);
      const timeoutMs = BULK.has(property) ? bulkTimeoutMs : undefined;
      return (...args: unknown[]) => breaker.run(async () => method.apply(object, args), timeoutMs === undefined ? {} : { timeoutMs });
    },
  });
}

/**
 * The store with every data call behind `breaker`. `healthy()` answers false at once while the
 * breaker is open (no ping piles onto a failing Redis); `open` and `close` are not gated.
 */
export function guardStore<S extends Store>(store: S, breaker: CircuitBreaker, options: GuardedStoreOptions = {}): Store {
  const bulk = options.bulkTimeoutMs ?? 10_000;
  const catalog = guard(store.catalog, breaker, bulk);
  const events = guard(store.events, breaker, bulk);
  const users = guard(store.users, breaker, bulk);
  const features = guard(store.features, breaker, bulk);
  const learning = store.learning && guard(store.learning, breaker, bulk);
  return {
    catalog,
    events,
    users,
    features,
    ...(learning && { learning }),
    ...(store.ingest && { ingest: (batch) => breaker.run(() => store.ingest!(batch), { timeoutMs: bulk }) }),
    open: () => store.open(),
    close: () => store.close(),
    healthy: async () => breaker.state !== 'open' && (await store.healthy()),
    eraseUser: (userId) => breaker.run(() => store.eraseUser(userId), { timeoutMs: bulk }),
  };
}

/** The model registry behind `breaker` (artifact reads and saves get the long time limit). */
export function guardModelRegistry<R extends ModelRegistry>(registry: R, breaker: CircuitBreaker, options: GuardedStoreOptions = {}): ModelRegistry {
  return guard(registry as ModelRegistry, breaker, options.bulkTimeoutMs ?? 10_000, REGISTRY_PASSTHROUGH);
}

/** A job runner whose queues live in the same dependency (BullMQ in Redis): enqueue, job reads, schedules and queue depths behind `breaker`. */
export function guardJobRunner<J extends JobRunner>(jobs: J, breaker: CircuitBreaker): JobRunner {
  return guard(jobs as JobRunner, breaker, 10_000, JOBS_PASSTHROUGH);
}
