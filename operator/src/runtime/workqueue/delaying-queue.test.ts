import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { DelayingQueue } from './delaying-queue.ts';

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
    clock.advance(1000);
    expect(queue.len()).toBe(1);
    expect(queue.waiting()).toBe(0);
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

  it('forgets waiting items and timers on shutdown', () => {
    const clock = new FakeClock();
    const queue = new DelayingQueue<string>({ clock });
    queue.addAfter('a', 100);
    queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(1000);
    expect(queue.len()).toBe(0);
  });
});
