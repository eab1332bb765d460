import type { Controller } from '../../runtime/controller/controller.ts';
import type { Manager } from '../../runtime/manager/manager.ts';
import { RUN_EVENT_BATCH_MS } from '../run-event-batching.ts';
import { schedulePolicyReconciler, type PolicyReconcilerDeps } from './reconciler.ts';

/**
 * The SchedulePolicy controller (kubebuilder's SetupWithManager): the policy's validity, its
 * suites' run counts (from their status) and the next tick.
 */
export function setupSchedulePolicyController(manager: Manager, deps: PolicyReconcilerDeps): Controller {
  const { caches } = deps;
  return manager
    .controller({ name: 'schedulepolicy', reconcile: schedulePolicyReconciler(deps) })
    .for(caches.policies)
    .watches(
      caches.suites,
      (s) =>
        s.spec.schedulePolicyRef && s.metadata.namespace
          ? [{ namespace: s.metadata.namespace, name: s.spec.schedulePolicyRef }]
          : [],
      { batchPeriodMs: RUN_EVENT_BATCH_MS },
    );
}
