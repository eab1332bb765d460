import { jobRejected, runAdmitted, runDeferred } from '../../core/decisions/admission.ts';
import type { DecisionRecord } from '../../core/decisions/record.ts';
import { suiteSubject, type SuiteSubject } from '../../core/decisions/suite.ts';
import type { ArtifactStore } from '../../core/render/artifact-store.ts';
import { renderJob } from '../../core/render/job.ts';
import { KUEUE_QUEUE_LABEL } from '../../core/render/kueue.ts';
import pLimit from 'p-limit';
import { ANNOTATIONS } from '../../core/render/labels.ts';
import {
  schedule,
  type Decision,
  type SchedulingResult,
  type SuiteGate,
} from '../../core/scheduling/engine.ts';
import { suiteContext, suiteRuns, type SuiteContext } from '../../core/scheduling/suite-snapshot.ts';
import type { RunState } from '../../core/suite/run-state.ts';
import { isRefusal } from '../../runtime/client/errors.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import type { WritePriority } from '../../runtime/client/write-priority.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { Result } from '../../runtime/controller/request.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import { suiteInputs, type Caches } from '../caches.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import { jobType } from '../resources.ts';
import { byName } from './by-name.ts';
import { RejectionBook, TransientBackoff } from './rejections.ts';
import type { SchedulingState } from './state.ts';
import type { Waiting } from './waiting-book.ts';

/** Job creations in flight at once within a pass. */
export const CREATE_CONCURRENCY = 16;

/**
 * Admissions in one pass, at most. A pass renders its Jobs and holds them until they are created,
 * and decides nothing else meanwhile: without a bound, a burst of suites without caps (thousands
 * of runs) was admitted in one pass, held tens of thousands of rendered Jobs in memory and kept a
 * suite of higher priority created meanwhile waiting until the last of them was created. The next
 * pass starts at once and goes on from there.
 */
export const MAX_ADMISSIONS_PER_PASS = 16 * CREATE_CONCURRENCY;

export interface SchedulerDeps {
  caches: Caches;
  client: KubeClient;
  decisions: DecisionRecorder;
  /** The ledger, waiting reasons, provider states and kept suite runs (state.ts). */
  state: SchedulingState;
  clock: Clock;
  /** Wakes a suite's reconciler, so its status shows what the pass decided. */
  enqueueSuite: (namespace: string, name: string) => void;
  /** Job creations go first: status writes and Events step aside while they are in flight. */
  priority?: WritePriority;
  /** Runs whose Job the API server refused, each waiting out its own backoff (absent: a book of its own). */
  rejections?: RejectionBook;
  /** This replica's identity, written on each Job it creates (ANNOTATIONS.writtenBy). */
  identity?: string;
  /** The artifact store the Jobs write to, when configured. */
  artifacts?: ArtifactStore | undefined;
  /** Runs in use at once over every suite, at most (--scheduler-max-active-runs; absent: no cap). */
  maxActiveRuns?: number | undefined;
}

const AUDIT_BACKLOG_REASON = 'AuditBacklogFull';

/**
 * Holds the suite's runs back while the audit outbox, or its namespace's share of it, is full
 * (docs/audit.md); lifted when it has room.
 */
function auditBacklogGate(deps: SchedulerDeps, namespace: string): SuiteGate | undefined {
  const message = deps.decisions.auditBacklogHold(namespace);
  return message === undefined ? undefined : { reason: AUDIT_BACKLOG_REASON, message };
}

/**
 * One scheduling pass over every suite: the core decides, this shell creates the admitted Jobs by
 * server-side apply and publishes why the others wait. A Job's name is fixed by its suite, round,
 * run and attempt, so a pass repeated after a crash re-applies the same Jobs instead of making
 * duplicates.
 *
 * A Job the API server refuses (isRefusal) holds back its run alone, for its own backoff
 * (RejectionBook), with reason JobRejected; any other failure makes the pass look again soon
 * (TransientBackoff). Either way the pass asks to run again at the earliest time anything is due,
 * never through the work queue's backoff for its one key, which every suite shares.
 */
