import { describe, expect, it } from 'vitest';
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
});
