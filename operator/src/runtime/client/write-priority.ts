import type { Clock } from '../time/clock.ts';
import { realClock } from '../time/clock.ts';

/**
 * Lets writes that can wait (status, Events) step aside while urgent ones (creating Jobs) are in
 * flight, each for a bounded time: the API server, not this process, is what they compete for. On
 * a small control plane a burst of Job creations ran at half the speed of a plain loop while every
 * new Job also cost its suite a status write and an Event (make bench). The API server's Priority
 * and Fairness cannot tell these apart: they come from one client.
 */
export class WritePriority {
  private readonly maxDeferMs: number;
  private readonly clock: Clock;
  private urgent = 0;
  /** Deferred writers, by key: since when they have been waiting. */
  private readonly deferredSince = new Map<string, number>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly idleListeners: Array<(deferred: string[]) => void> = [];

  constructor(options: { maxDeferMs: number; clock?: Clock }) {
    this.maxDeferMs = options.maxDeferMs;
    this.clock = options.clock ?? realClock;
  }

  /** Runs an urgent write; writes that can wait are deferred while any is in flight. */
  async urgently<T>(write: () => Promise<T>): Promise<T> {
    this.urgent++;
    try {
      return await write();
    } finally {
      if (--this.urgent === 0) this.becameIdle();
    }
  }

  busy(): boolean {
    return this.urgent > 0;
  }

  /**
   * 0 when the writer `key` may write now; otherwise how long it may still be deferred. A writer
   * deferred for maxDeferMs goes ahead until the urgent writes stop, so a steady stream of them
   * never starves it.
   */
  deferFor(key: string): number {
    if (!this.busy()) {
      this.deferredSince.delete(key);
      return 0;
    }
    const now = this.clock.now();
    const since = this.deferredSince.get(key) ?? now;
    this.deferredSince.set(key, since);
    return Math.max(0, since + this.maxDeferMs - now);
  }

  /** Resolves when no urgent write is in flight, or after timeoutMs. */
  async idle(timeoutMs: number): Promise<void> {
    if (!this.busy()) return;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.idleWaiters.add(resolve);
    const timer = this.clock.setTimeout(resolve, timeoutMs);
    try {
      await done;
    } finally {
      this.clock.clearTimeout(timer);
      this.idleWaiters.delete(resolve);
    }
  }

  /** Called with the deferred writers' keys (then forgotten) whenever the last urgent write finishes. */
  onIdle(listener: (deferred: string[]) => void): void {
    this.idleListeners.push(listener);
  }

  forget(key: string): void {
    this.deferredSince.delete(key);
  }

  private becameIdle(): void {
    for (const resolve of this.idleWaiters) resolve();
    if (this.deferredSince.size === 0) return;
    const deferred = [...this.deferredSince.keys()];
    this.deferredSince.clear();
    for (const listener of this.idleListeners) listener(deferred);
  }
}
