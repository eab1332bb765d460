import { computePolicyStatus, type PolicyStatus } from '../../core/schedule/policy-status.ts';
import { isConflict } from '../../runtime/client/errors.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { Request, Result } from '../../runtime/controller/request.ts';
import type { StatusPacer } from '../../runtime/status/pacer.ts';
import { patchStatusPaced } from '../../runtime/status/patch-status.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import type { Caches } from '../caches.ts';
import { schedulePolicyType } from '../resources.ts';

export interface PolicyReconcilerDeps {
  caches: Caches;
  client: KubeClient;
  clock: Clock;
  /** Spaces out writes of the run counts alone (absent: every change is written at once). */
  pacer?: StatusPacer<PolicyStatus> | undefined;
}

/** How long after a tick the policy's nextScheduleTime moves on. */
const TICK_SLACK_MS = 50;

/**
 * Reconciles one SchedulePolicy's status: validity of its schedule and time zone (Ready or
 * Stalled), the runs of its suites (from their status summaries), and the next tick.
 */
export function schedulePolicyReconciler(deps: PolicyReconcilerDeps) {
  return async function reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
    const policy = deps.caches.policies.store.getByName(request.namespace, request.name);
    if (!policy || policy.metadata.deletionTimestamp) return;
    const suites = deps.caches.suites.store
      .byIndex('namespace', request.namespace!)
      .filter((s) => s.spec.schedulePolicyRef === request.name);
    const now = deps.clock.now();
    const { status, wakeAt } = computePolicyStatus(policy, suites, new Date(now));
    let holdMs: number;
    try {
      holdMs = await patchStatusPaced(deps.client, schedulePolicyType, policy, status, {
        pacer: deps.pacer,
        now,
        signal: context.signal,
      });
    } catch (error) {
      // The cache is behind the object: its watch event re-queues the policy.
      if (isConflict(error)) return { requeue: true };
      throw error;
    }
    const due = Math.min(wakeAt ?? Infinity, holdMs > 0 ? now + holdMs : Infinity);
    if (due !== Infinity) return { requeueAfterMs: Math.max(0, due - now) + TICK_SLACK_MS };
  };
}
