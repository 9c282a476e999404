import type { Redis } from 'ioredis';
import { type ActivationListener, ActivationListeners } from '../activation-listeners.js';

// Delivers model activations published on a Redis channel to local listeners. Uses its own
// connection (a subscribed connection can do nothing else), opened with the first listener and
// closed with the last. Pub/sub drops messages while disconnected, so after a reconnect the active
// version is read again and delivered when it changed meanwhile.

export class ActivationSubscriber {
  private readonly listeners = new ActivationListeners();
  private subscriber: Redis | undefined;
  private subscribing: Promise<void> = Promise.resolve();
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

  /** Resolves once activations from now on reach the listeners. */
  ready(): Promise<void> {
    return this.subscribing;
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    await this.subscribing.catch(() => undefined);
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private start(): void {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    let connectedBefore = false;
    subscriber.on('message', (channel: string, version: string) => {
      if (channel !== this.channel) return;
      this.last = version;
      this.listeners.notify(version);
    });
    subscriber.on('ready', () => {
      if (connectedBefore) void this.catchUp();
      connectedBefore = true;
    });
    subscriber.on('error', () => undefined); // ioredis reconnects by itself; errors surface as missed notices
    this.subscribing = subscriber.subscribe(this.channel).then(async () => {
      this.last = await this.activeVersion();
    });
    this.subscribing.catch(() => undefined);
  }

  private async catchUp(): Promise<void> {
    const version = await this.activeVersion().catch(() => undefined);
    if (version !== undefined && version !== this.last && this.subscriber) {
      this.last = version;
      this.listeners.notify(version);
    }
  }
}
