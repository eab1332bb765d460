import type { DecisionRecord } from '../../core/decisions/record.ts';
import {
  jobDeleted,
  roundCompleted,
  roundSkipped,
  roundStarted,
  runOutcomes,
  runStopped,
  suiteDeleted,
  suiteRef,
  suiteStalled,
  type SuiteSubject,
} from '../../core/decisions/suite.ts';
import { ANNOTATIONS, LABELS } from '../../core/render/labels.ts';
import { computeSuiteStatus, type SuiteStatus } from '../../core/status/suite-status.ts';
import { requestedAtToken } from '../../core/status/requested-at.ts';
import { shorten } from '../../core/status/text.ts';
import { roundState } from '../../core/suite/round-state.ts';
import { runStates } from '../../core/suite/round-runs.ts';
import { stallReason } from '../../core/suite/stall.ts';
import { finishedRoundsToDelete, unfinishedJobsOfOldRounds } from '../../core/suite/history.ts';
import { keepsUnfinishedRounds } from '../../core/schedule/rounds.ts';
import type { Request, Result } from '../../runtime/controller/request.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import { isConflict, isNotFound } from '../../runtime/client/errors.ts';
import { metaTime } from '../../meta/conditions.ts';
import { patchStatusPaced } from '../../runtime/status/patch-status.ts';
import type { StatusPacer } from '../../runtime/status/pacer.ts';
import type { WritePriority } from '../../runtime/client/write-priority.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import { suiteInputs, type Caches, type JobObject, type SuiteObject } from '../caches.ts';
import { benchmarkSuiteType, jobType } from '../resources.ts';
import type { AdmissionLedger, WaitingBook } from '../scheduler/ledger.ts';
import { windowGate } from '../scheduler/suite-gate.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import type { DeletedSuites } from './deleted-suites.ts';

/** How long after a tick or window opening the suite is reconciled for it. */
const TICK_SLACK_MS = 50;

export interface SuiteReconcilerDeps {
  caches: Caches;
  client: KubeClient;
  decisions: DecisionRecorder;
  /** Suites the cache saw deleted, for their SuiteDeleted record. */
  deleted: DeletedSuites;
  ledger: AdmissionLedger;
  waiting: WaitingBook;
  clock: Clock;
  /** Asks the scheduler for a pass: called when the suite has runs that may be admitted. */
  requestSchedulingPass: () => void;
  /** The revision of the GitOps object managing the suite, when the operator reads those. */
  managedRevision?: ((suite: SuiteObject) => string | undefined) | undefined;
  /** Spaces out progress-only status writes (absent: every change is written at once). */
  pacer?: StatusPacer<SuiteStatus> | undefined;
  /** Status writes other than a new round's step aside while Jobs are being created. */
  priority?: WritePriority | undefined;
  /** This replica's identity, written on each Job it stops (ANNOTATIONS.writtenBy). */
  identity?: string | undefined;
}

/**
 * Reconciles one BenchmarkSuite: starts rounds, cleans up Jobs of replaced and old rounds, and
 * writes status from the cache. It never creates Jobs: admission is the scheduler's, which sees
 * every suite at once and so can honour caps and priorities across them.
 */
