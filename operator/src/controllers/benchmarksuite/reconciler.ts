import { suiteDeleted, suiteSubject } from '../../core/decisions/suite.ts';
import type { ArtifactStore } from '../../core/render/artifact-store.ts';
import { ANNOTATIONS } from '../../core/render/labels.ts';
import type { SuiteStatus } from '../../core/status/suite-status.ts';
import { shorten } from '../../core/status/text.ts';
import { planSuite, type SuitePlan } from '../../core/suite/plan.ts';
import type { BenchmarkRound } from '../../api/v1alpha1/index.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../runtime/client/errors.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../runtime/client/resource.ts';
import type { WritePriority } from '../../runtime/client/write-priority.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { Request, Result } from '../../runtime/controller/request.ts';
import type { StatusPacer } from '../../runtime/status/pacer.ts';
import { patchStatusPaced } from '../../runtime/status/patch-status.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import { suiteInputs, type Caches, type SuiteObject } from '../caches.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import { benchmarkRoundType, benchmarkSuiteType, jobType } from '../resources.ts';
import type { SuiteSchedulingView } from '../scheduler/state.ts';
import type { DeletedSuites } from './deleted-suites.ts';

/** How long after a tick or window opening the suite is reconciled for it. */
const TICK_SLACK_MS = 50;

export interface SuiteReconcilerDeps {
  caches: Caches;
  client: KubeClient;
  decisions: DecisionRecorder;
  /** Suites the cache saw deleted, for their SuiteDeleted record. */
  deleted: DeletedSuites;
  /** Admitted Jobs not yet cached, and why runs wait: the scheduler's, shown in the status. */
  scheduling: SuiteSchedulingView;
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
  /** The artifact store runs write to, named in the round records, when configured. */
  artifacts?: ArtifactStore | undefined;
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
    const now = deps.clock.now();
    if (!suite || suite.metadata.deletionTimestamp) {
      // Owner references let the garbage collector remove its Jobs; what is left is the record.
      const gone = suite ?? deps.deleted.get(key);
      if (gone) {
        const subject = suiteSubject(gone, gone.status?.round ?? 0, gone.status?.sourceRevision);
        await deps.decisions.record([suiteDeleted(subject, now)], recording);
        if (!suite) deps.deleted.forget(key);
      }
      deps.pacer?.forget(key);
      deps.priority?.forget(suiteWriter(key));
      return;
    }
    const plan = planSuite(suiteInputs(deps.caches, deps.scheduling, suite, now), {
      waiting: deps.scheduling.waitingRuns(key),
      managedRevision: deps.managedRevision?.(suite),
      artifacts: deps.artifacts,
    });
    await deps.decisions.record(plan.decisions, recording);
    // The record exists before the status says the round finished: a crash in between makes the
    // next reconcile see the same finished round without a record, and create it then.
    if (plan.roundRecord) await createRoundRecord(deps, plan.roundRecord, context.signal);
    await deleteAll(deps, benchmarkRoundType, request.namespace!, plan.expiredRecords, context.signal);
    const jobs = plan.deletions.map((job) => ({ name: job.metadata.name!, uid: job.metadata.uid }));
    await deleteAll(deps, jobType, request.namespace!, jobs, context.signal);
    await stopJobs(deps, plan.stops, now, context.signal);
    let holdMs: number;
    try {
      holdMs = await patchStatusPaced(deps.client, benchmarkSuiteType, suite, plan.status, {
        pacer: deps.pacer,
        now,
        signal: context.signal,
        // A new round is written at once: the scheduler admits none of its runs before that.
        defer: plan.startsRound ? undefined : () => deps.priority?.deferFor(suiteWriter(key)) ?? 0,
      });
    } catch (error) {
      // The cache is behind the object: the watch event that updates it re-queues this suite.
      if (isConflict(error)) return { requeue: true };
      throw error;
    }
    if (plan.schedulingPassDue) deps.requestSchedulingPass();
    // A little after the time due, so a tick is at or before the clock then; and when a held
    // status write is due.
    const wakeAt = Math.min(plan.wakeAt ?? Infinity, holdMs > 0 ? now + holdMs : Infinity);
    if (wakeAt !== Infinity) return { requeueAfterMs: Math.max(0, wakeAt - now) + TICK_SLACK_MS };
  };
}

/** A suite's key as a writer deferred by WritePriority; `suiteOfWriter` reads it back. */
export const suiteWriter = (key: string): string => `benchmarksuite/${key}`;
export const suiteOfWriter = (writer: string): string | undefined =>
  writer.startsWith('benchmarksuite/') ? writer.slice('benchmarksuite/'.length) : undefined;

/**
 * Ends attempts whose runner did not start in time, or cannot: the Job's deadline is set to the
 * time it has already run, so the Job controller fails it (DeadlineExceeded) and removes its pods,
 * which frees the provider slot, and the Job stays as the attempt's record. The annotations say
 * why, which the DeadlineExceeded condition does not (observe.ts reads them). A merge patch, not an
 * apply: an apply of these fields alone would drop the rest of what the operator applied.
 */
async function stopJobs(
  deps: SuiteReconcilerDeps,
  stops: SuitePlan['stops'],
  now: number,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    stops.map(async ({ job, stop }) => {
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

/** Deletes the objects (this exact one: the uid is a precondition); one already gone is fine. */
async function deleteAll(
  deps: SuiteReconcilerDeps,
  type: ResourceType,
  namespace: string,
  objects: Array<{ name: string; uid?: string | undefined }>,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    objects.map(async ({ name, uid }) => {
      try {
        await deps.client.delete(type, namespace, name, {
          ...(uid ? { preconditions: { uid } } : {}),
          signal,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }),
  );
}

async function createRoundRecord(
  deps: SuiteReconcilerDeps,
  record: BenchmarkRound,
  signal: AbortSignal,
): Promise<void> {
  try {
    await deps.client.create(benchmarkRoundType, record as BenchmarkRound & KubeObject, { signal });
  } catch (error) {
    // Written by an earlier reconcile whose record the cache does not show yet.
    if (!isAlreadyExists(error)) throw error;
  }
}
