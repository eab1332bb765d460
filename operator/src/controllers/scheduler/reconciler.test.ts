import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../core/decisions/record.ts';
import { LABELS } from '../../core/render/labels.ts';
import { ApiError } from '../../runtime/client/errors.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import type { KubeObject } from '../../runtime/client/resource.ts';
import { byNamespace, byOwnerUid, Store } from '../../runtime/informer/store.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import type { Caches, JobObject, ProviderObject, SuiteObject } from '../caches.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import { informer, reconcileContext, suiteObject } from '../test-objects.ts';
import { ADMISSION_EXPECTATION_TTL_MS } from './ledger.ts';
import { MAX_ADMISSIONS_PER_PASS, nextPass, schedulerReconciler } from './reconciler.ts';
import { REJECTION_BACKOFF, RejectionBook, TRANSIENT_BACKOFF } from './rejections.ts';
import { SchedulingState } from './state.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const QUOTA =
  'jobs.batch "refused-1-b-t" is forbidden: exceeded quota: no-jobs, requested: count/jobs.batch=1, used: count/jobs.batch=0, limited: count/jobs.batch=0';

/** A suite in round 1, its spec as given. */
const suite = (name: string, spec: Partial<SuiteObject['spec']> = {}): SuiteObject =>
  suiteObject(name, NOW, spec, { round: 1, roundGeneration: 1, observedGeneration: 1 });

/** Attempt 1 of the suite's run b-t, failed (retryable) at `failedAt`. */
function failedJob(owner: SuiteObject, failedAt: number): JobObject {
  const name = owner.metadata.name!;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      namespace: 'ns',
      name: `${name}-1-b-t`,
      uid: `job-${name}`,
      creationTimestamp: new Date(failedAt - 10_000).toISOString(),
      ownerReferences: [{ uid: owner.metadata.uid! }],
      labels: {
        [LABELS.suite]: name,
        [LABELS.round]: '1',
        [LABELS.run]: 'b-t',
        [LABELS.attempt]: '1',
        [LABELS.provider]: 'p',
      },
    },
    status: {
      startTime: new Date(failedAt - 10_000).toISOString(),
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          lastTransitionTime: new Date(failedAt).toISOString(),
        },
      ],
    },
  } as unknown as JobObject;
}

interface PassInputs {
  suites: SuiteObject[];
  jobs?: JobObject[];
  maxConcurrentRuns?: number;
  /** The operator's own cap (--scheduler-max-active-runs). */
  maxActiveRuns?: number;
  /** What the API server answers a Job's apply with, when not the Job. */
  refuse?: (job: KubeObject) => Error | undefined;
}

/** The scheduler's pass over these suites and one provider `p`, with the writes and records it makes. */
function passOver(inputs: PassInputs) {
  const clock = new FakeClock(NOW);
  const suites = new Store<SuiteObject>({ namespace: byNamespace });
  const providers = new Store<ProviderObject>({ namespace: byNamespace });
  const jobs = new Store<JobObject>({ owner: byOwnerUid });
  for (const s of inputs.suites) suites.upsert(s);
  providers.upsert({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { namespace: 'ns', name: 'p', uid: 'uid-p', generation: 1 },
    spec: {
      provider: 'openai-compatible',
      endpoint: 'http://healthy.invalid',
      ...(inputs.maxConcurrentRuns ? { maxConcurrentRuns: inputs.maxConcurrentRuns } : {}),
    },
  });
  for (const job of inputs.jobs ?? []) jobs.upsert(job);
  const caches = {
    suites: informer(suites),
    providers: informer(providers),
    policies: informer(new Store()),
    jobs: informer(jobs),
    pods: informer(new Store({ owner: byOwnerUid })),
    rounds: informer(new Store({ owner: byOwnerUid })),
  } as unknown as Caches;
  const applied: string[] = [];
  const client = {
    apply(_type: unknown, job: KubeObject) {
      applied.push(job.metadata.name!);
      const refusal = inputs.refuse?.(job);
      return refusal ? Promise.reject(refusal) : Promise.resolve(job);
    },
  } as unknown as KubeClient;
  const recorded: DecisionRecord[] = [];
  let auditRefuses = (_records: DecisionRecord[]) => false;
  const decisions = {
    record(records: DecisionRecord[]) {
      if (auditRefuses(records)) return Promise.reject(new Error('the audit outbox could not be written'));
      recorded.push(...records);
      return Promise.resolve();
    },
    auditBacklogHold: () => undefined,
  } as unknown as DecisionRecorder;
  const state = new SchedulingState();
  const rejections = new RejectionBook();
  const pass = schedulerReconciler({
    caches,
    client,
    decisions,
    state,
    clock,
    enqueueSuite: () => {},
    rejections,
    maxActiveRuns: inputs.maxActiveRuns,
  });
  const context = reconcileContext();
  return {
    clock,
    applied,
    recorded,
    state,
    rejections,
    providers,
    failRecords: (fail: (records: DecisionRecord[]) => boolean) => (auditRefuses = fail),
    run: async (at: number) => {
      clock.advance(at - clock.now());
      applied.length = 0;
      return pass(context);
    },
  };
}

