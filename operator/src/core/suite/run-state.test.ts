import { activeAttempt } from './test-attempts.ts';
import { describe, expect, it } from 'vitest';
import type { AttemptObservation } from './observe.ts';
import type { PodProblem } from './pod-problems.ts';
import { classifyFailure, deriveRunState, deriveRunStates, type RunStateInput } from './run-state.ts';
import type { RunSpec } from './runs.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const spec = (benchmark: string, dependsOn?: string[]): RunSpec => ({
  name: `${benchmark}-t`,
  order: 0,
  benchmark: { name: benchmark, ...(dependsOn ? { dependsOn } : {}) },
  target: { name: 't', providerRef: 'p', model: 'm' },
});
const failed = (
  attempt: number,
  exitCode: number | undefined,
  reason = 'PodFailurePolicy',
): AttemptObservation => ({
  job: `s-1-b-t${attempt > 1 ? `-a${attempt}` : ''}`,
  run: 'b-t',
  round: 1,
  attempt,
  provider: 'p',
  model: 'm',
  phase: 'Failed',
  completionTime: '2026-11-22T11:59:59Z',
  failure: { ...(exitCode !== undefined ? { exitCode } : {}), reason, message: 'boom' },
});
const input = (attempts: AttemptObservation[], over: Partial<RunStateInput> = {}): RunStateInput => ({
  spec: spec('b'),
  attempts,
  retry: { limit: 2, backoff: { initial: '10s', jitterPercent: 0 } },
  suiteKey: 'ns/s',
  now: NOW,
  ...over,
});

describe('failure classification', () => {
  it.each([
    [2, 'PodFailurePolicy', 'config'],
    [12, 'PodFailurePolicy', 'credentials'],
    [10, 'PodFailurePolicy', 'provider'],
    [11, 'PodFailurePolicy', 'provider'],
    // The judge's provider's failures, apart: they count for the judge's provider, not the target's.
    [20, 'PodFailurePolicy', 'judgeProvider'],
    [21, 'PodFailurePolicy', 'judgeProvider'],
    [22, 'PodFailurePolicy', 'judgeCredentials'],
    // A run timeout, and what Kubernetes did to the pod, are never the provider's failure.
    [undefined, 'DeadlineExceeded', 'run'],
    [undefined, 'ImagePullFailed', 'pod'],
    [undefined, 'Unschedulable', 'pod'],
    [137, 'OOMKilled', 'pod'],
    [1, 'BackoffLimitExceeded', 'run'],
    [137, 'BackoffLimitExceeded', 'run'],
  ] as const)('exit code %s (%s) is a %s failure', (code, reason, expected) => {
    expect(classifyFailure(failed(1, code, reason))).toBe(expected);
  });
});

describe('run states', () => {
  it('does not retry configuration errors and rejected credentials', () => {
    expect(deriveRunState(input([failed(1, 2)]))).toMatchObject({
      state: 'Failed',
      reason: 'BenchmarkError',
      admissible: false,
    });
    for (const code of [12, 22])
      expect(deriveRunState(input([failed(1, code)]))).toMatchObject({
        state: 'Failed',
        reason: 'CredentialsRejected',
      });
  });

  it("retries the judge's provider failures as the target's", () => {
    expect(deriveRunState(input([failed(1, 20)]))).toMatchObject({
      state: 'Retrying',
      failureClass: 'judgeProvider',
    });
  });

  it('waits out the backoff, then lets the next attempt be admitted, up to the limit', () => {
    const waiting = deriveRunState(input([failed(1, 1)]));
    expect(waiting).toMatchObject({
      state: 'Retrying',
      reason: 'Backoff',
      admissible: false,
      retryAt: NOW + 9000,
    });
    const due = deriveRunState(input([failed(1, 1)], { now: NOW + 9000 }));
    expect(due).toMatchObject({ state: 'Retrying', reason: 'Retrying', admissible: true, attempt: 1 });
    const exhausted = deriveRunState(input([failed(1, 1), failed(2, 1), failed(3, 1)]));
    expect(exhausted).toMatchObject({ state: 'Failed', reason: 'RetriesExhausted' });
  });

  it('blocks dependents of a failed run and holds those of an unfinished one', () => {
    const states = deriveRunStates([
      input([failed(1, 2)], { spec: spec('a') }),
      input([], { spec: spec('b', ['a']) }),
      input([], { spec: spec('c', ['b']) }),
    ]);
    expect(states.map((s) => [s.spec.name, s.state, s.reason])).toEqual([
      ['a-t', 'Failed', 'BenchmarkError'],
      ['b-t', 'Blocked', 'DependencyFailed'],
      ['c-t', 'Blocked', 'DependencyFailed'],
    ]);
    const pending = deriveRunStates([input([], { spec: spec('a') }), input([], { spec: spec('b', ['a']) })]);
    expect(pending[1]).toMatchObject({
      state: 'Queued',
      reason: 'WaitingForDependencies',
      admissible: false,
    });
  });

  it('keeps a finished run whose Job is gone from the previous status', () => {
    const previous = {
      name: 'b-t',
      benchmark: 'b',
      target: 't',
      state: 'Succeeded' as const,
      attempt: 1,
      job: 's-1-b-t',
      result: { score: 0.9 },
    };
    expect(deriveRunState(input([], { previous }))).toMatchObject({
      state: 'Succeeded',
      job: 's-1-b-t',
      result: { score: 0.9 },
    });
  });
});

