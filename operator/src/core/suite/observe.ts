import { KUEUE_QUEUE_LABEL } from '../render/kueue.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { podProblem, replacedByJob, type PodProblem, type PodView } from './pod-problems.ts';
import { parseRunResult, combineResults, failureText, type RunResult } from './result.ts';

export type { PodView } from './pod-problems.ts';

/** The fields of a Job the operator reads, as they arrive on the wire (timestamps are strings). */
export interface JobView {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    /** The version a stop's patch is made against (an optimistic-concurrency precondition). */
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  /** `suspend`: a Job of a Kueue LocalQueue is suspended until Kueue admits it (render/kueue.ts). */
  spec?: { completions?: number; suspend?: boolean };
  status?: {
    startTime?: string;
    completionTime?: string;
    active?: number;
    /** Pods whose containers all run (the runner has no readiness probe). */
    ready?: number;
    succeeded?: number;
    failed?: number;
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }>;
  };
}

export type AttemptPhase = 'Active' | 'Succeeded' | 'Failed';

/** Why an attempt failed, as the runner contract and the Job controller tell it. */
export interface AttemptFailure {
  /** The runner's exit code, when known. */
  exitCode?: number;
  /** `DeadlineExceeded` for a run timeout, else the Job condition's reason. */
  reason: string;
  message: string;
}

/** One Job of a run: what the operator knows of one attempt. */
export interface AttemptObservation {
  job: string;
  /** The run (`<benchmark>-<target>`) the Job is an attempt of. */
  run: string;
  round: number;
  attempt: number;
  provider: string;
  model: string;
  phase: AttemptPhase;
  startTime?: string;
  completionTime?: string;
  failure?: AttemptFailure;
  result?: RunResult;
  /** Set when a termination message could not be read as a result. */
  resultError?: string;
  /**
   * For an Active attempt whose runner has not started everywhere: since when (ms; the oldest
   * pending pod's creation, or the Job's while it has no pod), and what holds it, if known.
   */
  notStarted?: { since: number; problem?: PodProblem };
  /** For an Active attempt: a pod of it Kubernetes stopped (evicted, preempted) and the Job replaces. */
  disrupted?: PodProblem;
  /** The operator stopped this attempt (annotations on its Job): why. */
  stopped?: { reason: string; message: string };
  /** For an Active attempt whose Job is suspended in a Kueue LocalQueue: that queue, not admitted (yet, or again). */
  kueue?: { localQueue: string };
}

const EXIT_CODE_IN_MESSAGE = /exit code (\d+)/;

/**
 * Observations of cached Jobs, by Job object: one with the pods it was observed with, one without
 * (callers that need only the phase). Cached objects are never modified (an update replaces the
 * object), so an observation holds as long as the Job and its pods are the same objects; without
 * this, every scheduling pass and reconcile parsed every Job's result again, the operator's
 * largest CPU cost in make bench.
 */
const observations = new WeakMap<
  JobView,
  { bare?: AttemptObservation; withPods?: { pods: PodView[]; observation: AttemptObservation } }
>();

/**
 * The state of one Job, with the exit code and result from its pods where they are known. The
 * answer may be shared between callers: treat it as read-only.
 */
export function observeAttempt(job: JobView, pods: PodView[]): AttemptObservation {
  let entry = observations.get(job);
  if (!entry) observations.set(job, (entry = {}));
  if (pods.length === 0) return (entry.bare ??= deriveAttempt(job, pods));
  const known = entry.withPods;
  if (known && known.pods.length === pods.length && known.pods.every((pod, i) => pod === pods[i])) {
    return known.observation;
  }
  const observation = deriveAttempt(job, pods);
  entry.withPods = { pods, observation };
  return observation;
}