/**
 * Two suites: `refused`, whose Jobs the API server refuses with `refusal`, and `retrying`, whose
 * run failed at NOW and is retried 5 s later.
 */
function setup(refusal: () => Error) {
  const retrying = suite('retrying', { retry: { limit: 2, backoff: { initial: '5s', jitterPercent: 0 } } });
  return passOver({
    suites: [suite('refused'), retrying],
    jobs: [failedJob(retrying, NOW)],
    refuse: (job) => (job.metadata.labels?.[LABELS.suite] === 'refused' ? refusal() : undefined),
  });
}

const quotaRefusal = () =>
  new ApiError(403, 'PATCH', '/apis/batch/v1/namespaces/ns/jobs/refused-1-b-t', {
    kind: 'Status',
    reason: 'Forbidden',
    message: QUOTA,
  });

describe('scheduling pass: a refused Job', () => {
  it("holds back its run alone with its own backoff, and keeps every other suite's wake-up", async () => {
    const t = setup(quotaRefusal);

    // The refused run's backoff (10 s) ends after the other suite's retry (5 s): the pass wakes for the retry.
    expect(await t.run(NOW)).toEqual({ requeueAfterMs: 5_000 });
    expect(t.applied).toEqual(['refused-1-b-t']);
    const shown = t.state.waitingRuns('ns/refused').get('b-t');
    expect(shown?.reason).toBe('JobRejected');
    expect(shown?.message).toBe(
      `the API server refused Job refused-1-b-t (403 Forbidden): ${QUOTA}; refused 1 time, trying again at ${new Date(NOW + REJECTION_BACKOFF.initialMs).toISOString()}`,
    );
    const rejected = t.recorded.filter((r) => r.reason === 'JobRejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      type: 'Warning',
      related: { kind: 'Job', name: 'refused-1-b-t' },
      facts: {
        run: 'b-t',
        attempt: 1,
        rejection: {
          code: 403,
          reason: 'Forbidden',
          refusals: 1,
          retryAt: new Date(NOW + 10_000).toISOString(),
        },
      },
    });

    // Passes before its backoff ends (other events bring them) leave it alone and keep the wake-ups.
    expect(await t.run(NOW + 1_000)).toEqual({ requeueAfterMs: 4_000 });
    expect(t.applied).toEqual([]);
    expect(t.state.waitingRuns('ns/refused').get('b-t')?.message).toBe(shown?.message);

    // The other suite's retry is created on time; then the pass wakes for the refused run.
    expect(await t.run(NOW + 5_000)).toEqual({ requeueAfterMs: 5_000 });
    expect(t.applied).toEqual(['retrying-1-b-t-a2']);

    // Tried again when its backoff ends, refused again: the next wait is twice as long.
    expect(await t.run(NOW + 10_000)).toEqual({ requeueAfterMs: 20_000 });
    expect(t.applied).toEqual(['refused-1-b-t']);
    expect(t.state.waitingRuns('ns/refused').get('b-t')?.message).toContain(
      `refused 2 times, trying again at ${new Date(NOW + 30_000).toISOString()}`,
    );
    expect(
      t.recorded.filter((r) => r.reason === 'JobRejected').map((r) => r.facts.rejection?.refusals),
    ).toEqual([1, 2]);
    // Nothing else about the run was recorded while it waited (its own decision says it all).
    expect(t.recorded.filter((r) => r.reason === 'RunDeferred')).toEqual([]);
  });

  it('tries at once when what the Job is made from changes, and starts the backoff over', async () => {
    const t = setup(quotaRefusal);
    await t.run(NOW);
    await t.run(NOW + 1_000);
    expect(t.applied).toEqual([]);
    // The ProviderPolicy's spec changed: the refusal says nothing about the Job made from it now.
    const provider = t.providers.getByName('ns', 'p')!;
    t.providers.upsert({ ...provider, metadata: { ...provider.metadata, generation: 2 } });
    await t.run(NOW + 2_000);
    expect(t.applied).toEqual(['refused-1-b-t']);
    expect(t.state.waitingRuns('ns/refused').get('b-t')?.message).toContain(
      `refused 1 time, trying again at ${new Date(NOW + 12_000).toISOString()}`,
    );
  });

  it('records a refusal the audit outbox could not store with a later pass, and looks again soon', async () => {
    const t = setup(quotaRefusal);
    t.failRecords((records) => records.some((r) => r.reason === 'JobRejected'));
    // The refusal is not on record yet: the pass comes back after the transient backoff.
    expect(await t.run(NOW)).toEqual({ requeueAfterMs: TRANSIENT_BACKOFF.initialMs });
    expect(t.applied).toEqual(['refused-1-b-t']);
    expect(t.state.waitingRuns('ns/refused').get('b-t')?.reason).toBe('JobRejected');
    t.failRecords(() => false);
    // Still held (no second refusal); its decision is recorded now.
    expect(await t.run(NOW + 1_000)).toEqual({ requeueAfterMs: 4_000 });
    expect(t.applied).toEqual([]);
    expect(t.recorded.filter((r) => r.reason === 'JobRejected')).toHaveLength(1);
  });

  it('makes no Job while the decisions of the pass cannot be recorded, and looks again soon', async () => {
    const t = setup(quotaRefusal);
    t.failRecords(() => true);
    expect(await t.run(NOW)).toEqual({ requeueAfterMs: TRANSIENT_BACKOFF.initialMs });
    expect(await t.run(NOW + 1_000)).toEqual({ requeueAfterMs: 2 * TRANSIENT_BACKOFF.initialMs });
    expect(t.applied).toEqual([]);
    t.failRecords(() => false);
    expect(await t.run(NOW + 2_000)).toEqual({ requeueAfterMs: 3_000 });
    expect(t.applied).toEqual(['refused-1-b-t']);
  });
});