export function schedulerReconciler(deps: SchedulerDeps) {
  const rejections = deps.rejections ?? new RejectionBook();
  const transient = new TransientBackoff();
  return async function pass(context: ReconcileContext): Promise<Result | void> {
    const now = deps.clock.now();
    deps.state.expire(now);
    const contexts = new Map<string, SuiteContext>();
    for (const suite of deps.caches.suites.store.list()) {
      const key = `${suite.metadata.namespace}/${suite.metadata.name}`;
      const runs = deps.state.suiteRuns(key, suite, () =>
        suiteRuns(suiteInputs(deps.caches, deps.state, suite, now)),
      );
      if (runs)
        contexts.set(key, suiteContext(suite, runs, now, auditBacklogGate(deps, suite.metadata.namespace!)));
    }
    rejections.retainSuites(new Set(contexts.keys()));
    for (const [key, ctx] of contexts) {
      const runs = byName(ctx.snapshot.runs, (r) => r.spec.name);
      const holds = rejections.holds(key, ctx.round, (name) => {
        const run = runs.get(name);
        return run?.admissible ? { attempt: run.attempt + 1, inputs: jobInputs(deps, ctx, run) } : undefined;
      });
      if (holds) ctx.snapshot.holds = holds;
    }
    const providers = new Map(
      deps.caches.providers.store.list().map((p) => {
        const key = `${p.metadata.namespace}/${p.metadata.name}`;
        return [key, deps.state.providerSnapshot(key, p, now)];
      }),
    );
    const policies = new Map(
      deps.caches.policies.store
        .list()
        .map((p) => [
          `${p.metadata.namespace}/${p.metadata.name}`,
          { maxConcurrentRuns: p.spec.maxConcurrentRuns },
        ]),
    );
    const result = schedule({
      now,
      suites: [...contexts.values()].map((c) => c.snapshot),
      providers,
      policies,
      maxAdmissions: MAX_ADMISSIONS_PER_PASS,
      maxActiveRuns: deps.maxActiveRuns,
    });

    const admitted = result.decisions.filter(
      (d): d is Extract<Decision, { type: 'admit' }> => d.type === 'admit',
    );
    const admissions = new Map<Decision, DecisionRecord>();
    const jobs = admitted.map((decision) => {
      const ctx = contexts.get(decision.suite)!;
      const run = ctx.snapshot.runs.find((r) => r.spec.name === decision.run)!;
      const provider = deps.caches.providers.store.get(decision.provider)!;
      const judgeSpec = run.spec.benchmark.judge;
      // Admitted only while the judge's provider could take the run: it is in the cache.
      const judge = judgeSpec && {
        spec: judgeSpec,
        provider: deps.caches.providers.store.getByName(ctx.suite.metadata.namespace, judgeSpec.providerRef)!,
      };
      const job = renderJob({
        suite: ctx.suite,
        round: ctx.round,
        benchmark: run.spec.benchmark,
        target: run.spec.target,
        attempt: decision.attempt,
        provider,
        model: decision.model,
        schedulePolicy: ctx.suite.spec.schedulePolicyRef
          ? deps.caches.policies.store.getByName(
              ctx.suite.metadata.namespace,
              ctx.suite.spec.schedulePolicyRef,
            )
          : undefined,
        sourceRevision: ctx.revision,
        artifacts: deps.artifacts,
        judge,
      });
      if (deps.identity) job.metadata!.annotations![ANNOTATIONS.writtenBy] = deps.identity;
      const localQueue = job.metadata!.labels![KUEUE_QUEUE_LABEL];
      admissions.set(decision, runAdmitted(subjectOf(ctx), run.spec, decision, job.metadata!.name!, now));
      // Counted before the first await, so no other pass or cache event can see the slot as free.
      deps.state.admitted(
        decision.suite,
        {
          job: job.metadata!.name!,
          run: decision.run,
          round: ctx.round,
          attempt: decision.attempt,
          provider: provider.metadata.name!,
          model: decision.model,
          phase: 'Active',
          // Created suspended in a Kueue LocalQueue: waiting for Kueue from the start, not running.
          ...(localQueue ? { kueue: { localQueue } } : {}),
        },
        now,
      );
      return { decision, job };
    });

    // The pass's decisions are on record (the audit outbox: one write) before any of its Jobs exists.
    const records = result.decisions.flatMap((decision) => {
      const record = admissions.get(decision) ?? deferralRecord(deps, contexts, decision, now);
      return record ? [record] : [];
    });
    const recording = { controller: 'scheduler', reconcileId: context.reconcileId };
    try {
      await deps.decisions.record(records, recording);
    } catch (error) {
      for (const { decision, job } of jobs) deps.state.settle(decision.suite, job.metadata!.name!);
      context.logger.error(
        { err: error, admitted: jobs.length },
        'could not record the decisions of this pass; no Job is created until they are',
      );
      return nextPass(now, [result.nextWakeAt, now + transient.failed(), deps.state.nextExpiry()]);
    }

    let transientFailures = 0;
    const refused: Refused[] = [];
    await pLimit(CREATE_CONCURRENCY).map(jobs, async ({ decision, job }) => {
      const name = job.metadata!.name!;
      try {
        const create = () => deps.client.apply(jobType, job as never, { signal: context.signal });
        await (deps.priority ? deps.priority.urgently(create) : create());
        rejections.created(decision.suite, decision.run);
      } catch (error) {
        deps.state.settle(decision.suite, name);
        // Shutting down or leadership lost: the controller logs the aborted reconcile; nothing failed.
        if (context.signal.aborted) return;
        const log = {
          err: error,
          suite: decision.suite,
          run: decision.run,
          job: name,
          decisionId: admissions.get(decision)?.id,
        };
        if (!isRefusal(error)) {
          transientFailures++;
          context.logger.error(log, 'creating a Job failed; trying again soon');
          return;
        }
        const ctx = contexts.get(decision.suite)!;
        const run = byName(ctx.snapshot.runs, (r) => r.spec.name).get(decision.run)!;
        const rejection = rejections.refuse(
          {
            suite: decision.suite,
            run: decision.run,
            round: ctx.round,
            attempt: decision.attempt,
            job: name,
            inputs: jobInputs(deps, ctx, run),
          },
          error,
          now,
        );
        const record = jobRejected(
          subjectOf(ctx),
          run.spec,
          {
            attempt: decision.attempt,
            job: name,
            provider: decision.provider,
            model: decision.model,
            code: rejection.code,
            statusReason: rejection.statusReason,
            message: rejection.message,
            refusals: rejection.refusals,
            retryAt: rejection.retryAt,
          },
          now,
        );
        rejections.toRecord(record);
        refused.push({
          suite: decision.suite,
          run: decision.run,
          message: rejection.message,
          retryAt: rejection.retryAt,
        });
        context.logger.warn(
          {
            ...log,
            decisionId: record.id,
            refusals: rejection.refusals,
            retryAt: new Date(rejection.retryAt).toISOString(),
          },
          'the API server refused a Job; its run waits out its own backoff',
        );
      }
    });

    // Refusals are recorded after the fact (the Job never existed); one the audit outbox could not
    // store stays in the book and is recorded with a later pass.
    const unrecorded = [...rejections.unrecorded()];
    let recordFailed = false;
    if (unrecorded.length > 0) {
      try {
        await deps.decisions.record(unrecorded, recording);
        rejections.markRecorded(unrecorded);
      } catch (error) {
        recordFailed = true;
        context.logger.error(
          { err: error, records: unrecorded.length },
          'could not record refused Jobs; trying again soon',
        );
      }
    }

    publishWaiting(deps, contexts, result, admitted, refused);
    const retryTransient = transientFailures > 0 || recordFailed ? now + transient.failed() : undefined;
    if (retryTransient === undefined) transient.succeeded();
    return nextPass(now, [
      result.more ? now : undefined,
      result.nextWakeAt,
      retryTransient,
      deps.state.nextExpiry(),
      ...refused.map((r) => r.retryAt),
    ]);
  };
}

