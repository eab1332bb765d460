import { observeAttempt } from '../../core/suite/observe.ts';
import { ANNOTATIONS } from '../../core/render/labels.ts';
import { generationChanged } from '../../runtime/controller/handlers.ts';
import type { SingletonController } from '../../runtime/controller/singleton.ts';
import type { Manager } from '../../runtime/manager/manager.ts';
import type { JobObject, SuiteObject } from '../caches.ts';
import type { DecisionMetrics } from '../metrics/decision-metrics.ts';
import { schedulerReconciler, type SchedulerDeps } from './reconciler.ts';

/** A Job frees capacity when it finishes or goes away; its other updates change nothing the scheduler counts. */
const freesCapacity = (job: JobObject): boolean =>
  observeAttempt(job, []).phase !== 'Active' || job.metadata.deletionTimestamp !== undefined;

/** What a scheduling pass reads of a suite: its spec, annotations (re-run requests) and current round. */
function roundOrSpecChanged(previous: SuiteObject, current: SuiteObject): boolean {
  return (
    generationChanged(previous, current) ||
    previous.status?.round !== current.status?.round ||
    previous.metadata.annotations?.[ANNOTATIONS.requestedAt] !==
      current.metadata.annotations?.[ANNOTATIONS.requestedAt]
  );
}

/**
 * The scheduler (kubebuilder's SetupWithManager): one pass at a time over every suite, admitting
 * runs across suites within the providers' caps, budgets and priorities. A singleton: every event
 * below wakes the same pass, and events during a pass bring one more after it.
 */
export function setupSchedulerController(
  manager: Manager,
  deps: SchedulerDeps & { metrics: Pick<DecisionMetrics, 'timeSchedulingPass'> },
): SingletonController {
  const { caches, state } = deps;
  const pass = schedulerReconciler(deps);
  return (
    manager
      .singleton({
        name: 'scheduler',
        reconcile: (context) => deps.metrics.timeSchedulingPass(() => pass(context)),
      })
      // The state the pass keeps between passes follows the caches (state.ts, its invariants).
      .observes(caches.jobs, state.jobEvents)
      .observes(caches.pods, state.podEvents)
      .observes(caches.suites, state.suiteEvents)
      .observes(caches.providers, state.policyEvents)
      .observes(caches.policies, state.policyEvents)
      // A Job finishing or going away frees a slot: look again at once.
      .watches(caches.jobs, {
        creates: freesCapacity,
        updates: (previous, current) => freesCapacity(previous) || freesCapacity(current),
      })
      // A policy change may free capacity or change the caps.
      .watches(caches.providers)
      .watches(caches.policies)
      // A pass skips a suite whose new round its reconciler has not recorded yet; the status write
      // that records it must bring a pass, or the suite waits for an unrelated one (suites waited
      // 44 s at p50 for their first Job in make bench).
      .watches(caches.suites, { updates: roundOrSpecChanged })
  );
}