function deriveAttempt(job: JobView, pods: PodView[]): AttemptObservation {
  const labels = job.metadata.labels ?? {};
  const finished = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const phase: AttemptPhase = finished?.type === 'Complete' ? 'Succeeded' : finished ? 'Failed' : 'Active';
  const observation: AttemptObservation = {
    job: job.metadata.name ?? '',
    run: labels[LABELS.run] ?? '',
    round: Number(labels[LABELS.round] ?? 0),
    attempt: Number(labels[LABELS.attempt] ?? 1),
    provider: labels[LABELS.provider] ?? '',
    model: job.metadata.annotations?.['bench.dev/model'] ?? '',
    phase,
  };
  if (job.status?.startTime) observation.startTime = job.status.startTime;
  const completionTime = job.status?.completionTime ?? (finished ? finished.lastTransitionTime : undefined);
  if (phase !== 'Active' && completionTime) observation.completionTime = completionTime;

  const stopReason = job.metadata.annotations?.[ANNOTATIONS.stopReason];
  if (stopReason) {
    observation.stopped = {
      reason: stopReason,
      message: job.metadata.annotations?.[ANNOTATIONS.stopMessage] ?? '',
    };
  }
  const localQueue = job.metadata.labels?.[KUEUE_QUEUE_LABEL];
  if (phase === 'Active' && localQueue && job.spec?.suspend === true) observation.kueue = { localQueue };
  else if (phase === 'Active') Object.assign(observation, startProgress(job, pods));

  const terminated = pods.flatMap((pod) =>
    (pod.status?.containerStatuses ?? []).flatMap((c) => (c.state?.terminated ? [c.state.terminated] : [])),
  );
  if (phase === 'Failed') {
    const failedContainer = terminated.find((t) => t.exitCode !== 0);
    const fromMessage = EXIT_CODE_IN_MESSAGE.exec(finished?.message ?? '');
    const exitCode = failedContainer?.exitCode ?? (fromMessage ? Number(fromMessage[1]) : undefined);
    // Kubernetes' reason where it ended the pod (killed for memory, could not start), else the
    // runner's words: a container killed by the kernel writes no result.
    const killed = pods.map(podProblem).find((p) => p && !replacedByJob(p));
    observation.failure = observation.stopped
      ? observation.stopped
      : killed
        ? { ...(exitCode !== undefined ? { exitCode } : {}), reason: killed.reason, message: killed.message }
        : {
            ...(exitCode !== undefined ? { exitCode } : {}),
            reason: finished?.reason ?? 'Failed',
            message: failureText(failedContainer?.message ?? '') || finished?.message || 'the Job failed',
          };
  }
  if (phase === 'Succeeded') {
    const messages = terminated.filter((t) => t.exitCode === 0).map((t) => t.message ?? '');
    const parsed = messages.map(parseRunResult);
    const errors = parsed.flatMap((p) => (p.ok ? [] : [p.error]));
    const results = parsed.flatMap((p) => (p.ok ? [p.result] : []));
    if (results.length > 0) observation.result = combineResults(results);
    if (errors.length > 0) observation.resultError = errors[0]!;
  }
  return observation;
}

/**
 * How far an Active attempt is from running: its pods still pending (with what holds them), or
 * none created yet, and pods of it that Kubernetes stopped. Running pods are not cached
 * (caches.ts), so a Job with no pending pod and `active` pods is running.
 */
function startProgress(job: JobView, pods: PodView[]): Pick<AttemptObservation, 'notStarted' | 'disrupted'> {
  const progress: Pick<AttemptObservation, 'notStarted' | 'disrupted'> = {};
  const live = pods.filter((pod) => !pod.metadata.deletionTimestamp);
  const pending = live.filter((pod) => pod.status?.phase === 'Pending');
  if (pending.length > 0) {
    const since = Math.min(
      ...pending.map((pod) => Date.parse(pod.metadata.creationTimestamp ?? '') || Infinity),
    );
    const problem = pending.map(podProblem).find((p) => p !== undefined);
    progress.notStarted = { since: Number.isFinite(since) ? since : 0, ...(problem ? { problem } : {}) };
  } else if (pods.length === 0 && !job.status?.active && !job.status?.ready) {
    // No pod at all yet, as while a ResourceQuota or an admission webhook refuses them. (A Job
    // replacing a pod Kubernetes stopped has that pod, and is not counted from its own creation.)
    // A Job that was suspended (waiting for Kueue) is counted from when it was resumed.
    const created = Date.parse(job.metadata.creationTimestamp ?? '') || 0;
    progress.notStarted = { since: Math.max(created, resumedAt(job)) };
  }
  const disrupted = pods.map(podProblem).find((p) => p !== undefined && replacedByJob(p));
  if (disrupted) progress.disrupted = disrupted;
  return progress;
}

/** When the Job controller last saw the Job resumed (its Suspended condition turned False); 0 if never suspended. */
function resumedAt(job: JobView): number {
  const suspended = job.status?.conditions?.find((c) => c.type === 'Suspended' && c.status === 'False');
  return Date.parse(suspended?.lastTransitionTime ?? '') || 0;
}

/** The attempts of each run in one round, oldest first, keyed by run name. */
export function attemptsByRun(
  jobs: JobView[],
  podsOfJob: (job: JobView) => PodView[],
  round: number,
): Map<string, AttemptObservation[]> {
  const byRun = new Map<string, AttemptObservation[]>();
  for (const job of jobs) {
    if (Number(job.metadata.labels?.[LABELS.round]) !== round) continue;
    const attempt = observeAttempt(job, podsOfJob(job));
    if (!attempt.run) continue;
    byRun.set(attempt.run, [...(byRun.get(attempt.run) ?? []), attempt]);
  }
  for (const list of byRun.values()) list.sort((a, b) => a.attempt - b.attempt);
  return byRun;
}
