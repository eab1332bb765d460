import { observeAttempt } from '../../core/suite/observe.ts';
import type { Controller } from '../../runtime/controller/controller.ts';
import type { Request } from '../../runtime/controller/request.ts';
import type { Manager } from '../../runtime/manager/manager.ts';
import { providersOfJob, type JobObject } from '../caches.ts';
import { RUN_EVENT_BATCH_MS } from '../run-event-batching.ts';
import { providerReconciler, type ProviderReconcilerDeps } from './reconciler.ts';

const providerOf = (job: JobObject): Request[] => providersOfJob(job);

const failed = (job: JobObject) => observeAttempt(job, []).phase === 'Failed';

/**
 * The ProviderPolicy controller (kubebuilder's SetupWithManager): circuit breaker, spend and
 * status from the provider's Jobs.
 */
export function setupProviderPolicyController(manager: Manager, deps: ProviderReconcilerDeps): Controller {
  const { caches } = deps;
  return (
    manager
      .controller({ name: 'providerpolicy', reconcile: providerReconciler(deps) })
      .for(caches.providers)
      // A failed Job may open the circuit: at once.
      .watches(caches.jobs, (job) => (failed(job) ? providerOf(job) : []))
      // The rest (active runs, spend) is batched: unbatched, these status writes were two per Job
      // and competed with Job creation at the API server (make bench).
      .watches(caches.jobs, (job) => (failed(job) ? [] : providerOf(job)), {
        batchPeriodMs: RUN_EVENT_BATCH_MS,
      })
  );
}
