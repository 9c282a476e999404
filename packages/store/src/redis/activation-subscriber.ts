import type { Redis } from 'ioredis';
import { type ActivationListener, ActivationListeners } from '../activation-listeners.js';

// Delivers model activations published on a Redis channel to local listeners. Uses its own
// connection (a subscribed connection can do nothing else), opened with the first listener and
// closed with the last. The first SUBSCRIBE is sent once the connection is ready and again after
// every reconnection until it succeeds (Redis may be unreachable when listening starts); later
// reconnections resubscribe by themselves. Pub/sub drops messages while disconnected, so after a
// reconnection the active version is read again and delivered when it changed meanwhile.

const CATCH_UP_ATTEMPTS = 40;
const CATCH_UP_RETRY_MS = 250;

export class ActivationSubscriber {
  private readonly listeners = new ActivationListeners();
  private subscriber: Redis | undefined;
  private subscribing: Promise<void> = Promise.resolve();
  private abandon: () => void = () => undefined;
  /** The last version delivered (or active when the subscription started). */
  private last: string | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly activeVersion: () => Promise<string | undefined>,
  ) {}

  add(listener: ActivationListener): () => void {
    const remove = this.listeners.add(listener);
    if (!this.subscriber) this.start();
    return () => {
      remove();
      if (this.listeners.size === 0) void this.stop();
    };
  }

  /** Resolves once activations from now on reach the listeners (waits while Redis is unreachable). */
  ready(): Promise<void> {
    return this.subscribing;
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    this.abandon();
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private start(): void {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    let subscribed = false;
    this.subscribing = new Promise<void>((resolve, reject) => {
      subscriber.on('ready', () => {
        if (subscribed) {
          void this.catchUp(subscriber);
          return;
        }
        subscriber.subscribe(this.channel).then(async () => {
          subscribed = true;
          this.last = await this.activeVersion().catch(() => undefined);
          resolve();
        }, () => undefined); // the connection dropped again: the next 'ready' retries
      });
      this.abandon = () => reject(new Error('the activation subscription was stopped'));
    });
    this.subscribing.catch(() => undefined);
    subscriber.on('message', (channel: string, version: string) => {
      if (channel !== this.channel) return;
      this.last = version;
      this.listeners.notify(version);
    });
    subscriber.on('error', () => undefined); // ioredis reconnects by itself; errors surface as missed notices
    if (subscriber.status === 'wait') subscriber.connect().catch(() => undefined);
  }

  private async catchUp(subscriber: Redis): Promise<void> {
    // The registry's own client fails fast and may reconnect a moment later than this one.
    for (let attempt = 0; attempt < CATCH_UP_ATTEMPTS && this.subscriber === subscriber; attempt++) {
      try {
        const version = await this.activeVersion();
        if (version !== undefined && version !== this.last && this.subscriber === subscriber) {
          this.last = version;
          this.listeners.notify(version);
        }
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_RETRY_MS));
      }
    }
  }
}