export function suiteReconciler(deps: SuiteReconcilerDeps) {
  return async function reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
    const key = `${request.namespace}/${request.name}`;
    const suite = deps.caches.suites.store.getByName(request.namespace, request.name);
    const recording = { controller: 'benchmarksuite', reconcileId: context.reconcileId };
    const now = new Date(deps.clock.now());
    if (!suite || suite.metadata.deletionTimestamp) {
      // Owner references let the garbage collector remove its Jobs; what is left is the record.
      const gone = suite ?? deps.deleted.get(key);
      if (gone) {
        const subject = subjectOf(gone, gone.status?.round ?? 0, gone.status?.sourceRevision);
        await deps.decisions.record([suiteDeleted(subject, now.getTime())], recording);
        if (!suite) deps.deleted.forget(key);
      }
      deps.pacer?.forget(key);
      deps.priority?.forget(suiteWriter(key));
      return;
    }
    const inputs = suiteInputs(deps.caches, deps.ledger, suite, now.getTime());
    const policy = inputs.schedulePolicy;
    const round = roundState(
      suite,
      inputs.jobs,
      { policy, now: now.getTime() },
      deps.managedRevision?.(suite),
    );
    const extra: Partial<SuiteStatus> = {};
    let current = round.current;
    if (round.startNew) {
      current += 1;
      // A scheduled round's start is its tick, as CronJob's lastScheduleTime.
      extra.lastScheduleTime = metaTime(round.tick !== undefined ? new Date(round.tick) : now);
      if (round.revision) extra.sourceRevision = round.revision;
    }
    const subject = subjectOf(suite, current, round.revision);
    // Everything decided here is recorded in one go, before any of it takes effect (Jobs deleted,
    // the status that makes a round or outcome visible).
    const decisions: DecisionRecord[] = [];
    if (round.startNew) decisions.push(roundStarted(subject, round.why, now.getTime()));
    // A round's bookkeeping: which spec and which re-run request it was started for.
    extra.roundGeneration = round.startNew
      ? (suite.metadata.generation ?? 0)
      : (suite.status?.roundGeneration ?? suite.metadata.generation ?? 0);
    if (round.handledThrough !== undefined) {
      extra.lastHandledScheduleTime = metaTime(new Date(round.handledThrough));
    }
    if (round.skip) {
      decisions.push(roundSkipped(subject, round.skip.message, round.handledThrough!, now.getTime()));
    }
    const requestedAt = suite.metadata.annotations?.[ANNOTATIONS.requestedAt];
    // A value too long for status is held as its digest (roundState compares it in that form).
    if (requestedAt) extra.lastHandledRequestedAt = requestedAtToken(requestedAt);

    // Under a schedule with concurrencyPolicy Allow, earlier rounds' Jobs run to completion.
    const replaced = keepsUnfinishedRounds(policy?.spec)
      ? []
      : unfinishedJobsOfOldRounds(inputs.jobs, current);
    const history = deps.caches.policies.store.getByName(
      suite.metadata.namespace,
      suite.spec.schedulePolicyRef ?? '',
    )?.spec.history;
    const expired = finishedRoundsToDelete(inputs.jobs, current, history);
    const doomed = [
      ...replaced.map((job) => ({ job, why: 'its round was replaced' })),
      ...expired.map((job) => ({ job, why: 'of the round history limits' })),
    ];
    for (const { job, why } of doomed) {
      decisions.push(
        jobDeleted(
          subject,
          { name: job.metadata.name!, uid: job.metadata.uid!, round: job.metadata.labels?.[LABELS.round] },
          why,
          now.getTime(),
        ),
      );
    }

    const stalled = stallReason(inputs);
    const runs = runStates(inputs, current, round.hold);
    const status = computeSuiteStatus({
      suite,
      round: current,
      runs,
      waiting: deps.waiting.forSuite(key),
      stalled,
      extra,
      now,
    });
    if (round.startNew && !round.revision) delete status.sourceRevision;
    if (round.nextScheduleTime !== undefined)
      status.nextScheduleTime = metaTime(new Date(round.nextScheduleTime));
    else delete status.nextScheduleTime;
    const previous = suite.status?.round === current ? suite.status : undefined;
    decisions.push(...runOutcomes(subject, previous?.runs, status.runs ?? [], now.getTime()));
    const stops = runs.flatMap((run, i) => (run.stop ? [{ stop: run.stop, entry: status.runs![i]! }] : []));
    for (const { stop, entry } of stops) decisions.push(runStopped(subject, entry, stop, now.getTime()));
    const completed = roundCompleted(subject, suite.status, status, now.getTime());
    if (completed) decisions.push(completed);
    if (
      stalled &&
      stalled.reason !==
        suite.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True')?.reason
    ) {
      const references = {
        providerPolicies: [...new Set(suite.spec.targets.map((t) => t.providerRef))],
        ...(suite.spec.schedulePolicyRef ? { schedulePolicy: suite.spec.schedulePolicyRef } : {}),
      };
      decisions.push(
        suiteStalled(subject, stalled, suite.metadata.generation ?? 0, references, now.getTime()),
      );
    }
    await deps.decisions.record(decisions, recording);

    await deleteJobs(
      deps,
      doomed.map((d) => d.job),
      context.signal,
    );
    await stopJobs(
      deps,
      stops.map(({ stop }) => stop),
      inputs.jobs,
      now.getTime(),
      context.signal,
    );
    let holdMs: number;
    try {
      holdMs = await patchStatusPaced(deps.client, benchmarkSuiteType, suite, status, {
        pacer: deps.pacer,
        now: now.getTime(),
        signal: context.signal,
        // A new round is written at once: the scheduler admits none of its runs before that.
        defer: round.startNew ? undefined : () => deps.priority?.deferFor(suiteWriter(key)) ?? 0,
      });
    } catch (error) {
      // The cache is behind the object: the watch event that updates it re-queues this suite.
      if (isConflict(error)) return { requeue: true };
      throw error;
    }
    if (!stalled && runs.some((r) => r.admissible || r.retryAt !== undefined)) deps.requestSchedulingPass();
    // Wake at the next tick (a little after it, so the tick is at or before the clock then), and
    // when a time window opens: this reconcile then asks for a scheduling pass for the runs the
    // window held back; and when a held status write is due.
    const wakeAt = Math.min(
      round.nextScheduleTime ?? Infinity,
      runs.some((r) => r.admissible) ? (windowGate(policy, now.getTime())?.retryAt ?? Infinity) : Infinity,
      holdMs > 0 ? now.getTime() + holdMs : Infinity,
      ...runs.map((r) => r.wakeAt ?? Infinity),
    );
    if (wakeAt !== Infinity) return { requeueAfterMs: Math.max(0, wakeAt - now.getTime()) + TICK_SLACK_MS };
  };
}

