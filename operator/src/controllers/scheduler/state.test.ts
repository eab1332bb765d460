import { describe, expect, it } from 'vitest';
import type { SuiteRuns } from '../../core/scheduling/suite-snapshot.ts';
import { activeAttempt } from '../../core/suite/test-attempts.ts';
import type { RunState } from '../../core/suite/run-state.ts';
import type { JobObject, PodObject, SuiteObject } from '../caches.ts';
import { attemptJob, attemptPod, providerObject, suiteObject } from '../test-objects.ts';
import { ADMISSION_EXPECTATION_TTL_MS } from './ledger.ts';
import { SchedulingState } from './state.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const suiteA = suiteObject('a', NOW);
const suiteB = suiteObject('b', NOW);

const attempt = (job: string) => activeAttempt(job);

const runsWith = (runs: Array<Partial<RunState>> = []): SuiteRuns => ({
  round: 1,
  revision: undefined,
  runs: runs as RunState[],
  policy: undefined,
  placements: [],
  lastStarted: undefined,
  unstarted: false,
  earlierRounds: undefined,
});

/** A state whose kept runs count how often each suite's runs were derived. */
function counting(state = new SchedulingState()) {
  const derived = new Map<string, number>();
  const look = (suite: SuiteObject, runs: SuiteRuns = runsWith()) => {
    const key = `ns/${suite.metadata.name}`;
    state.suiteRuns(key, suite, () => {
      derived.set(key, (derived.get(key) ?? 0) + 1);
      return runs;
    });
    return derived.get(key) ?? 0;
  };
  return { state, look };
}

const jobOf = (suite: SuiteObject, running = true): JobObject =>
  attemptJob(suite, { created: NOW, end: running ? { running: true } : { complete: NOW + 1 } });

