import { ANNOTATIONS, LABELS } from '../../core/render/labels.ts';
import { computeSuiteStatus, type SuiteStatus } from '../../core/status/suite-status.ts';
import { roundState, runStates, stallReason } from '../../core/suite/view.ts';
import { finishedRoundsToDelete, unfinishedJobsOfOldRounds } from '../../core/suite/history.ts';
import { keepsUnfinishedRounds } from '../../core/schedule/rounds.ts';
import type { Request, Result } from '../../runtime/controller/request.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import { isConflict, isNotFound } from '../../runtime/client/errors.ts';
import type { EventRecorder } from '../../runtime/events/recorder.ts';
import { referenceTo } from '../../runtime/events/recorder.ts';
import { metaTime } from '../../runtime/status/conditions.ts';
import { patchStatusIfChanged } from '../../runtime/status/patch-status.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import { suiteInputs, type Caches, type JobObject, type SuiteObject } from '../caches.ts';
import { benchmarkSuiteType, jobType } from '../resources.ts';
import type { AdmissionLedger, WaitingBook } from '../scheduler/ledger.ts';
import { windowGate } from '../scheduler/suite-gate.ts';

/** How long after a tick or window opening the suite is reconciled for it. */
const TICK_SLACK_MS = 50;

export interface SuiteReconcilerDeps {
  caches: Caches;
  client: KubeClient;
  events: EventRecorder;
  ledger: AdmissionLedger;
  waiting: WaitingBook;
  clock: Clock;
  /** Asks the scheduler for a pass: called when the suite has runs that may be admitted. */
  requestSchedulingPass: () => void;
}

/**
 * Reconciles one BenchmarkSuite: starts rounds, cleans up Jobs of replaced and old rounds, and
 * writes status from the cache. It never creates Jobs: admission is the scheduler's, which sees
 * every suite at once and so can honour caps and priorities across them.
 */
export function suiteReconciler(deps: SuiteReconcilerDeps) {
  return async function reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
    const suite = deps.caches.suites.store.getByName(request.namespace, request.name);
    if (!suite || suite.metadata.deletionTimestamp) return; // owner references let the garbage collector remove its Jobs
    const now = new Date(deps.clock.now());
    const inputs = suiteInputs(deps.caches, deps.ledger, suite, now.getTime());
    const policy = inputs.schedulePolicy;
    const round = roundState(suite, inputs.jobs, { policy, now: now.getTime() });
    const extra: Partial<SuiteStatus> = {};
    let current = round.current;
    if (round.startNew) {
      current += 1;
      // A scheduled round's start is its tick, as CronJob's lastScheduleTime.
      extra.lastScheduleTime = metaTime(round.tick !== undefined ? new Date(round.tick) : now);
      deps.events.emit({
        regarding: referenceTo(suite),
        type: 'Normal',
        reason: 'RoundStarted',
        action: 'StartRound',
        note: `round ${current} started: ${round.why}`,
      });
      context.logger.info({ round: current, why: round.why }, 'round started');
    }
    // A round's bookkeeping: which spec and which re-run request it was started for.
    extra.roundGeneration = round.startNew
      ? (suite.metadata.generation ?? 0)
      : (suite.status?.roundGeneration ?? suite.metadata.generation ?? 0);
    if (round.handledThrough !== undefined) {
      extra.lastHandledScheduleTime = metaTime(new Date(round.handledThrough));
    }
    if (round.skip) {
      deps.events.emit({
        regarding: referenceTo(suite),
        type: 'Normal',
        reason: round.skip.reason,
        action: 'SkipRound',
        note: round.skip.message,
      });
      context.logger.info({ round: current, why: round.skip.message }, 'scheduled round skipped');
    }
    const requestedAt = suite.metadata.annotations?.[ANNOTATIONS.requestedAt];
    if (requestedAt) extra.lastHandledRequestedAt = requestedAt;

    // Under a schedule with concurrencyPolicy Allow, earlier rounds' Jobs run to completion.
    if (!keepsUnfinishedRounds(policy?.spec)) {
      await deleteJobs(
        deps,
        suite,
        unfinishedJobsOfOldRounds(inputs.jobs, current),
        'its round was replaced',
      );
    }
    const history = deps.caches.policies.store.getByName(
      suite.metadata.namespace,
      suite.spec.schedulePolicyRef ?? '',
    )?.spec.history;
    await deleteJobs(
      deps,
      suite,
      finishedRoundsToDelete(inputs.jobs, current, history),
      'of the round history limits',
    );

    const stalled = stallReason(inputs);
    const runs = runStates(inputs, current, round.hold);
    const key = `${suite.metadata.namespace}/${suite.metadata.name}`;
    const status = computeSuiteStatus({
      suite,
      round: current,
      runs,
      waiting: deps.waiting.forSuite(key),
      stalled,
      extra,
      now,
    });
    if (round.nextScheduleTime !== undefined)
      status.nextScheduleTime = metaTime(new Date(round.nextScheduleTime));
    else delete status.nextScheduleTime;
    if (
      stalled &&
      stalled.reason !==
        suite.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True')?.reason
    ) {
      deps.events.emit({
        regarding: referenceTo(suite),
        type: 'Warning',
        reason: stalled.reason,
        action: 'Reconcile',
        note: stalled.message,
      });
    }
    try {
      await patchStatusIfChanged(deps.client, benchmarkSuiteType, suite, status);
    } catch (error) {
      // The cache is behind the object: the watch event that updates it re-queues this suite.
      if (isConflict(error)) return { requeue: true };
      throw error;
    }
    if (!stalled && runs.some((r) => r.admissible || r.retryAt !== undefined)) deps.requestSchedulingPass();
    // Wake at the next tick (a little after it, so the tick is at or before the clock then), and
    // when a time window opens: this reconcile then asks for a scheduling pass for the runs the
    // window held back.
    const wakeAt = Math.min(
      round.nextScheduleTime ?? Infinity,
      runs.some((r) => r.admissible) ? (windowGate(policy, now.getTime())?.retryAt ?? Infinity) : Infinity,
    );
    if (wakeAt !== Infinity) return { requeueAfterMs: Math.max(0, wakeAt - now.getTime()) + TICK_SLACK_MS };
  };
}

async function deleteJobs(
  deps: SuiteReconcilerDeps,
  suite: SuiteObject,
  jobs: JobObject[],
  why: string,
): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        await deps.client.delete(jobType, job.metadata.namespace, job.metadata.name!, {
          uid: job.metadata.uid!,
        });
        deps.events.emit({
          regarding: referenceTo(suite),
          related: referenceTo({ apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata }),
          type: 'Normal',
          reason: 'JobDeleted',
          action: 'Delete',
          note: `deleted Job ${job.metadata.name} (round ${job.metadata.labels?.[LABELS.round]}) because ${why}`,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }),
  );
}
