import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { observeAttempt, type JobView } from './observe.ts';
import type { PodView } from './pod-problems.ts';

const CREATED = '2026-12-07T10:00:00Z';
const job = (over: { status?: JobView['status']; annotations?: Record<string, string> } = {}): JobView => ({
  metadata: {
    name: 's-1-b-t',
    uid: 'j-1',
    creationTimestamp: CREATED,
    labels: { [LABELS.run]: 'b-t', [LABELS.round]: '1', [LABELS.attempt]: '1', [LABELS.provider]: 'p' },
    ...(over.annotations ? { annotations: over.annotations } : {}),
  },
  status: over.status ?? {},
});
const failedJob = (annotations?: Record<string, string>) =>
  job({
    status: {
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        },
      ],
    },
    ...(annotations ? { annotations } : {}),
  });
const pod = (name: string, status: PodView['status'], created = '2026-12-07T10:00:05Z'): PodView => ({
  metadata: { name, creationTimestamp: created },
  status,
});
const pullError = pod('p-1', {
  phase: 'Pending',
  containerStatuses: [
    { name: 'runner', state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } },
  ],
});
const evicted = pod('p-0', {
  phase: 'Failed',
  reason: 'Evicted',
  message: 'The node was low on resource: memory.',
});

describe('observeAttempt: how far a running attempt is from running', () => {
  it('an attempt with a pending pod has not started since that pod was created, and says what holds it', () => {
    const attempt = observeAttempt(job({ status: { active: 1 } }), [pullError]);
    expect(attempt.phase).toBe('Active');
    expect(attempt.notStarted).toEqual({
      since: Date.parse('2026-12-07T10:00:05Z'),
      problem: { reason: 'ImagePullFailed', message: 'ErrImagePull: not found', pod: 'p-1' },
    });
  });

  it('a Job without any pod has not started since it was created; one whose pod runs has', () => {
    expect(observeAttempt(job(), []).notStarted).toEqual({ since: Date.parse(CREATED) });
    expect(observeAttempt(job({ status: { active: 1, ready: 1 } }), []).notStarted).toBeUndefined();
  });

  it('a Job replacing an evicted pod is disrupted, not counted as unstarted from its own creation', () => {
    const attempt = observeAttempt(job(), [evicted]);
    expect(attempt.notStarted).toBeUndefined();
    expect(attempt.disrupted).toMatchObject({ reason: 'Evicted', pod: 'p-0' });
    const replacing = observeAttempt(job({ status: { active: 1 } }), [evicted, pullError]);
    expect(replacing.notStarted?.problem?.reason).toBe('ImagePullFailed');
    expect(replacing.disrupted?.reason).toBe('Evicted');
  });
});

describe('observeAttempt: why a failed attempt failed', () => {
  it('an attempt the operator stopped failed for the reason on its Job, not DeadlineExceeded', () => {
    const attempt = observeAttempt(
      failedJob({
        [ANNOTATIONS.stopReason]: 'Unschedulable',
        [ANNOTATIONS.stopMessage]: 'the runner did not start',
      }),
      [],
    );
    expect(attempt.failure).toEqual({ reason: 'Unschedulable', message: 'the runner did not start' });
  });

  it("a container the kernel killed failed for memory, whatever the Job's condition says", () => {
    const oom = pod('p-1', {
      phase: 'Failed',
      containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }],
    });
    expect(observeAttempt(failedJob(), [oom]).failure).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('a run timeout stays DeadlineExceeded with the Job controller words', () => {
    expect(observeAttempt(failedJob(), []).failure).toEqual({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
  });
});
