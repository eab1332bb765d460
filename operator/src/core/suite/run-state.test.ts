import { describe, expect, it } from 'vitest';
import type { AttemptObservation } from './observe.ts';
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
    [undefined, 'DeadlineExceeded', 'provider'],
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
    expect(deriveRunState(input([failed(1, 12)]))).toMatchObject({
      state: 'Failed',
      reason: 'CredentialsRejected',
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
