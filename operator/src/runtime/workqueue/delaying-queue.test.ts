import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../time/clock.ts';
import { FakeClock } from '../time/fake-clock.ts';
import { DelayingQueue } from './delaying-queue.ts';

/** Records every item the delaying queue hands to the underlying queue, with the time it did so. */
class RecordingQueue extends DelayingQueue<string> {
  readonly added: Array<[string, number]> = [];
  private readonly now: () => number;

  constructor(clock: Clock) {
    super({ clock });
    this.now = () => clock.now();
  }

  override add(item: string): void {
    this.added.push([item, this.now()]);
    super.add(item);
  }
}

/** Fires every timer a fixed time late, as a busy event loop does. */
class LateClock implements Clock {
  private readonly inner: FakeClock;
  private readonly lateMs: number;

  constructor(inner: FakeClock, lateMs: number) {
    this.inner = inner;
    this.lateMs = lateMs;
  }

  now(): number {
    return this.inner.now();
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.inner.setTimeout(callback, ms + this.lateMs);
  }

  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
}

describe('DelayingQueue', () => {
  it('adds an item only once its delay has passed', () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 1000);
    clock.advance(999);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    expect(queue.waiting()).toBe(0);
  });

  it('keeps the earlier ready time when an item is added after twice', () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 5000);
    queue.addAfter('a', 1000);
    queue.addAfter('a', 3000);
    expect(queue.waiting()).toBe(1);
    clock.advance(1000);
    expect(queue.len()).toBe(1);
    expect(queue.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('releases an item waiting twice only once', () => {
    const clock = new FakeClock();
    const queue = new RecordingQueue(clock);
    queue.addAfter('a', 100);
    queue.addAfter('a', 200);
    clock.advance(1000);
    expect(queue.added).toEqual([['a', 100]]);
  });

  it('adds at once when the delay is not positive', () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    expect(queue.len()).toBe(2);
    expect(queue.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('releases items in ready-time order', async () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('late', 300);
    queue.addAfter('early', 100);
    queue.addAfter('now', 0);
    clock.advance(100);
    clock.advance(200);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['now', 'early', 'late']);
  });

  it('releases items in ready-time order when its timer fires after several are due', async () => {
    const fake = new FakeClock();
    const queue = new DelayingQueue<string>({ clock: new LateClock(fake, 250) });
    queue.addAfter('late', 300);
    queue.addAfter('middle', 200);
    queue.addAfter('early', 100);
    fake.advance(350);
    expect(queue.len()).toBe(3);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['early', 'middle', 'late']);
  });

  it('forgets waiting items and timers on shutdown', () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 100);
    queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(1000);
    expect(queue.len()).toBe(0);
    expect(queue.waiting()).toBe(0);
  });

  it('stops its timer on shutdown with drain', async () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 100);
    await queue.shutDownWithDrain();
    expect(clock.pendingTimers()).toBe(0);
    expect(queue.waiting()).toBe(0);
  });

  it('releases every item at its earliest ready time, in ready-time order, as a naive model does', () => {
    type Op = { kind: 'addAfter'; item: string; delay: number } | { kind: 'advance'; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('addAfter' as const),
        item: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
        delay: fc.integer({ min: -3, max: 40 }),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const clock = new FakeClock();
        const queue = new RecordingQueue(clock);
        // The model: every waiting item with its earliest ready time, released by sorting.
        const waiting = new Map<string, { at: number; seq: number }>();
        const expected: Array<[string, number]> = [];
        let now = 0;
        let seq = 0;
        const advance = (ms: number): void => {
          const target = now + ms;
          const due = [...waiting]
            .filter(([, w]) => w.at <= target)
            .sort(([, x], [, y]) => x.at - y.at || x.seq - y.seq);
          for (const [item, w] of due) {
            expected.push([item, w.at]);
            waiting.delete(item);
          }
          now = target;
          clock.advance(ms);
        };
        for (const o of ops) {
          if (o.kind === 'advance') {
            advance(o.ms);
          } else {
            queue.addAfter(o.item, o.delay);
            if (o.delay <= 0) {
              expected.push([o.item, now]);
            } else {
              const w = waiting.get(o.item);
              if (w === undefined) waiting.set(o.item, { at: now + o.delay, seq: seq++ });
              else w.at = Math.min(w.at, now + o.delay);
            }
          }
          expect(queue.added).toEqual(expected);
          expect(queue.waiting()).toBe(waiting.size);
        }
        advance(100);
        expect(queue.added).toEqual(expected);
        expect(queue.waiting()).toBe(0);
        expect(clock.pendingTimers()).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
