import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles from the initial step, adds jitter, caps and resets', () => {
    const noJitter = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([noJitter.next(), noJitter.next(), noJitter.next(), noJitter.next(), noJitter.next()]).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    noJitter.reset();
    expect(noJitter.next()).toBe(100);

    const fullJitter = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    expect([fullJitter.next(), fullJitter.next()]).toEqual([150, 300]);
  });

  it('starts over when the previous wait was asked for at least resetAfterMs ago', () => {
    const clock = new FakeClock();
    const backoff = new Backoff({
      initialMs: 100,
      maxMs: 10_000,
      resetAfterMs: 5_000,
      random: () => 0,
      clock,
    });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    clock.advance(4_999);
    expect(backoff.next()).toBe(800);
    clock.advance(5_000);
    expect(backoff.next()).toBe(100);
  });
});
