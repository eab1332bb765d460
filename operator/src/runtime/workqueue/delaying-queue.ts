import type { TimerHandle } from '../time/clock.ts';
import { Queue } from './queue.ts';

/**
 * client-go's DelayingInterface: `addAfter` parks an item until its time, then adds it. An item
 * already waiting keeps the earlier of its two ready times, so repeated requeueAfter calls never
 * postpone work that is already due sooner.
 */
export class DelayingQueue<T> extends Queue<T> {
  private readonly readyAt = new Map<T, number>();
  private timer: { handle: TimerHandle; at: number } | undefined;

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retry();
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + delayMs;
    const current = this.readyAt.get(item);
    if (current !== undefined && current <= at) return;
    this.readyAt.set(item, at);
    this.schedule();
  }

  /** Items parked by addAfter and not yet due. */
  waiting(): number {
    return this.readyAt.size;
  }

  override shutDown(): void {
    this.stopWaiting();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.stopWaiting();
    return super.shutDownWithDrain();
  }

  private stopWaiting(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.readyAt.clear();
  }

  // One timer for the earliest ready time; a linear scan is fine for the thousands of keys a controller holds.
  private schedule(): void {
    let earliest = Infinity;
    for (const at of this.readyAt.values()) earliest = Math.min(earliest, at);
    if (earliest === Infinity) return;
    if (this.timer && this.timer.at <= earliest) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const handle = this.clock.setTimeout(() => this.fire(), Math.max(0, earliest - this.clock.now()));
    this.timer = { handle, at: earliest };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const [item, at] of [...this.readyAt]) {
      if (at <= now) {
        this.readyAt.delete(item);
        this.add(item);
      }
    }
    this.schedule();
  }
}
