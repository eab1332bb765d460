import { describe, expect, it } from 'vitest';
import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { account, nextPeriodStart, periodAdjective, periodStart, type FinishedRun } from './accounting.ts';

const spec: ProviderPolicy['spec'] = {
  provider: 'openai',
  circuitBreaker: { failureThreshold: 3, cooldown: '1m', halfOpenMaxRuns: 1 },
  cost: { currency: 'USD', inputPerMillionTokens: '2.50', outputPerMillionTokens: '10' },
  budget: { limit: '1', period: 'Day' },
};
const t0 = Date.parse('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString().replace('.000', '');
/** Accounts again from an earlier result's circuit and watermark, as the next reconcile does. */
const accountAfter = (previous: ReturnType<typeof account>, runs: FinishedRun[], now: number) =>
  account(spec, { circuit: previous.circuit, accountedThrough: previous.accountedThrough }, runs, now);
const run = (
  job: string,
  seconds: number,
  outcome: FinishedRun['outcome'],
  usage?: FinishedRun['usage'],
): FinishedRun => ({
  job,
  completionTime: at(seconds),
  outcome,
  ...(usage ? { usage } : {}),
});

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive provider failures, and a success resets the count', () => {
    const first = account(
      spec,
      undefined,
      [run('a', 1, 'providerFailure'), run('b', 2, 'providerFailure'), run('c', 3, 'success')],
      t0 + 4000,
    );
    expect(first.circuit).toMatchObject({ state: 'Closed', consecutiveFailures: 0 });
    const runs = [
      run('d', 5, 'providerFailure'),
      run('e', 6, 'other'),
      run('f', 7, 'providerFailure'),
      run('g', 8, 'providerFailure'),
    ];
    const second = accountAfter(first, runs, t0 + 9000);
    expect(second.circuit).toMatchObject({ state: 'Open', consecutiveFailures: 3, openUntil: at(68) });
    expect(second.events.map((e) => e.reason)).toEqual(['CircuitOpened']);
    // When and by which run: from the runs, not the clock, so accounting them again agrees.
    expect(second.events[0]).toMatchObject({ at: Date.parse(at(8)), job: 'g' });
    const again = accountAfter(first, runs, t0 + 60_000);
    expect(again.events).toEqual(second.events);
  });

  it('goes half-open after the cooldown, closes on a probe success and reopens on a probe failure', () => {
    const open = {
      state: 'Open' as const,
      consecutiveFailures: 3,
      openUntil: at(60),
      lastTransitionTime: at(0),
    };
    const halfOpen = account(spec, { circuit: open }, [], t0 + 61_000);
    expect(halfOpen.circuit.state).toBe('HalfOpen');
    expect(halfOpen.events.map((e) => e.reason)).toEqual(['CircuitHalfOpen']);
    const closed = account(spec, { circuit: halfOpen.circuit }, [run('probe', 70, 'success')], t0 + 71_000);
    expect(closed.circuit).toMatchObject({ state: 'Closed', consecutiveFailures: 0 });
    const reopened = account(
      spec,
      { circuit: halfOpen.circuit },
      [run('probe', 70, 'providerFailure')],
      t0 + 71_000,
    );
    expect(reopened.circuit).toMatchObject({ state: 'Open', openUntil: at(130) });
  });

  it('counts every run exactly once across reconciles, by the watermark', () => {
    const runs = [run('a', 1, 'providerFailure'), run('b', 1, 'providerFailure')];
    const first = account(spec, undefined, runs, t0 + 2000);
    const again = accountAfter(first, runs, t0 + 3000);
    expect(again.circuit.consecutiveFailures).toBe(2);
    expect(again.accountedThrough).toEqual({ completionTime: at(1), job: 'b', jobs: ['a', 'b'] });
  });

  it('counts a run of the watermark second that reaches it after a later-sorting one, once', () => {
    // b (same second as a, sorting after it) is seen first: the threshold of 2 still opens the circuit.
    const onlyB = account(spec, undefined, [run('b', 1, 'providerFailure')], t0 + 1500);
    expect(onlyB.accountedThrough).toEqual({ completionTime: at(1), job: 'b', jobs: ['b'] });
    const both = [run('a', 1, 'providerFailure'), run('b', 1, 'providerFailure')];
    const withA = accountAfter(onlyB, both, t0 + 2000);
    expect(withA.circuit.consecutiveFailures).toBe(2);
    expect(withA.accountedThrough).toEqual({ completionTime: at(1), job: 'a', jobs: ['b', 'a'] });
    const third = accountAfter(withA, both, t0 + 3000);
    expect(third.circuit.consecutiveFailures).toBe(2);
    // A later second starts the list anew.
    const later = accountAfter(third, [...both, run('c', 2, 'success')], t0 + 3000);
    expect(later.accountedThrough).toEqual({ completionTime: at(2), job: 'c', jobs: ['c'] });
    expect(later.circuit.consecutiveFailures).toBe(0);
  });

  it('reads a watermark written before it listed its jobs by Job name', () => {
    const legacy = { completionTime: at(1), job: 'b' };
    const result = account(
      spec,
      { accountedThrough: legacy },
      [run('a', 1, 'providerFailure'), run('c', 1, 'providerFailure')],
      t0 + 2000,
    );
    expect(result.circuit.consecutiveFailures).toBe(1);
    expect(result.accountedThrough).toEqual({ completionTime: at(1), job: 'c', jobs: ['b', 'c'] });
  });

  it('reports rejected credentials', () => {
    const result = account(spec, undefined, [run('x', 1, 'credentialsRejected')], t0 + 2000);
    expect(result.credentialsRejected?.job).toBe('x');
    expect(result.events.map((e) => e.reason)).toEqual(['CredentialsRejected']);
  });
});

describe('spend', () => {
  it('adds token costs exactly and reports the budget exhausted once', () => {
    const usage = { inputTokens: 200_000, outputTokens: 50_000 }; // 0.5 + 0.5 = 1 USD
    const result = account(spec, undefined, [run('a', 1, 'success', usage)], t0 + 2000);
    expect(result.spend).toMatchObject({
      amount: '1',
      currency: 'USD',
      runs: 1,
      periodStart: '2026-11-22T00:00:00Z',
    });
    expect(result.events.map((e) => e.reason)).toEqual(['BudgetExhausted']);
    const later = account(
      spec,
      { spend: result.spend, accountedThrough: result.accountedThrough },
      [run('b', 5, 'success', usage)],
      t0 + 6000,
    );
    expect(later.spend?.amount).toBe('2');
    expect(later.events).toEqual([]);
  });

  it('starts from zero in a new period and ignores runs that finished in the previous one', () => {
    const old = { periodStart: '2026-11-21T00:00:00Z', amount: '5', currency: 'USD', runs: 3 };
    const result = account(
      spec,
      { spend: old },
      [run('late', -36_001, 'success', { inputTokens: 1_000_000 })],
      t0,
    );
    expect(result.spend).toMatchObject({ periodStart: '2026-11-22T00:00:00Z', amount: '0', runs: 0 });
  });

  it('knows the periods in UTC', () => {
    const sunday = Date.parse('2026-11-22T10:00:00Z');
    expect(new Date(periodStart('Week', sunday)).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(new Date(periodStart('Month', sunday)).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(nextPeriodStart('Month', Date.parse('2026-12-31T23:00:00Z'))).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
    expect(new Date(nextPeriodStart('Day', sunday)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });
});

describe('periodAdjective', () => {
  it('says each period as a budget is said', () => {
    expect((['Day', 'Week', 'Month'] as const).map(periodAdjective)).toEqual(['daily', 'weekly', 'monthly']);
  });
});
