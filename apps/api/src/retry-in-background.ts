// Runs a start-up step that needs a remote dependency (Redis) until it succeeds, without holding up
// the caller: the process serves what it can meanwhile and reports not ready.

export interface RetryOptions {
  /** Wait after the first failure; doubled after each further one up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Told about each failure, with the wait before the next attempt. */
  onFailure(error: unknown, attempt: number, retryInMs: number): void;
}

export interface BackgroundRetry {
  /** Resolves when an attempt succeeded; rejects when stopped before that. */
  done: Promise<void>;
  /** Stops retrying (an attempt under way is not interrupted; its outcome is ignored). */
  stop(): void;
}

export class RetryStoppedError extends Error {
  override name = 'RetryStoppedError';
}

export function retryInBackground(attempt: () => Promise<void>, options: RetryOptions): BackgroundRetry {
  let stopped = false;
  let wake: () => void = () => undefined;
  const done = (async () => {
    for (let n = 1; ; n++) {
      if (stopped) throw new RetryStoppedError('stopped before it succeeded');
      try {
        await attempt();
        if (stopped) throw new RetryStoppedError('stopped before it succeeded');
        return;
      } catch (error) {
        if (stopped) throw new RetryStoppedError('stopped before it succeeded', { cause: error });
        const delay = Math.min(options.initialDelayMs * 2 ** (n - 1), options.maxDelayMs);
        options.onFailure(error, n, delay);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  done.catch(() => undefined);
  return {
    done,
    stop() {
      stopped = true;
      wake();
    },
  };
}
