import { describe, expect, it } from 'vitest';
import { schedule, type SuiteSnapshot } from '../scheduling/engine.ts';
import type { RunState } from '../suite/run-state.ts';
import { jobRejected, runAdmitted, runDeferred } from './admission.ts';
import { providerDecision } from './provider.ts';
import { suiteRef, type SuiteSubject } from './suite.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const subject: SuiteSubject = {
  ref: suiteRef({ metadata: { namespace: 'ns', name: 's', uid: 'u-1' } }),
  round: 1,
  revision: 'abc123',
  schedulePolicy: 'nightly',
};

function queued(name: string): RunState {
  return {
    spec: { name, order: 0, benchmark: { name }, target: { name: 't', providerRef: 'p0', model: 'm' } },
    state: 'Queued',
    reason: 'Queued',
    message: '',
    attempt: 0,
    admissible: true,
  };
}

describe('admission decisions', () => {
  const runs = [queued('a'), queued('b')];
  const suite: SuiteSnapshot = {
    key: 'ns/s',
    namespace: 'ns',
    createdAt: 0,
    priority: 5,
    runs,
    placements: runs.map(() => ({ provider: 'ns/p0', model: 'm' })),
  };
  const { decisions } = schedule({
    now: NOW,
    suites: [suite],
    providers: new Map([['ns/p0', { maxConcurrentRuns: 1 }]]),
    policies: new Map(),
  });

  it('record the capacity, circuit and priority an admission was decided on', () => {
    const admit = decisions.find((d) => d.type === 'admit')!;
    expect(runAdmitted(subject, runs[0]!.spec, admit as never, 's-1-a-t', NOW)).toEqual({
      id: 'u-1/r1/a/a1/RunAdmitted',
      reason: 'RunAdmitted',
      eventReason: 'RunAdmitted',
      type: 'Normal',
      action: 'Admit',
      regarding: {
        apiVersion: 'bench.dev/v1alpha1',
        kind: 'BenchmarkSuite',
        namespace: 'ns',
        name: 's',
        uid: 'u-1',
      },
      related: { apiVersion: 'batch/v1', kind: 'Job', namespace: 'ns', name: 's-1-a-t' },
      message: 'run a attempt 1: admitted on provider p0 (priority 5); Job s-1-a-t',
      time: '2026-11-22T12:00:00.000Z',
      facts: {
        round: 1,
        revision: 'abc123',
        run: 'a',
        benchmark: 'a',
        target: 't',
        attempt: 1,
        job: 's-1-a-t',
        provider: 'p0',
        model: 'm',
        schedulePolicy: 'nightly',
        priority: 5,
        capacity: { provider: { inUse: 0, limit: 1 } },
        circuit: { state: 'Closed' },
      },
    });
  });

  it('record why a run waits, the cap that holds it, and why it waited before', () => {
    const defer = decisions.find((d) => d.type === 'defer')!;
    const record = runDeferred(subject, runs[1]!.spec, 1, defer, 'Queued', NOW);
    expect(record).toMatchObject({
      id: 'u-1/r1/b/a1/RunDeferred/ProviderCapacity',
      message: 'run b attempt 1 waits (ProviderCapacity): 1 of 1 runs of provider p0 in use; first in line',
      facts: {
        priority: 5,
        wait: { reason: 'ProviderCapacity', previousReason: 'Queued', capacity: { inUse: 1, limit: 1 } },
      },
    });
    expect(record.related).toBeUndefined();
  });

  it("record a refused Job with the server's answer and when it is tried again; each refusal its own id", () => {
    const refusal = {
      attempt: 1,
      job: 's-1-a-t',
      provider: 'ns/p0',
      model: 'm',
      code: 403,
      statusReason: 'Forbidden',
      message:
        'the API server refused Job s-1-a-t (403 Forbidden): exceeded quota; refused 2 times, trying again at 2026-11-22T12:00:20.000Z',
      refusals: 2,
      retryAt: NOW + 20_000,
    };
    const record = jobRejected(subject, runs[0]!.spec, refusal, NOW);
    expect(record).toEqual({
      id: 'u-1/r1/a/a1/JobRejected/2026-11-22T12:00:00.000Z',
      reason: 'JobRejected',
      eventReason: 'JobRejected',
      type: 'Warning',
      action: 'CreateJob',
      regarding: subject.ref,
      related: { apiVersion: 'batch/v1', kind: 'Job', namespace: 'ns', name: 's-1-a-t' },
      message: `run a attempt 1: ${refusal.message}`,
      time: '2026-11-22T12:00:00.000Z',
      facts: {
        round: 1,
        revision: 'abc123',
        run: 'a',
        benchmark: 'a',
        target: 't',
        attempt: 1,
        job: 's-1-a-t',
        provider: 'p0',
        model: 'm',
        schedulePolicy: 'nightly',
        rejection: { code: 403, reason: 'Forbidden', refusals: 2, retryAt: '2026-11-22T12:00:20.000Z' },
      },
    });
    expect(jobRejected(subject, runs[0]!.spec, refusal, NOW + 40_000).id).not.toBe(record.id);
  });
});

describe('provider decisions', () => {
  it('take their id from the accounting event, so accounting the same runs again keeps it', () => {
    const policy = {
      metadata: { namespace: 'ns', name: 'flaky', uid: 'p-1' },
      spec: { provider: 'openai' as const },
    };
    const event = {
      reason: 'CircuitOpened' as const,
      type: 'Warning' as const,
      message: '5 consecutive provider failures',
      at: NOW,
      job: 's-1-a-t',
    };
    const status = {
      circuit: { state: 'Open' as const, consecutiveFailures: 5, openUntil: '2026-11-22T12:05:00Z' },
    };
    const first = providerDecision(policy, event, status, NOW);
    expect(first).toMatchObject({
      id: 'p-1/2026-11-22T12:00:00.000Z/CircuitOpened',
      regarding: { kind: 'ProviderPolicy', name: 'flaky' },
      related: { kind: 'Job', name: 's-1-a-t' },
      facts: { circuit: { state: 'Open', consecutiveFailures: 5 } },
    });
    expect(providerDecision(policy, event, status, NOW + 60_000).id).toBe(first.id);
  });
});