describe('attempts whose runner has not started (docs/run-failures.md)', () => {
  const START_TIMEOUT = 600_000;
  const active = (over: Partial<AttemptObservation> = {}) => activeAttempt('s-1-b-t', over);
  const stuck = (since: number, problem?: { problem: PodProblem }) =>
    active({ notStarted: { since, ...problem } });
  const unschedulable = {
    problem: {
      reason: 'Unschedulable' as const,
      message: '0/5 nodes are available: 5 Insufficient nvidia.com/gpu.',
      pod: 'pod-1',
    },
  };

  it('shows why and when the attempt will be stopped, and wakes then', () => {
    const since = NOW - 60_000;
    const state = deriveRunState(input([stuck(since, unschedulable)], { startTimeoutMs: START_TIMEOUT }));
    expect(state).toMatchObject({ state: 'Running', reason: 'Unschedulable', wakeAt: since + START_TIMEOUT });
    expect(state.message).toContain('pod pod-1: 0/5 nodes are available');
    expect(state.message).toContain(new Date(since + START_TIMEOUT).toISOString());
    expect(state.stop).toBeUndefined();
  });

  it('stops it once the start timeout has passed, and at once when waiting cannot help', () => {
    const late = deriveRunState(
      input([stuck(NOW - START_TIMEOUT, unschedulable)], { startTimeoutMs: START_TIMEOUT }),
    );
    expect(late.stop).toMatchObject({ job: 's-1-b-t', reason: 'Unschedulable' });
    expect(late.stop!.message).toContain('did not start within 600s');
    const invalid = deriveRunState(
      input([
        stuck(NOW, { problem: { reason: 'InvalidImage', message: 'InvalidImageName: bad', pod: 'pod-1' } }),
      ]),
    );
    expect(invalid.stop).toMatchObject({ reason: 'InvalidImage' });
    const plain = deriveRunState(input([stuck(NOW - START_TIMEOUT - 1)], { startTimeoutMs: START_TIMEOUT }));
    expect(plain).toMatchObject({ reason: 'NotStarted' });
    expect(plain.stop?.reason).toBe('NotStarted');
  });

  it('reads a pod starting as usual as Running, and only wakes for its start timeout', () => {
    const since = NOW - 5_000;
    expect(deriveRunState(input([stuck(since)], { startTimeoutMs: START_TIMEOUT }))).toMatchObject({
      state: 'Running',
      reason: 'Running',
      message: 'Job s-1-b-t is running',
      wakeAt: since + START_TIMEOUT,
    });
  });

  it('does not stop an attempt twice', () => {
    const state = deriveRunState(
      input([{ ...stuck(0, unschedulable), stopped: { reason: 'Unschedulable', message: 'gone' } }]),
    );
    expect(state).toMatchObject({ state: 'Running', reason: 'Unschedulable' });
    expect(state.stop).toBeUndefined();
  });

  it('fails a stopped attempt without retry when waiting cannot fix it, and retries an unschedulable one', () => {
    const stopped = (reason: string) => failed(1, undefined, reason);
    expect(deriveRunState(input([stopped('ImagePullFailed')]))).toMatchObject({
      state: 'Failed',
      reason: 'ImagePullFailed',
      failureClass: 'pod',
    });
    expect(deriveRunState(input([stopped('OOMKilled')]))).toMatchObject({
      state: 'Failed',
      reason: 'OOMKilled',
    });
    expect(deriveRunState(input([stopped('Unschedulable')]))).toMatchObject({
      state: 'Retrying',
      failureClass: 'pod',
    });
    expect(
      deriveRunState(
        input([
          failed(1, undefined, 'Unschedulable'),
          failed(2, undefined, 'Unschedulable'),
          failed(3, undefined, 'Unschedulable'),
        ]),
      ),
    ).toMatchObject({
      state: 'Failed',
      reason: 'Unschedulable',
    });
  });

  it('names a pod Kubernetes replaced for the rest of the attempt', () => {
    const state = deriveRunState(
      input([active({ disrupted: { reason: 'Preempted', message: 'preempted by ns/big', pod: 'pod-1' } })]),
    );
    expect(state).toMatchObject({ state: 'Running', reason: 'Preempted' });
    expect(state.message).toContain('pod pod-1 was preempted (preempted by ns/big); the Job replaced it');
  });
});
