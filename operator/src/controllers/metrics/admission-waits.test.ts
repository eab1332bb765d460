import { describe, expect, it } from 'vitest';
import type { SuiteObject } from '../caches.ts';
import { AdmissionWaits } from './admission-waits.ts';

type Run = { name: string; state: string; reason?: string; attempt: number };

const suite = (name: string, runs: Run[], round = 1) =>
  ({
    metadata: { namespace: 'team', name, uid: `uid-${name}` },
    spec: {},
    status: { round, runs },
  }) as unknown as SuiteObject;

const minute = 60_000;

describe('AdmissionWaits', () => {
  it('ages a run from when it was first seen waiting for admission, the longest per suite', () => {
    const waits = new AdmissionWaits();
    const r1 = { name: 'r1', state: 'Queued', reason: 'ProviderCapacity', attempt: 0 };
    const r2 = { name: 'r2', state: 'Queued', reason: 'CircuitOpen', attempt: 0 };
    expect(waits.observe([suite('a', [r1])], 0)).toEqual(new Map([['team/a', 0]]));
    // A new reason is the same wait; a run seen later is younger.
    const later = { ...r1, reason: 'BudgetExhausted' };
    expect(waits.observe([suite('a', [later, r2])], 10 * minute)).toEqual(new Map([['team/a', 600]]));
    expect(waits.observe([suite('a', [later, r2])], 15 * minute)).toEqual(new Map([['team/a', 900]]));
  });

  it('forgets a run once it no longer waits for admission: started, waiting by design, or a new attempt or round', () => {
    const waits = new AdmissionWaits();
    const queued = { name: 'r1', state: 'Queued', reason: 'ProviderCapacity', attempt: 0 };
    waits.observe([suite('a', [queued])], 0);
    // Waits by design (dependencies, backoff, schedule, window, suspension) are not counted.
    const byDesign = [
      'WaitingForDependencies',
      'Backoff',
      'WaitingForSchedule',
      'OutsideWindow',
      'Suspended',
    ];
    for (const reason of byDesign) {
      expect(waits.observe([suite('a', [{ ...queued, reason }])], minute)).toEqual(new Map());
    }
    expect(waits.observe([suite('a', [queued])], 2 * minute)).toEqual(new Map([['team/a', 0]]));
    const retry = { name: 'r1', state: 'Retrying', reason: 'Retrying', attempt: 1 };
    expect(waits.observe([suite('a', [retry])], 5 * minute)).toEqual(new Map([['team/a', 0]]));
    expect(waits.observe([suite('a', [retry], 2)], 6 * minute)).toEqual(new Map([['team/a', 0]]));
    expect(
      waits.observe([suite('a', [{ ...retry, state: 'Running', reason: 'Running' }], 2)], 7 * minute),
    ).toEqual(new Map());
    expect(waits.observe([], 8 * minute)).toEqual(new Map());
  });
});