describe('scheduling pass: transient failures', () => {
  it('looks again soon, backing off up to a bound, and never after another suite is due', async () => {
    const unavailable = () =>
      new ApiError(503, 'PATCH', '/apis/batch/v1/namespaces/ns/jobs/refused-1-b-t', {
        reason: 'ServiceUnavailable',
        message: 'etcdserver: leader changed',
      });
    const t = setup(unavailable);
    expect(await t.run(NOW)).toEqual({ requeueAfterMs: 1_000 });
    expect(t.state.waitingRuns('ns/refused').get('b-t')).toBeUndefined();
    expect(await t.run(NOW + 1_000)).toEqual({ requeueAfterMs: 2_000 });
    expect(await t.run(NOW + 3_000)).toEqual({ requeueAfterMs: 2_000 }); // the retry at NOW + 5 s comes first
    expect(t.applied).toEqual(['refused-1-b-t']);
    expect(t.recorded.filter((r) => r.reason === 'JobRejected')).toEqual([]);
  });

  it('treats a network error as transient', async () => {
    const t = setup(() => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await t.run(NOW)).toEqual({ requeueAfterMs: 1_000 });
    expect(t.rejections.size).toBe(0);
  });
});

describe('nextPass', () => {
  it('asks for the earliest time due, at least 1 ms ahead, and never for the shared backoff', () => {
    expect(nextPass(NOW, [undefined, NOW + 7_000, NOW + 3_000])).toEqual({ requeueAfterMs: 3_000 });
    expect(nextPass(NOW, [NOW - 5])).toEqual({ requeueAfterMs: 1 });
    expect(nextPass(NOW, [undefined])).toEqual({});
  });
});

/** One provider `p` capped at one run, one suite `s` (run b-t) in round `round`, and `jobs` in the cache. */
function capacitySetup(round: number, jobs: JobObject[]) {
  const s = suite('s');
  s.status = { round, roundGeneration: 1, observedGeneration: 1 };
  return passOver({ suites: [s], jobs, maxConcurrentRuns: 1 });
}