/** A suite's key as a writer deferred by WritePriority; `suiteOfWriter` reads it back. */
export const suiteWriter = (key: string): string => `benchmarksuite/${key}`;
export const suiteOfWriter = (writer: string): string | undefined =>
  writer.startsWith('benchmarksuite/') ? writer.slice('benchmarksuite/'.length) : undefined;

function subjectOf(suite: SuiteObject, round: number, revision: string | undefined): SuiteSubject {
  return { ref: suiteRef(suite), round, revision, schedulePolicy: suite.spec.schedulePolicyRef };
}

/**
 * Ends attempts whose runner did not start in time, or cannot: the Job's deadline is set to the
 * time it has already run, so the Job controller fails it (DeadlineExceeded) and removes its pods,
 * which frees the provider slot, and the Job stays as the attempt's record. The annotations say
 * why, which the DeadlineExceeded condition does not (observe.ts reads them). A merge patch, not an
 * apply: an apply of these fields alone would drop the rest of what the operator applied.
 */
async function stopJobs(
  deps: SuiteReconcilerDeps,
  stops: Array<{ job: string; reason: string; message: string }>,
  jobs: JobObject[],
  now: number,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    stops.map(async (stop) => {
      const job = jobs.find((j) => j.metadata.name === stop.job);
      if (!job) return;
      const started = Date.parse(job.status?.startTime ?? job.metadata.creationTimestamp ?? '');
      const ranSeconds = Number.isFinite(started) ? Math.floor((now - started) / 1000) : 0;
      const patch = {
        metadata: {
          resourceVersion: job.metadata.resourceVersion,
          annotations: {
            [ANNOTATIONS.stopReason]: stop.reason,
            [ANNOTATIONS.stopMessage]: shorten(stop.message, STOP_MESSAGE_LENGTH),
            ...(deps.identity ? { [ANNOTATIONS.writtenBy]: deps.identity } : {}),
          },
        },
        spec: { activeDeadlineSeconds: Math.max(1, ranSeconds) },
      };
      try {
        await deps.client.patch(jobType, job.metadata.namespace, job.metadata.name!, patch, 'merge', {
          signal,
        });
      } catch (error) {
        // Gone, or changed since the cache saw it: the watch event re-queues the suite.
        if (!isNotFound(error) && !isConflict(error)) throw error;
      }
    }),
  );
}

/** The longest stop message on a Job: what a run's status message can quote of it. */
const STOP_MESSAGE_LENGTH = 400;

async function deleteJobs(deps: SuiteReconcilerDeps, jobs: JobObject[], signal: AbortSignal): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        await deps.client.delete(jobType, job.metadata.namespace, job.metadata.name!, {
          preconditions: { uid: job.metadata.uid! },
          signal,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }),
  );
}
