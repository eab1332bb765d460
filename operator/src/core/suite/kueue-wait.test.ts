// A run whose Job waits in a Kueue LocalQueue, from the Job as the cache holds it (observe.ts) to
// the run's state (run-state.ts): no start timeout while Kueue holds it, counted from Kueue's
// admission once it runs, and a Job Kueue suspends after it ran requeued, not failed.
import { describe, expect, it } from 'vitest';
import { KUEUE_QUEUE_LABEL } from '../render/kueue.ts';
import { LABELS } from '../render/labels.ts';
import { REQUEUED_BY_KUEUE, WAITING_FOR_KUEUE } from './kueue-wait.ts';
import { observeAttempt, type JobView } from './observe.ts';
import { deriveRunState, type RunStateInput, type RunStatusEntry } from './run-state.ts';

const CREATED = Date.parse('2026-12-07T10:00:00Z');
const START_TIMEOUT_MS = 5 * 60_000;
const JOB = 's-1-b-t';

type Condition = NonNullable<NonNullable<JobView['status']>['conditions']>[number];
const suspendedCondition = (status: 'True' | 'False', at: number): Condition => ({
  type: 'Suspended',
  status,
  reason: status === 'True' ? 'JobSuspended' : 'JobResumed',
  lastTransitionTime: new Date(at).toISOString(),
});

/** Job attempt 1 of run b-t in LocalQueue `team-queue`, suspended or not, with its Suspended condition. */
const queuedJob = (suspend: boolean, condition?: Condition): JobView => ({
  metadata: {
    name: JOB,
    uid: `j-${suspend}-${condition?.lastTransitionTime ?? ''}`,
    creationTimestamp: new Date(CREATED).toISOString(),
    labels: {
      [LABELS.run]: 'b-t',
      [LABELS.round]: '1',
      [LABELS.attempt]: '1',
      [LABELS.provider]: 'p',
      [KUEUE_QUEUE_LABEL]: 'team-queue',
    },
  },
  spec: { suspend },
  status: condition ? { conditions: [condition] } : {},
});

/** The run's last status: its state and reason for `attempt` (Job JOB from attempt 1 on). */
const entry = (state: RunStatusEntry['state'], reason: string, attempt = 1): RunStatusEntry => ({
  name: 'b-t',
  benchmark: 'b',
  target: 't',
  state,
  reason,
  attempt,
  ...(attempt > 0 ? { job: JOB } : {}),
});

const state = (job: JobView, now: number, previous?: RunStatusEntry) => {
  const input: RunStateInput = {
    spec: {
      name: 'b-t',
      order: 0,
      benchmark: { name: 'b' },
      target: { name: 't', providerRef: 'p', model: 'm' },
    },
    attempts: [observeAttempt(job, [])],
    ...(previous ? { previous } : {}),
    retry: undefined,
    suiteKey: 'ns/s',
    startTimeoutMs: START_TIMEOUT_MS,
    now,
  };
  return deriveRunState(input);
};

describe('a run whose Job waits for Kueue', () => {
  it('shows WaitingForKueue naming the LocalQueue, and is never stopped for not starting', () => {
    const job = queuedJob(true, suspendedCondition('True', CREATED));
    const run = state(job, CREATED + 10 * START_TIMEOUT_MS);
    expect(run).toMatchObject({ state: 'Running', reason: WAITING_FOR_KUEUE, admissible: false, attempt: 1 });
    expect(run.message).toContain('LocalQueue team-queue');
    expect(run.stop).toBeUndefined();
    expect(run.wakeAt).toBeUndefined();
  });

  it('counts its start timeout from when Kueue admitted it, not from the Job’s creation', () => {
    const admitted = CREATED + 3 * START_TIMEOUT_MS;
    const job = queuedJob(false, suspendedCondition('False', admitted));
    const soon = state(job, admitted + START_TIMEOUT_MS / 2);
    expect(soon).toMatchObject({ reason: 'Running', wakeAt: admitted + START_TIMEOUT_MS });
    expect(soon.stop).toBeUndefined();
    expect(state(job, admitted + START_TIMEOUT_MS).stop?.reason).toBe('NotStarted');
  });

  it('is requeued, not failed, when Kueue suspends its Job again after it ran', () => {
    const job = queuedJob(true, suspendedCondition('True', CREATED + 60_000));
    const wasRunning = entry('Running', 'Running');
    const requeued = state(job, CREATED + 120_000, wasRunning);
    expect(requeued).toMatchObject({
      state: 'Running',
      reason: REQUEUED_BY_KUEUE,
      attempt: 1,
      admissible: false,
    });
    expect(requeued.message).toContain('re-admits it from LocalQueue team-queue');
    expect(requeued.failureClass).toBeUndefined();
    // It stays requeued while it waits (its own status says so), until Kueue starts it again.
    expect(state(job, CREATED + 180_000, entry('Running', REQUEUED_BY_KUEUE)).reason).toBe(REQUEUED_BY_KUEUE);
  });

  it('waits, not requeued, when its last status was already waiting or was another attempt’s', () => {
    const job = queuedJob(true, suspendedCondition('True', CREATED));
    const waiting = entry('Running', WAITING_FOR_KUEUE);
    const queued = entry('Queued', 'Queued', 0);
    expect(state(job, CREATED + 1000, waiting).reason).toBe(WAITING_FOR_KUEUE);
    expect(state(job, CREATED + 1000, queued).reason).toBe(WAITING_FOR_KUEUE);
  });
});