/** A run whose Job the API server refused in this pass, and when it is tried again. */
interface Refused {
  suite: string;
  run: string;
  message: string;
  retryAt: number;
}

/**
 * When the next pass is due: the earliest of the times given (ms since the epoch), as a delay of
 * at least 1 ms (a delay of 0 would not requeue at all); nothing due, no requeue (events bring the
 * next pass). Never `requeue: true`: the work queue's backoff for the one pass key would delay
 * every suite's wake-up behind one failure.
 */
export function nextPass(now: number, due: ReadonlyArray<number | undefined>): Result {
  const times = due.filter((t): t is number => t !== undefined);
  if (times.length === 0) return {};
  return { requeueAfterMs: Math.max(1, Math.min(...times) - now) };
}

/**
 * What a run's Job is rendered from, as far as a refusal goes: the suite (a new object, a spec
 * change), its target provider and its SchedulePolicy (their specs). When it changes, a refusal
 * of the previous Job says nothing about the next one, and the run is tried at once.
 */
function jobInputs(deps: SchedulerDeps, ctx: SuiteContext, run: RunState): string {
  const namespace = ctx.suite.metadata.namespace!;
  const provider = deps.caches.providers.store.getByName(namespace, run.spec.target.providerRef);
  const policyRef = ctx.suite.spec.schedulePolicyRef;
  const policy = policyRef ? deps.caches.policies.store.getByName(namespace, policyRef) : undefined;
  return [
    ctx.suite.metadata.uid,
    ctx.suite.metadata.generation ?? 0,
    provider?.metadata.generation ?? '-',
    policy?.metadata.generation ?? '-',
  ].join('/');
}

