import { microTime } from '../time/microtime.ts';

/** The fields of coordination.k8s.io/v1 LeaseSpec that leader election uses. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** The spec to write when `identity` acquires or renews a lease currently holding `current`. */
export function claimLease(
  current: LeaseSpec | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): LeaseSpec {
  const renewing = current?.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing && current?.acquireTime ? current.acquireTime : microTime(now),
    renewTime: microTime(now),
    leaseTransitions: renewing ? (current?.leaseTransitions ?? 0) : (current?.leaseTransitions ?? -1) + 1,
  };
}

/** client-go's ReleaseOnCancel record: no holder and a 1 s duration, so a candidate takes over at its next retry. */
export function releasedLease(current: LeaseSpec, now: Date): LeaseSpec {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}

/**
 * Whether another holder still owns the lease. Like client-go, expiry is measured on our own clock
 * from when we last saw the record change, not from its renewTime, so clock skew between
 * replicas cannot make a live leader look expired.
 */
export function heldByOther(spec: LeaseSpec, identity: string, observedAtMs: number, nowMs: number): boolean {
  if (!spec.holderIdentity || spec.holderIdentity === identity) return false;
  return observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000 > nowMs;
}

/**
 * When a candidate should next try to take a lease it first saw as `spec` at `observedAtMs` (its
 * own clock): at once if nobody holds it (released on shutdown, or ours from a previous run),
 * otherwise `slackMs` after the moment heldByOther stops counting it as held. Attempting then,
 * rather than at the next jittered poll, is what keeps a takeover within the lease duration.
 */
export function acquireAttemptAt(
  spec: LeaseSpec,
  identity: string,
  observedAtMs: number,
  slackMs: number,
): number {
  if (!spec.holderIdentity || spec.holderIdentity === identity) return observedAtMs;
  return observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000 + slackMs;
}
