import { generationChanged } from '../../runtime/controller/handlers.ts';
import type { Controller } from '../../runtime/controller/controller.ts';
import type { Request } from '../../runtime/controller/request.ts';
import type { KubeObject } from '../../runtime/client/resource.ts';
import type { Informer } from '../../runtime/informer/informer.ts';
import type { Manager } from '../../runtime/manager/manager.ts';
import { podViewChanged, suiteOfLabelled, type Caches, type Labelled, type SuiteObject } from '../caches.ts';
import { RUN_EVENT_BATCH_MS } from '../run-event-batching.ts';
import { DeletedSuites } from './deleted-suites.ts';
import { suiteOfWriter, suiteReconciler, type SuiteReconcilerDeps } from './reconciler.ts';
import { providerRefsOf } from '../../core/suite/stall.ts';

const suiteOwner = { group: 'bench.dev', kind: 'BenchmarkSuite' };

export interface SuiteControllerDeps extends Omit<SuiteReconcilerDeps, 'deleted'> {
  /** The caches of the GitOps objects managing suites, when the operator reads their revisions. */
  revisionCaches?: ReadonlyArray<Informer<KubeObject>> | undefined;
}

/** Suites in the object's namespace for which `matches` holds. */
function suitesWhere(
  caches: Caches,
  namespace: string | undefined,
  matches: (suite: SuiteObject) => boolean,
): Request[] {
  if (!namespace) return [];
  return caches.suites.store
    .byIndex('namespace', namespace)
    .filter(matches)
    .map((suite) => ({ namespace, name: suite.metadata.name! }));
}

const suiteOf = (object: Labelled): Request[] => {
  const suite = suiteOfLabelled(object);
  return suite ? [suite] : [];
};

/**
 * The BenchmarkSuite controller (kubebuilder's SetupWithManager): rounds, cleanup and status, one
 * suite per reconcile, several workers. It never creates Jobs: the scheduler does.
 */
export function setupBenchmarkSuiteController(manager: Manager, deps: SuiteControllerDeps): Controller {
  const { caches } = deps;
  const deleted = new DeletedSuites();
  const controller = manager
    .controller({ name: 'benchmarksuite', reconcile: suiteReconciler({ ...deps, deleted }) })
    .for(caches.suites)
    // A suite that is gone is reconciled for its SuiteDeleted record: keep its last state for that.
    .observes(caches.suites, { onDelete: (suite) => deleted.remember(suite) })
    // Batched: status writes compete with Job creation at the API server (make bench).
    .owns(caches.jobs, suiteOwner, { batchPeriodMs: RUN_EVENT_BATCH_MS })
    // A new round record may push an old one past the suite's history limit.
    .owns(caches.rounds, suiteOwner)
    // Pending and finished pods (caches.ts): why a runner does not start, and a run's result.
    .watches(caches.pods, suiteOf, { batchPeriodMs: RUN_EVENT_BATCH_MS, updates: podViewChanged })
    // A suite reads only its policies' specs (and whether they exist), never their status: status
    // updates (activeRuns and spend on every Job start and finish) would otherwise re-queue every
    // referencing suite, 116,000 reconciles for 200 suites of 10 runs (make bench).
    .watches(
      caches.providers,
      (p) =>
        suitesWhere(caches, p.metadata.namespace, (s) => providerRefsOf(s.spec).includes(p.metadata.name!)),
      { updates: generationChanged },
    )
    .watches(
      caches.policies,
      (p) => suitesWhere(caches, p.metadata.namespace, (s) => s.spec.schedulePolicyRef === p.metadata.name),
      { updates: generationChanged },
    );
  // A round starting reads the revision of the suite's Kustomization or Application: only once
  // those caches are filled. Their changes concern no suite (the revision is taken when a round
  // starts).
  for (const informer of deps.revisionCaches ?? []) controller.waitsFor(informer);
  // Status writes that stepped aside for Job creations are made as soon as those are done.
  manager.priority.onIdle((writers) => {
    for (const writer of writers) {
      const suite = suiteOfWriter(writer);
      if (suite) controller.queue.add(suite);
    }
  });
  return controller;
}
