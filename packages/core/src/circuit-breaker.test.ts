import { describe, expect, it } from 'vitest';
import { CallTimeoutError, CircuitBreaker, CircuitOpenError, type CircuitState } from './circuit-breaker.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const fail = () => Promise.reject(new Error('connection refused'));
const ok = () => Promise.resolve('ok');

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.run(fail)).rejects.toThrow('connection refused');
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then refuses calls without making them', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('redis', { failureThreshold: 3, coolDownMs: 2000, now: clock.now });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');

    let calls = 0;
    clock.advance(500);
    const refused = breaker.run(async () => void calls++);
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(refused).rejects.toMatchObject({ dependency: 'redis', retryAfterMs: 1500 });
    expect(calls).toBe(0);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', opened_total: 1, rejected_total: 1, retry_in_ms: 1500 });
  });

  it('a success resets the count: only failures in a row open it', async () => {
    const breaker = new CircuitBreaker('redis', { failureThreshold: 3, now: fakeClock().now });
    await failTimes(breaker, 2);
    await breaker.run(ok);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('after the cool-down lets one probe through; its success closes the breaker', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('redis', { failureThreshold: 1, coolDownMs: 2000, now: clock.now });
    await failTimes(breaker, 1);
    clock.advance(2000);
    expect(breaker.state).toBe('half_open');

    let release!: (value: string) => void;
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = resolve)));
    // While the probe is in flight every other call is still refused.
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release('pong');
    await expect(probe).resolves.toBe('pong');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
  });

  it('a failed probe opens it again for a whole cool-down', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('redis', { failureThreshold: 2, coolDownMs: 1000, now: clock.now });
    await failTimes(breaker, 2);
    clock.advance(1000);
    await failTimes(breaker, 1); // the probe
    expect(breaker.state).toBe('open');
    clock.advance(999);
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    clock.advance(1);
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', opened_total: 2 });
  });

  it('counts a call that hangs past the timeout as a failure (a hung dependency opens it too)', async () => {
    const breaker = new CircuitBreaker('redis', { failureThreshold: 2, callTimeoutMs: 20 });
    const hang = () => new Promise<never>(() => undefined);
    await expect(breaker.run(hang)).rejects.toBeInstanceOf(CallTimeoutError);
    await expect(breaker.run(hang)).rejects.toBeInstanceOf(CallTimeoutError);
    expect(breaker.state).toBe('open');
    // Long operations opt out of the timeout but are still gated.
    await expect(breaker.run(ok, { timeoutMs: 0 })).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('does not count a caller error (bad argument) as the dependency failing', async () => {
    const breaker = new CircuitBreaker('redis', { failureThreshold: 1, now: fakeClock().now });
    await expect(breaker.run(() => Promise.reject(new TypeError('userId must be a string')))).rejects.toThrow(TypeError);
    expect(breaker.state).toBe('closed');
  });

  it('gates an async iteration as one call, and tells listeners of every state change', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker('redis', { failureThreshold: 1, coolDownMs: 100, now: clock.now });
    const changes: [CircuitState, CircuitState][] = [];
    breaker.onStateChange((state, previous) => changes.push([state, previous]));
    async function* broken(): AsyncIterable<number> {
      yield 1;
      throw new Error('connection lost');
    }
    const seen: number[] = [];
    await expect(async () => {
      for await (const n of breaker.iterate(broken)) seen.push(n);
    }).rejects.toThrow('connection lost');
    expect(seen).toEqual([1]);
    await expect(async () => {
      for await (const _ of breaker.iterate(broken)) break;
    }).rejects.toBeInstanceOf(CircuitOpenError);
    breaker.probeNow();
    await breaker.run(ok);
    expect(changes).toEqual([
      ['open', 'closed'],
      ['half_open', 'open'],
      ['closed', 'half_open'],
    ]);
  });
});