describe('SchedulingState', () => {
  it('1: counts an admitted Job until the Job cache shows it, and only then lets it go', () => {
    const { state } = counting();
    const job = jobOf(suiteA);
    state.admitted('ns/a', attempt(job.metadata.name!), NOW);
    expect(state.pendingAttempts('ns/a').map((a) => a.job)).toEqual([job.metadata.name]);
    state.jobEvents.onAdd!(jobOf(suiteB));
    expect(state.pendingAttempts('ns/a'), "another suite's Job settles nothing").toHaveLength(1);
    state.jobEvents.onAdd!(job);
    expect(state.pendingAttempts('ns/a'), 'the cache shows it: counted there, not twice').toEqual([]);
  });

  it('1: ends an expectation whose Job was never seen after its TTL, and says when that is due', () => {
    const { state, look } = counting();
    state.admitted('ns/a', attempt('a-1-b-t'), NOW);
    expect(state.nextExpiry()).toBe(NOW + ADMISSION_EXPECTATION_TTL_MS);
    look(suiteA);
    state.expire(NOW + ADMISSION_EXPECTATION_TTL_MS - 1);
    expect(state.pendingAttempts('ns/a')).toHaveLength(1);
    expect(look(suiteA), 'nothing expired: the kept runs stand').toBe(1);
    state.expire(NOW + ADMISSION_EXPECTATION_TTL_MS);
    expect(state.pendingAttempts('ns/a')).toEqual([]);
    expect(state.nextExpiry()).toBeUndefined();
    expect(look(suiteA), 'an expired entry changes the runs: derived again').toBe(2);
  });

  it('2: derives a suite again after each change to its ledger entries, and only its own', () => {
    const { state, look } = counting();
    look(suiteA);
    look(suiteB);
    state.admitted('ns/a', attempt('a-1-b-t'), NOW);
    expect(look(suiteA)).toBe(2);
    expect(look(suiteB), 'another suite keeps its runs').toBe(1);
    state.settle('ns/a', 'a-1-b-t');
    expect(look(suiteA), 'a creation that failed').toBe(3);
  });

  it("2: derives a suite again after its Jobs' and Pods' changes, and a new suite object", () => {
    const { state, look } = counting();
    const job = jobOf(suiteA);
    const events: Array<[string, () => void]> = [
      ['Job added', () => state.jobEvents.onAdd!(job)],
      ['Job updated', () => state.jobEvents.onUpdate!(job, jobOf(suiteA, false))],
      ['Job deleted', () => state.jobEvents.onDelete!(job, false)],
      ['Pod added', () => state.podEvents.onAdd!(attemptPod(job, { created: NOW, pending: true }))],
      ['suite updated', () => state.suiteEvents.onUpdate!(suiteA, suiteA)],
      ['suite deleted', () => state.suiteEvents.onDelete!(suiteA, false)],
    ];
    let derived = look(suiteA);
    for (const [what, event] of events) {
      event();
      expect(look(suiteA), what).toBe(++derived);
    }
    expect(look({ ...suiteA }), 'a changed object is seen by identity').toBe(derived + 1);
  });

  it('2: keeps the runs through pod updates the operator does not read', () => {
    const { state, look } = counting();
    const pending = attemptPod(jobOf(suiteA), { created: NOW, pending: true });
    look(suiteA);
    const probed: PodObject = { ...pending, metadata: { ...pending.metadata, resourceVersion: '2' } };
    state.podEvents.onUpdate!(pending, probed);
    expect(look(suiteA), 'only fields the view drops changed').toBe(1);
    const scheduled: PodObject = { ...pending, status: { phase: 'Succeeded' } };
    state.podEvents.onUpdate!(pending, scheduled);
    expect(look(suiteA)).toBe(2);
  });

  it('2: derives every suite again after any ProviderPolicy or SchedulePolicy change', () => {
    const { state, look } = counting();
    look(suiteA);
    look(suiteB);
    state.policyEvents.onUpdate!(providerObject('p'), providerObject('p'));
    expect([look(suiteA), look(suiteB)]).toEqual([2, 2]);
  });

  it('never keeps runs in backoff: their admissibility depends on the clock', () => {
    const { look } = counting();
    const backingOff = runsWith([{ retryAt: NOW + 5_000 }]);
    look(suiteA, backingOff);
    expect(look(suiteA, backingOff)).toBe(2);
  });

  it("3: answers with a provider's freshest state only for the generation it was computed for", () => {
    const { state } = counting();
    const policy = providerObject('p', { circuitBreaker: { failureThreshold: 1 } });
    const open = { circuit: { state: 'Open' as const, openUntil: new Date(NOW + 60_000).toISOString() } };
    expect(state.providerObserved('ns/p', policy, open, undefined), 'a first state').toBe(true);
    expect(state.providerObserved('ns/p', policy, open, undefined), 'the same state').toBe(false);
    expect(state.providerSnapshot('ns/p', policy, NOW).circuit?.state).toBe('Open');
    const edited = { ...policy, metadata: { ...policy.metadata, generation: 2 } };
    expect(state.providerSnapshot('ns/p', edited, NOW).circuit?.state, 'a new spec: its own status').toBe(
      'Closed',
    );
    state.providerGone('ns/p');
    expect(state.providerSnapshot('ns/p', policy, NOW).circuit?.state).toBe('Closed');
  });

  it("3: a budgeted provider's finished run reserves its expected cost until its accounting has it", () => {
    const { state } = counting();
    const policy = providerObject('p', {
      cost: { currency: 'USD', inputPerMillionTokens: '1', outputPerMillionTokens: '1' },
      budget: { limit: '0.003', period: 'Day' },
    });
    const spent = {
      spend: { periodStart: '2026-12-07T00:00:00Z', amount: '0.002', currency: 'USD', runs: 2 },
    };
    state.providerObserved('ns/p', policy, spent, undefined);
    const done = jobOf(suiteA, false);
    state.jobEvents.onUpdate!(jobOf(suiteA), done);
    const held = state.providerSnapshot('ns/p', policy, NOW).budget!;
    expect(held.describe).toContain('1 finished run not yet accounted');
    expect(held.spent, "0.002 spent and the run's expected 0.001").toBe(held.limit);

    const name = done.metadata.name!;
    const accountedThrough = { completionTime: done.status!.completionTime!, job: name, jobs: [name] };
    expect(state.providerObserved('ns/p', policy, { ...spent, accountedThrough }, undefined)).toBe(true);
    expect(state.providerSnapshot('ns/p', policy, NOW).budget!.describe).toBe(
      '0.002 of its 0.003 USD daily budget',
    );
  });

  it("4: replaces a suite's waiting reasons, saying whether they changed", () => {
    const { state } = counting();
    const capacity = new Map([['b-t', { reason: 'ProviderCapacity', message: 'p is full' }]]);
    expect(state.replaceWaiting('ns/a', capacity)).toBe(true);
    expect(state.replaceWaiting('ns/a', new Map(capacity))).toBe(false);
    expect(state.waitingSuites()).toEqual(['ns/a']);
    expect(state.waitingRuns('ns/a').get('b-t')?.reason).toBe('ProviderCapacity');
    expect(state.replaceWaiting('ns/a', new Map()), 'no run waits any more').toBe(true);
    expect(state.waitingSuites()).toEqual([]);
  });
});
