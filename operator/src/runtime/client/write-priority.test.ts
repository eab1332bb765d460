import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { WritePriority } from './write-priority.ts';

/** An urgent write that stays in flight until `finish` is called. */
function inFlight(priority: WritePriority): { finish: () => void; done: Promise<void> } {
  let finish!: () => void;
  const done = priority.urgently(() => new Promise<void>((resolve) => (finish = resolve)));
  return { finish, done };
}

describe('WritePriority', () => {
  it('lets every write go when no urgent write is in flight', () => {
    const priority = new WritePriority({ maxDeferMs: 60_000, clock: new FakeClock() });
    expect(priority.busy()).toBe(false);
    expect(priority.deferFor('a')).toBe(0);
  });

  it('defers other writers while urgent writes are in flight, each at most maxDeferMs', async () => {
    const clock = new FakeClock();
    const priority = new WritePriority({ maxDeferMs: 60_000, clock });
    const first = inFlight(priority);
    expect(priority.deferFor('a')).toBe(60_000);
    clock.advance(20_000);
    expect(priority.deferFor('a')).toBe(40_000);
    expect(priority.deferFor('b')).toBe(60_000);
    clock.advance(40_000);
    // 'a' has waited its longest: it goes ahead, and keeps going while the urgent writes last.
    expect(priority.deferFor('a')).toBe(0);
    clock.advance(1000);
    expect(priority.deferFor('a')).toBe(0);
    expect(priority.deferFor('b')).toBe(19_000);
    first.finish();
    await first.done;
    expect(priority.busy()).toBe(false);
    expect(priority.deferFor('b')).toBe(0);
  });

  it('tells its listeners which writers it deferred when the last urgent write finishes', async () => {
    const priority = new WritePriority({ maxDeferMs: 60_000, clock: new FakeClock() });
    const told: string[][] = [];
    priority.onIdle((writers) => told.push(writers));
    const one = inFlight(priority);
    const two = inFlight(priority);
    priority.deferFor('suite/a');
    priority.deferFor('suite/b');
    priority.forget('suite/b');
    one.finish();
    await one.done;
    expect(told, 'one urgent write is still in flight').toEqual([]);
    two.finish();
    await two.done;
    expect(told).toEqual([['suite/a']]);
    // Forgotten once told: a new burst defers them afresh.
    const three = inFlight(priority);
    expect(priority.deferFor('suite/a')).toBe(60_000);
    three.finish();
    await three.done;
  });

  it('wakes a waiting writer when the urgent writes finish, or when its wait is over', async () => {
    const clock = new FakeClock();
    const priority = new WritePriority({ maxDeferMs: 60_000, clock });
    await priority.idle(1000); // nothing in flight: at once
    const urgent = inFlight(priority);
    let woke = false;
    const waiting = priority.idle(5000).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    urgent.finish();
    await urgent.done;
    await waiting;
    expect(woke).toBe(true);

    const endless = inFlight(priority);
    const timedOut = priority.idle(5000);
    clock.advance(5000);
    await timedOut;
    expect(priority.busy()).toBe(true);
    endless.finish();
    await endless.done;
  });

  it('counts an urgent write that failed as finished', async () => {
    const priority = new WritePriority({ maxDeferMs: 60_000, clock: new FakeClock() });
    await expect(priority.urgently(() => Promise.reject(new Error('409')))).rejects.toThrow('409');
    expect(priority.busy()).toBe(false);
  });
});
