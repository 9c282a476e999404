import type { ModelActivationListener } from '@recsys/core';

// The listeners of a model registry's `onActivated`: each is called with every version activated
// after it subscribed. A listener that throws (or rejects) does not keep the others from running;
// handling its own errors is its business.

export type ActivationListener = ModelActivationListener;

export class ActivationListeners {
  private readonly listeners = new Set<ActivationListener>();

  get size(): number {
    return this.listeners.size;
  }

  /** Adds `listener`; returns a function that removes it (idempotent). */
  add(listener: ActivationListener): () => void {
    // Wrapped so the same function may subscribe twice and unsubscribe each time independently.
    const entry: ActivationListener = (version) => listener(version);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  notify(version: string): void {
    for (const listener of [...this.listeners]) {
      try {
        void Promise.resolve(listener(version)).catch(() => undefined);
      } catch {
        // see above: one listener's failure is not the others'
      }
    }
  }
}