/** The suite's run b-t of an earlier round, still running on provider p. */
function runningJobOfRound(owner: SuiteObject, round: number): JobObject {
  const job = failedJob(owner, NOW);
  job.metadata.name = `s-${round}-b-t`;
  job.metadata.uid = `job-round-${round}`;
  job.metadata.labels = { ...job.metadata.labels, [LABELS.round]: String(round) };
  job.status = { startTime: new Date(NOW - 10_000).toISOString() };
  return job;
}

describe('scheduling pass: what holds a provider slot', () => {
  it("counts a Job of the suite's earlier round, still running, against the provider's cap", async () => {
    const t = capacitySetup(2, [runningJobOfRound(suite('s'), 1)]);
    await t.run(NOW);
    expect(t.applied, 'no Job while round 1 holds the one slot').toEqual([]);
    expect(t.state.waitingRuns('ns/s').get('b-t')?.reason).toBe('ProviderCapacity');
  });

  it('lets go of an admission whose Job was never seen once its expectation expires, and wakes for it', async () => {
    const t = capacitySetup(1, []);
    // The run's Job was created and deleted while the watch was down: admitted, never seen.
    t.state.admitted(
      'ns/s',
      { job: 's-1-b-t', run: 'b-t', round: 1, attempt: 1, provider: 'p', model: 'm', phase: 'Active' },
      NOW,
    );
    expect(await t.run(NOW), 'the pass wakes when the expectation expires').toEqual({
      requeueAfterMs: ADMISSION_EXPECTATION_TTL_MS,
    });
    expect(t.applied, 'the run counts as admitted until then').toEqual([]);
    await t.run(NOW + ADMISSION_EXPECTATION_TTL_MS);
    expect(t.applied).toEqual(['s-1-b-t']);
  });
});

describe('scheduling pass: a burst of runs', () => {
  it('admits at most MAX_ADMISSIONS_PER_PASS, looks again at once, and leaves the runs it did not reach as they were', async () => {
    const benchmarks = Array.from({ length: 30 }, (_, i) => ({
      name: `b${i}`,
    })) as SuiteObject['spec']['benchmarks'];
    const targets = Array.from({ length: 10 }, (_, i) => ({
      name: `t${i}`,
      providerRef: 'p',
      model: 'm',
    })) as SuiteObject['spec']['targets'];
    const t = passOver({ suites: [suite('burst', { benchmarks, targets })] });
    const last = 'b29-t9';
    t.state.replaceWaiting(
      'ns/burst',
      new Map([[last, { reason: 'ProviderCapacity', message: 'said before' }]]),
    );

    expect(await t.run(NOW), 'the next pass is due at once').toEqual({ requeueAfterMs: 1 });
    expect(t.applied).toHaveLength(MAX_ADMISSIONS_PER_PASS);
    expect(t.applied).not.toContain(`burst-1-${last}`);
    expect(t.state.waitingRuns('ns/burst').get(last), 'not reached: what the last pass said').toEqual({
      reason: 'ProviderCapacity',
      message: 'said before',
    });

    expect(await t.run(NOW), 'every run admitted: only the expectations of their Jobs are due').toEqual({
      requeueAfterMs: ADMISSION_EXPECTATION_TTL_MS,
    });
    expect(t.applied).toHaveLength(300 - MAX_ADMISSIONS_PER_PASS);
    expect(t.applied).toContain(`burst-1-${last}`);
    expect(t.state.waitingRuns('ns/burst').size, 'no run waits').toBe(0);
  });
});

describe("scheduling pass: the operator's own cap", () => {
  it('creates Jobs up to --scheduler-max-active-runs over every suite; the others wait with reason OperatorCapacity, without a pass at once', async () => {
    const benchmarks = [{ name: 'b0' }, { name: 'b1' }] as SuiteObject['spec']['benchmarks'];
    const t = passOver({
      suites: [suite('first', { benchmarks }), suite('second', { benchmarks })],
      maxActiveRuns: 3,
    });

    const next = await t.run(NOW);
    expect(next, 'nothing due at once: only the expectations of the Jobs created').toEqual({
      requeueAfterMs: ADMISSION_EXPECTATION_TTL_MS,
    });
    expect(t.applied).toHaveLength(3);
    const waiting = [...t.state.waitingSuites()].flatMap((key) => [...t.state.waitingRuns(key).values()]);
    expect(waiting).toEqual([
      {
        reason: 'OperatorCapacity',
        message: '3 of 3 runs in use across the operator (its --scheduler-max-active-runs); first in line',
      },
    ]);
  });
});
