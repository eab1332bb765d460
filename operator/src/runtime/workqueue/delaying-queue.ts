import type { TimerHandle } from '../time/clock.ts';
import { PriorityHeap } from './priority-heap.ts';
import { Queue } from './queue.ts';

interface Waiting<T> {
  readonly item: T;
  at: number;
  // Orders items with the same ready time by when they started waiting, so ties release FIFO.
  readonly seq: number;
}

/**
 * client-go's DelayingInterface: `addAfter` parks an item until its time, then adds it. An item
 * already waiting keeps the earlier of its two ready times, so repeated requeueAfter calls never
 * postpone work that is already due sooner.
 */
export class DelayingQueue<T> extends Queue<T> {
  private readonly waitingFor = new Map<T, Waiting<T>>();
  // client-go's waitForPriorityQueue: a controller can hold many thousands of backed-off keys, so
  // addAfter and each release cost O(log n) instead of a scan of everything waiting.
  private readonly heap = new PriorityHeap<Waiting<T>>(
    (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq),
  );
  private seq = 0;
  private timer: { handle: TimerHandle; at: number } | undefined;

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retry();
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + delayMs;
    const current = this.waitingFor.get(item);
    if (current === undefined) {
      const entry = { item, at, seq: this.seq++ };
      this.waitingFor.set(item, entry);
      this.heap.push(entry);
    } else {
      if (current.at <= at) return;
      current.at = at;
      this.heap.fix(current);
    }
    this.schedule();
  }

  /** Items parked by addAfter and not yet due. */
  waiting(): number {
    return this.waitingFor.size;
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
    this.waitingFor.clear();
    this.heap.clear();
  }

  // One timer, for the earliest ready time; ready times only ever move earlier, so an armed timer
  // that is not later than the heap's head is still the right one.
  private schedule(): void {
    const next = this.heap.peek();
    if (next === undefined) return;
    if (this.timer && this.timer.at <= next.at) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const handle = this.clock.setTimeout(() => this.fire(), Math.max(0, next.at - this.clock.now()));
    this.timer = { handle, at: next.at };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    // A timer that fires late finds several items due; they go out in ready-time order.
    for (let next = this.heap.peek(); next !== undefined && next.at <= now; next = this.heap.peek()) {
      this.heap.pop();
      this.waitingFor.delete(next.item);
      this.add(next.item);
    }
    this.schedule();
  }
}
