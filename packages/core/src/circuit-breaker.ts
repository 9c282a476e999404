// A circuit breaker around calls to one dependency (Redis, say). Closed: calls go through. After
// `failureThreshold` failures in a row (a call that takes longer than `callTimeoutMs` counts as
// one) it opens: calls are refused at once with CircuitOpenError for `coolDownMs`, so requests
// stop piling onto a dependency that is down or hung. Then it is half-open: one call goes through
// as a probe (others are still refused); its success closes the breaker, its failure opens it for
// another cool-down.

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; default 5. */
  failureThreshold?: number;
  /** How long an open breaker refuses calls before it lets a probe through; default 2,000 ms. */
  coolDownMs?: number;
  /** A call still pending after this long fails (and counts as a failure); default 2,000 ms, 0 = never. */
  callTimeoutMs?: number;
  /**
   * Whether an error says the dependency is failing; default: every error except TypeError and
   * RangeError (a bad argument is the caller's fault, not the dependency's).
   */
  isFailure?: (error: unknown) => boolean;
  /** Clock in epoch milliseconds (tests pass a fake one). */
  now?: () => number;
}

export interface CircuitSnapshot {
  state: CircuitState;
  consecutive_failures: number;
  /** Times the breaker opened since it was made. */
  opened_total: number;
  /** Calls refused without reaching the dependency since it was made. */
  rejected_total: number;
  /** While open: milliseconds until a probe is let through; otherwise 0. */
  retry_in_ms: number;
}

/** Refused without calling the dependency: the breaker is open (or a probe is in flight). */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  readonly code = 'CIRCUIT_OPEN';
  constructor(
    readonly dependency: string,
    /** When a call may succeed again, in milliseconds from now. */
    readonly retryAfterMs: number,
  ) {
    super(`${dependency} is failing: calls are refused for ${Math.ceil(retryAfterMs)} ms`);
  }
}

/** The dependency did not answer within the call timeout. */
export class CallTimeoutError extends Error {
  override name = 'CallTimeoutError';
  constructor(
    readonly dependency: string,
    readonly timeoutMs: number,
  ) {
    super(`${dependency} did not answer within ${timeoutMs} ms`);
  }
}

export type CircuitListener = (state: CircuitState, previous: CircuitState) => void;

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  readonly callTimeoutMs: number;
  private readonly now: () => number;
  private readonly isFailure: (error: unknown) => boolean;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private opened = 0;
  private rejected = 0;
  private readonly listeners = new Set<CircuitListener>();

  constructor(
    /** Names the dependency in errors and metrics. */
    readonly name: string,
    options: CircuitBreakerOptions = {},
  ) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 2000;
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.isFailure = options.isFailure ?? ((error) => !(error instanceof TypeError || error instanceof RangeError));
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) throw new RangeError('failureThreshold must be an integer >= 1');
    if (!(this.coolDownMs >= 0)) throw new RangeError('coolDownMs must be >= 0');
    if (!(this.callTimeoutMs >= 0)) throw new RangeError('callTimeoutMs must be >= 0');
  }

  /** The state now (an open breaker whose cool-down is over reads as half-open). */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.coolDownMs) this.transition('half_open');
    return this.current;
  }

  snapshot(): CircuitSnapshot {
    const state = this.state;
    return {
      state,
      consecutive_failures: this.failures,
      opened_total: this.opened,
      rejected_total: this.rejected,
      retry_in_ms: state === 'open' ? Math.max(0, this.coolDownMs - (this.now() - this.openedAt)) : 0,
    };
  }

  /** Calls `listener` on every state change; returns the function that stops it. */
  onStateChange(listener: CircuitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `operation` unless the breaker is open, and counts its outcome. `timeoutMs` overrides
   * the call timeout for long operations (a whole-catalogue read); 0 never times out.
   */
  async run<T>(operation: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    const probe = this.admit();
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    try {
      const result = await (timeoutMs > 0 ? this.withTimeout(operation, timeoutMs) : operation());
      this.succeeded();
      return result;
    } catch (error) {
      this.settled(error);
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /**
   * Wraps an async iteration: refused at once while open, and its end (or failure) counted as
   * one call. No timeout: the consumer sets the pace.
   */
  async *iterate<T>(source: () => AsyncIterable<T>): AsyncIterable<T> {
    const probe = this.admit();
    try {
      yield* source();
      this.succeeded();
    } catch (error) {
      this.settled(error);
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** Lets the next call through as a probe at once (e.g. the connection just came back). */
  probeNow(): void {
    if (this.current === 'open') this.transition('half_open');
  }

  /** Throws CircuitOpenError when the call may not go through; true when it is the half-open probe. */
  private admit(): boolean {
    const state = this.state;
    if (state === 'closed') return false;
    if (state === 'half_open' && !this.probing) {
      this.probing = true;
      return true;
    }
    this.rejected++;
    const retryIn = state === 'open' ? this.coolDownMs - (this.now() - this.openedAt) : this.coolDownMs;
    throw new CircuitOpenError(this.name, Math.max(0, retryIn));
  }

  private settled(error: unknown): void {
    if (this.isFailure(error)) this.failed();
    else this.succeeded(); // the dependency answered; the call was wrong
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  private failed(): void {
    this.failures++;
    // A failed probe, or one failure too many, opens (again) for a full cool-down.
    if (this.current === 'half_open' || (this.current === 'closed' && this.failures >= this.failureThreshold)) {
      this.openedAt = this.now();
      this.opened++;
      this.transition('open');
    }
  }

  private transition(next: CircuitState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    for (const listener of this.listeners) listener(next, previous);
  }

  private withTimeout<T>(operation: () => Promise<T>, timeoutMs: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallTimeoutError(this.name, timeoutMs)), timeoutMs);
    });
    const call = operation();
    // The abandoned call may still fail later: that must not surface as an unhandled rejection.
    call.catch(() => undefined);
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }
}
