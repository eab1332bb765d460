import { describe, expect, it } from 'vitest';
import { StatusPacer } from './pacer.ts';

interface Status {
  phase: string;
  done: number;
}

const pacer = (writesPerSecond = 5) =>
  new StatusPacer<Status>({
    minIntervalMs: 5000,
    maxIntervalMs: 60_000,
    writesPerSecond,
    milestones: ({ phase }) => phase,
  });
const running = (done: number): Status => ({ phase: 'Running', done });

describe('StatusPacer', () => {
  it('writes at once when the object has not been written recently', () => {
    expect(pacer().holdFor('ns/a', running(1), running(2), 10_000)).toBe(0);
  });

  it('holds a progress-only change until the interval since the last write has passed', () => {
    const p = pacer();
    p.wrote('ns/a', 10_000);
    expect(p.holdFor('ns/a', running(1), running(2), 11_000)).toBe(4000);
    expect(p.holdFor('ns/a', running(1), running(2), 15_000)).toBe(0);
    expect(p.holdFor('ns/b', running(1), running(2), 11_000)).toBe(0);
  });

  it('writes a milestone at once, and holds nothing when nothing changed', () => {
    const p = pacer();
    p.wrote('ns/a', 10_000);
    expect(p.holdFor('ns/a', running(9), { phase: 'Succeeded', done: 10 }, 11_000)).toBe(0);
    expect(p.holdFor('ns/a', running(3), running(3), 11_000)).toBe(0);
    expect(p.holdFor('ns/a', undefined, running(3), 11_000)).toBe(0);
  });

  it('spreads the writes of many busy objects to stay near the aimed rate, within the bounds', () => {
    const p = pacer(5);
    for (let i = 0; i < 200; i++) p.wrote(`ns/s${i}`, 10_000 + i);
    // 200 busy objects at 5 writes per second: one write each per 40 s.
    expect(p.intervalMs()).toBe(40_000);
    expect(p.holdFor('ns/s0', running(1), running(2), 20_000)).toBe(30_000);
    for (let i = 200; i < 1000; i++) p.wrote(`ns/s${i}`, 10_000 + i);
    expect(p.intervalMs()).toBe(60_000);
  });

  it('counts as busy only objects written within the longest interval, and forgets deleted ones', () => {
    const p = pacer(5);
    for (let i = 0; i < 200; i++) p.wrote(`ns/s${i}`, 10_000);
    p.wrote('ns/late', 50_000);
    // A minute later every early write has expired: one busy object, the shortest interval.
    expect(p.holdFor('ns/late', running(1), running(2), 71_000)).toBe(0);
    expect(p.intervalMs()).toBe(5000);
    p.wrote('ns/late', 71_000);
    expect(p.holdFor('ns/late', running(2), running(3), 72_000)).toBe(4000);
    p.forget('ns/late');
    expect(p.holdFor('ns/late', running(2), running(3), 72_000)).toBe(0);
  });
});
