import { shorten } from '../status/text.ts';

/**
 * The fields of a Pod the operator reads, as they arrive on the wire. The informer keeps only
 * these (controllers/caches.ts, podView): pending pods are cached too, so each one must be small.
 */
export interface PodView {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ uid: string; controller?: boolean }>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  status?: {
    phase?: string;
    /** `Evicted` for a pod the kubelet evicted under node pressure. */
    reason?: string;
    message?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      name: string;
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { exitCode: number; reason?: string; message?: string; finishedAt?: string };
      };
    }>;
  };
}

/**
 * Why a run's pod cannot start, or was stopped by Kubernetes rather than by its runner: the run
 * reasons of docs/run-failures.md. None is the provider's fault, so none counts for its circuit
 * or budget.
 */
export type PodProblemReason =
  | 'InvalidImage'
  | 'ImagePullFailed'
  | 'ContainerConfigError'
  | 'ContainerCannotStart'
  | 'Unschedulable'
  | 'NotStarted'
  | 'OOMKilled'
  | 'Evicted'
  | 'Preempted';

export interface PodProblem {
  reason: PodProblemReason;
  /** What Kubernetes said (the kubelet's or the scheduler's words), shortened. */
  message: string;
  pod: string;
}

/** A run reason that is one of these (a status entry's reason is a plain string). */
export function isPodProblemReason(reason: string): reason is PodProblemReason {
  return reason !== 'DeadlineExceeded' && Object.hasOwn(RETRIED, reason);
}

/** The rule for each reason (docs/run-failures.md): is the attempt retried under spec.retry? */
export const RETRIED: Readonly<Record<PodProblemReason | 'DeadlineExceeded', boolean>> = {
  // Waiting does not fix these: the suite or its Secrets must change.
  InvalidImage: false,
  ImagePullFailed: false,
  ContainerConfigError: false,
  ContainerCannotStart: false,
  OOMKilled: false,
  // The cluster may have room later, or the pod may start on another node.
  Unschedulable: true,
  NotStarted: true,
  DeadlineExceeded: true,
  // The Job replaces such a pod itself (its podFailurePolicy ignores disruptions).
  Evicted: true,
  Preempted: true,
};

/** The longest quote of Kubernetes' own words in a run's message. */
const QUOTE_LENGTH = 300;

/** Waiting reasons of a container whose image cannot be had (kubelet's images package). */
const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'RegistryUnavailable']);
const IMAGE_INVALID = new Set(['InvalidImageName', 'SignatureValidationFailed']);
const CANNOT_START = new Set([
  'CreateContainerError',
  'RunContainerError',
  'PreCreateHookError',
  'PreStartHookError',
]);

/**
 * What stops this pod from starting or made it end without its runner's word, if anything. A
 * pending pod with no such sign (being created, pulling its image) has none: the start timeout
 * covers it (startDeadline).
 */
export function podProblem(pod: PodView): PodProblem | undefined {
  const name = pod.metadata.name ?? '';
  const problem = (reason: PodProblemReason, message: string | undefined, fallback: string): PodProblem => ({
    reason,
    message: shorten((message ?? '').trim() || fallback, QUOTE_LENGTH),
    pod: name,
  });
  const status = pod.status;
  const disruption = status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (disruption?.reason === 'PreemptionByScheduler') {
    return problem(
      'Preempted',
      disruption.message,
      'the scheduler preempted the pod for a pod of higher priority',
    );
  }
  if (status?.reason === 'Evicted' || disruption?.reason === 'TerminationByKubelet') {
    return problem('Evicted', status?.message ?? disruption?.message, 'the kubelet evicted the pod');
  }
  for (const container of status?.containerStatuses ?? []) {
    const terminated = container.state?.terminated;
    if (terminated?.reason === 'OOMKilled') {
      return problem(
        'OOMKilled',
        undefined,
        `container ${container.name} was killed for using more memory than its limit (exit code ${terminated.exitCode})`,
      );
    }
    if (terminated?.reason === 'StartError' || terminated?.reason === 'ContainerCannotRun') {
      return problem(
        'ContainerCannotStart',
        terminated.message,
        `container ${container.name} could not start`,
      );
    }
    const waiting = container.state?.waiting;
    const reason = waiting?.reason ?? '';
    const said = (text: string) => `${reason}: ${waiting?.message?.trim() || text}`;
    if (IMAGE_INVALID.has(reason)) return problem('InvalidImage', said('the image name is invalid'), reason);
    if (IMAGE_PULL.has(reason)) return problem('ImagePullFailed', said('the image cannot be pulled'), reason);
    if (reason === 'CreateContainerConfigError') {
      return problem('ContainerConfigError', said('the container cannot be configured'), reason);
    }
    if (CANNOT_START.has(reason))
      return problem('ContainerCannotStart', said('the container cannot start'), reason);
  }
  if (status?.phase === 'Pending') {
    const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return problem('Unschedulable', scheduled.message, 'no node can run the pod');
    }
  }
  return undefined;
}

/** A problem that waiting cannot resolve, so the attempt is stopped without waiting for the start timeout. */
export function stopsAtOnce(problem: PodProblem): boolean {
  return problem.reason === 'InvalidImage';
}

/** A pod the Job replaces by itself: its podFailurePolicy ignores disruptions (render/job.ts). */
export function replacedByJob(problem: PodProblem): boolean {
  return problem.reason === 'Evicted' || problem.reason === 'Preempted';
}
