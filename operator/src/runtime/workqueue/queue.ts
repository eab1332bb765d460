import { realClock, type Clock } from '../time/clock.ts';
import { noopQueueMetrics, type QueueMetrics } from './metrics.ts';

export interface QueueOptions<T> {
  clock?: Clock;
  metrics?: QueueMetrics<T>;
}

/**
 * client-go's workqueue.Type: a fair FIFO of de-duplicated items. An item is in at most one of
 * "queued" and "processing" at a time; adding an item that is being processed marks it dirty so it
 * is queued again on `done`, which is what keeps two workers from ever holding the same key.
 * Items are compared with `===`, so use strings (object keys) as items.
 */
export class Queue<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters: Array<(item: T | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDownFlag = false;
  private draining = false;
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics<T>;

  constructor(options: QueueOptions<T> = {}) {
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? noopQueueMetrics;
  }

  add(item: T): void {
    if (this.shuttingDownFlag || this.dirty.has(item)) return;
    this.metrics.add(item);
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.startProcessing(item);
      waiter(item);
      return;
    }
    this.queue.push(item);
  }

  len(): number {
    return this.queue.length - this.head;
  }

  /** Resolves with the next item, or undefined once the queue is shut down and (if draining) empty. */
  get(): Promise<T | undefined> {
    if (this.len() > 0) {
      const item = this.queue[this.head] as T;
      this.head++;
      this.compact();
      this.startProcessing(item);
      return Promise.resolve(item);
    }
    if (this.shuttingDownFlag) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks an item finished; re-queues it when it was added again while being processed. */
  done(item: T): void {
    this.metrics.done(item);
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      if (this.shuttingDownFlag) {
        this.dirty.delete(item);
      } else {
        const waiter = this.waiters.shift();
        if (waiter) {
          this.startProcessing(item);
          waiter(item);
        } else {
          this.queue.push(item);
        }
      }
    }
    if (this.draining && this.processing.size === 0) this.resolveDrain();
  }

  /**
   * Stops accepting and handing out work. Unlike client-go, whose Get keeps returning queued items
   * after ShutDown, queued-but-unstarted items are dropped: shutting down means taking no new work,
   * and reconciles are level-triggered, so the next leader converges them anyway.
   */
  shutDown(): void {
    this.shuttingDownFlag = true;
    this.dropQueued();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    this.resolveDrain();
  }

  /** Like shutDown, but resolves only once every item handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.draining = true;
    this.shuttingDownFlag = true;
    this.dropQueued();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    if (this.processing.size === 0) this.resolveDrain();
    return drained;
  }

  shuttingDown(): boolean {
    return this.shuttingDownFlag;
  }

  private startProcessing(item: T): void {
    this.metrics.get(item);
    this.processing.add(item);
    this.dirty.delete(item);
  }

  private dropQueued(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i] as T;
      this.dirty.delete(item);
      this.metrics.drop(item);
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private resolveDrain(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  // An array used as a deque: shift() is O(n), so consumed slots are dropped in batches.
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
