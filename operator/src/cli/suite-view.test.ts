import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite } from '../api/index.ts';
import { suiteView } from './suite-view.ts';

const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-11-22T10:00:00Z',
});

const suite = (status: BenchmarkSuite['status'], suspend = false): BenchmarkSuite => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'smoke', namespace: 'team-a' },
  spec: {
    runner: { image: 'x' },
    targets: [{ name: 'x', providerRef: 'p', model: 'm' }],
    benchmarks: [{ name: 'a' }],
    suspend,
  },
  status,
});

const run = (
  name: string,
  state: 'Queued' | 'Running' | 'Succeeded' | 'Failed' | 'Retrying' | 'Blocked',
  extra = {},
) => ({
  name,
  benchmark: name.split('-')[0]!,
  target: name.split('-')[1]!,
  state,
  attempt: state === 'Queued' ? 0 : 1,
  ...extra,
});

describe('suiteView', () => {
  it('lists every waiting run with its own reason', () => {
    const view = suiteView(
      suite({
        observedGeneration: 1,
        phase: 'Running',
        round: 2,
        progress: '1/4',
        sourceRevision: 'main@sha1:4f1c2d',
        conditions: [condition('Ready', 'False', 'RoundInProgress', '1 of 4 runs finished')],
        runs: [
          run('a-x', 'Succeeded'),
          run('b-x', 'Running'),
          run('c-x', 'Queued', { reason: 'ProviderAtCapacity', message: 'openai runs 4 of 4' }),
          run('d-x', 'Blocked', { reason: 'DependencyFailed', message: 'c-x failed' }),
          run('e-x', 'Retrying', { reason: 'Backoff', message: 'attempt 2 at 10:05' }),
        ],
      }),
    );
    expect(view).toMatchObject({
      namespace: 'team-a',
      name: 'smoke',
      phase: 'Running',
      round: 2,
      progress: '1/4',
    });
    expect(view.sourceRevision).toBe('main@sha1:4f1c2d');
    expect(view.waiting).toEqual([
      { run: 'c-x', state: 'Queued', reason: 'ProviderAtCapacity', message: 'openai runs 4 of 4' },
      { run: 'd-x', state: 'Blocked', reason: 'DependencyFailed', message: 'c-x failed' },
      { run: 'e-x', state: 'Retrying', reason: 'Backoff', message: 'attempt 2 at 10:05' },
    ]);
  });

  it('gives a run without a reason the reason the whole suite waits for', () => {
    const waiting = suiteView(
      suite({
        observedGeneration: 1,
        phase: 'Waiting',
        conditions: [condition('Ready', 'False', 'OutsideWindow', 'next window opens at 22:00')],
        runs: [run('a-x', 'Queued')],
      }),
    ).waiting;
    expect(waiting).toEqual([
      { run: 'a-x', state: 'Queued', reason: 'OutsideWindow', message: 'next window opens at 22:00' },
    ]);
    const stalled = suiteView(
      suite({
        observedGeneration: 1,
        phase: 'Pending',
        conditions: [
          condition('Ready', 'False', 'ReferenceMissing', 'ProviderPolicy openai not found'),
          condition('Stalled', 'True', 'ReferenceMissing', 'ProviderPolicy openai not found'),
        ],
        runs: [run('a-x', 'Queued')],
      }),
    );
    expect(stalled.stalled).toEqual({
      status: 'True',
      reason: 'ReferenceMissing',
      message: 'ProviderPolicy openai not found',
    });
    expect(stalled.waiting[0]!.reason).toBe('ReferenceMissing');
  });

  it('shows a suite the operator has not seen yet as Unknown, and suspension', () => {
    const view = suiteView(suite(undefined, true));
    expect(view).toMatchObject({ phase: 'Unknown', round: 0, suspended: true, runs: [], waiting: [] });
  });
});
