import { describe, expect, it } from 'vitest';
import { retryInBackground, RetryStoppedError } from '../src/retry-in-background.js';

describe('retryInBackground', () => {
  it('retries a failing step with a doubling, capped wait until it succeeds', async () => {
    let calls = 0;
    const waits: number[] = [];
    const retry = retryInBackground(
      async () => {
        if (++calls < 5) throw new Error('Redis is unreachable');
      },
      { initialDelayMs: 5, maxDelayMs: 15, onFailure: (_error, attempt, wait) => waits.push(attempt, wait) },
    );
    await retry.done;
    expect(calls).toBe(5);
    expect(waits).toEqual([1, 5, 2, 10, 3, 15, 4, 15]);
  });

  it('gives up when stopped, without waiting out the current wait', async () => {
    const retry = retryInBackground(
      async () => {
        throw new Error('Redis is unreachable');
      },
      { initialDelayMs: 60_000, maxDelayMs: 60_000, onFailure: () => undefined },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = performance.now();
    retry.stop();
    await expect(retry.done).rejects.toBeInstanceOf(RetryStoppedError);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