function subjectOf(ctx: SuiteContext): SuiteSubject {
  return suiteSubject(ctx.suite, ctx.round, ctx.revision);
}

/**
 * A RunDeferred record when the run waits for another reason than before: the scheduler's last
 * word on it, or after a restart the reason its status shows. A pass that leaves a run waiting
 * for the same reason records nothing. Waits for the audit backlog itself are not recorded (they
 * would grow it); the status shows them.
 */
function deferralRecord(
  deps: SchedulerDeps,
  contexts: Map<string, SuiteContext>,
  decision: Decision,
  now: number,
): DecisionRecord | undefined {
  // A refused Job has its own decision, JobRejected, recorded when the API server answered.
  if (
    decision.type !== 'defer' ||
    decision.reason === AUDIT_BACKLOG_REASON ||
    decision.reason === 'JobRejected'
  )
    return undefined;
  const ctx = contexts.get(decision.suite)!;
  const previous =
    deps.state.waitingRuns(decision.suite).get(decision.run)?.reason ??
    (ctx.suite.status?.round === ctx.round
      ? byName(ctx.suite.status.runs ?? []).get(decision.run)?.reason
      : undefined);
  if (previous === decision.reason) return undefined;
  const run = byName(ctx.snapshot.runs, (r) => r.spec.name).get(decision.run)!;
  return runDeferred(subjectOf(ctx), run.spec, run.attempt + 1, decision, previous, now);
}

/**
 * Records why runs wait, and wakes the suites whose status should change. A pass stopped at its
 * admissions bound (`more`) did not reach every run: those keep what the last pass said of them.
 */
function publishWaiting(
  deps: SchedulerDeps,
  contexts: Map<string, SuiteContext>,
  { decisions, more }: SchedulingResult,
  admitted: Array<{ suite: string; run: string }>,
  refused: Refused[],
): void {
  const bySuite = new Map<string, Map<string, Waiting>>();
  const entriesOf = (suite: string) => {
    let entries = bySuite.get(suite);
    if (!entries) {
      entries = more ? new Map(deps.state.waitingRuns(suite)) : new Map<string, Waiting>();
      bySuite.set(suite, entries);
    }
    return entries;
  };
  const add = (suite: string, run: string, waiting: Waiting) => entriesOf(suite).set(run, waiting);
  if (more) for (const a of admitted) entriesOf(a.suite).delete(a.run);
  // Runs waiting for the same reason with the same message (the engine shares messages) share one
  // entry: at 10,000 suites most of 90,000 waiting runs do.
  const shared = new Map<string, Map<string, Waiting>>();
  for (const decision of decisions) {
    if (decision.type !== 'defer') continue;
    const { reason, message } = decision;
    let byMessage = shared.get(reason);
    if (!byMessage) shared.set(reason, (byMessage = new Map<string, Waiting>()));
    let waiting = byMessage.get(message);
    if (!waiting) byMessage.set(message, (waiting = { reason, message }));
    add(decision.suite, decision.run, waiting);
  }
  // Admitted in this pass but refused: the run is back to waiting, and its status says why.
  for (const r of refused) add(r.suite, r.run, { reason: 'JobRejected', message: r.message });
  const wake = new Set(admitted.map((a) => a.suite));
  for (const key of new Set([...contexts.keys(), ...deps.state.waitingSuites()])) {
    const entries = bySuite.get(key) ?? (more ? deps.state.waitingRuns(key) : new Map<string, Waiting>());
    if (deps.state.replaceWaiting(key, entries)) wake.add(key);
  }
  for (const key of wake) {
    const [namespace, name] = key.split('/') as [string, string];
    deps.enqueueSuite(namespace, name);
  }
}
