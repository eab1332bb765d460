import { describe, expect, it } from 'vitest';
import { SlidingWindowBudget } from './sliding-window.ts';

describe('SlidingWindowBudget', () => {
  it('lets the budget through at once, then waits for the oldest spends to leave the window', () => {
    const window = new SlidingWindowBudget(10, 60_000);
    expect(window.waitFor(4, 0)).toBe(0);
    window.spend(4, 0);
    window.spend(6, 20_000);
    // 3 more fit only once the 4 spent at 0 are a window old.
    expect(window.waitFor(3, 30_000)).toBe(30_000);
    expect(window.waitFor(3, 59_999)).toBe(1);
    expect(window.waitFor(3, 60_000)).toBe(0);
    // 7 need the spend at 20 s gone as well.
    expect(window.waitFor(7, 60_000)).toBe(20_000);
  });

  it('charges an amount above the budget as the whole budget, so it waits for an empty window', () => {
    const window = new SlidingWindowBudget(100, 60_000);
    window.spend(1, 5_000);
    expect(window.waitFor(500, 10_000)).toBe(55_000);
    expect(window.waitFor(500, 65_000)).toBe(0);
    expect(window.spend(500, 65_000).amount).toBe(100);
  });

  it('corrects an estimate with the actual amount while the spend is in its window', () => {
    const window = new SlidingWindowBudget(100, 60_000);
    const estimate = window.spend(90, 0);
    expect(window.waitFor(50, 1_000)).toBe(59_000);
    window.correct(estimate, 30, 2_000);
    expect(window.waitFor(50, 2_000)).toBe(0);
    // An under-estimate is charged in full: the next request waits for it.
    window.correct(estimate, 100, 3_000);
    expect(window.waitFor(1, 3_000)).toBe(57_000);
    // A correction after the window is over changes nothing.
    window.correct(estimate, 1_000, 60_000);
    expect(window.waitFor(100, 60_000)).toBe(0);
  });

  it('counts fractional amounts as whole units', () => {
    const window = new SlidingWindowBudget(3, 60_000);
    window.spend(1.2, 0);
    expect(window.waitFor(1.5, 0)).toBe(60_000);
    expect(window.waitFor(1, 0)).toBe(0);
  });

  it('stays correct across the compaction of a long ledger', () => {
    const window = new SlidingWindowBudget(5_000, 60_000);
    for (let t = 0; t < 200_000; t += 10) window.spend(1, t);
    // 6,000 spends per window: the last 5,000 (from 150 s on) are the ones that count.
    expect(window.waitFor(1, 199_990)).toBe(150_000 + 60_000 - 199_990);
  });
});
