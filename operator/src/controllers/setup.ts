import { ANNOTATIONS, LABELS } from '../core/render/labels.ts';
import { generationChanged } from '../runtime/controller/handlers.ts';
import type { Request } from '../runtime/controller/request.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import { realClock, type Clock } from '../runtime/time/clock.ts';
import type { AuditTrail } from '../audit/setup.ts';
import type { ManagedRevisions } from '../gitops/managed-revisions.ts';
import { DeletedSuites } from './benchmarksuite/deleted-suites.ts';
import { suiteOfWriter, suiteReconciler } from './benchmarksuite/reconciler.ts';
import { DecisionRecorder } from './decision-recorder.ts';
import { setupDomainMetrics } from './metrics/domain-metrics.ts';
import { schedulePolicyReconciler } from './schedulepolicy/reconciler.ts';
import { statusPacers } from './status-pacing.ts';
import { observeAttempt } from '../core/suite/observe.ts';
import { createCaches, podViewChanged, type Caches, type JobObject, type SuiteObject } from './caches.ts';
import { ProviderBook } from './providerpolicy/book.ts';
import { providerReconciler } from './providerpolicy/reconciler.ts';
import { AdmissionLedger, WaitingBook } from './scheduler/ledger.ts';
import { SCHEDULING_PASS, schedulerReconciler, SuiteContextCache } from './scheduler/reconciler.ts';

const suiteOwner = { group: 'bench.dev', kind: 'BenchmarkSuite' };

/** How long a status waits to gather the events of the runs it counts (the Job controller's batch period). */
const RUN_EVENT_BATCH_MS = 1000;

/** Suites in the object's namespace that name it in the given reference field. */
function suitesReferencing(
  caches: Caches,
  namespace: string | undefined,
  matches: (suite: Caches['suites']['store'] extends { list(): Array<infer S> } ? S : never) => boolean,
): Request[] {
  if (!namespace) return [];
  return caches.suites.store
    .byIndex('namespace', namespace)
    .filter(matches)
    .map((suite) => ({ namespace, name: suite.metadata.name! }));
}

/** What a scheduling pass reads of a suite: its spec, annotations (re-run requests) and current round. */
function roundOrSpecChanged(previous: SuiteObject, current: SuiteObject): boolean {
  return (
    generationChanged(previous, current) ||
    previous.status?.round !== current.status?.round ||
    previous.metadata.annotations?.[ANNOTATIONS.requestedAt] !==
      current.metadata.annotations?.[ANNOTATIONS.requestedAt]
  );
}

function suiteOfLabelled(object: {
  metadata: { namespace?: string; labels?: Record<string, string> };
}): Request[] {
  const name = object.metadata.labels?.[LABELS.suite];
  return name && object.metadata.namespace ? [{ namespace: object.metadata.namespace, name }] : [];
}

/**
 * Wires the operator's two controllers onto the manager: `benchmarksuite` (rounds, cleanup and
 * status, several workers) and `scheduler` (admission across all suites, one pass at a time).
 */
export interface ControllerOptions {
  /** The audit trail, when auditing is on (operator/src/audit). */
  audit?: AuditTrail | undefined;
  /** Revisions from the GitOps objects managing suites, when configured (operator/src/gitops). */
  revisions?: ManagedRevisions | undefined;
  clock?: Clock;
}

export function setupControllers(manager: Manager, options: ControllerOptions = {}): Caches {
  const clock = options.clock ?? realClock;
  const pacers = statusPacers();
  const caches = createCaches(manager);
  // Every decision's Event, audit record and log line come from here (docs/audit.md).
  const metrics = setupDomainMetrics(manager, caches, clock);
  const decisions = new DecisionRecorder({
    events: manager.events,
    audit: options.audit,
    logger: manager.logger,
    metrics,
  });
  const deleted = new DeletedSuites();
  caches.suites.addEventHandler({ onDelete: (suite) => deleted.remember(suite) });
  const ledger = new AdmissionLedger();
  const waiting = new WaitingBook();
  const contexts = new SuiteContextCache();
  const suites = manager.controller({
    name: 'benchmarksuite',
    reconcile: (request, context) => reconcileSuite(request, context),
  });
  const scheduler = manager.controller({
    name: 'scheduler',
    workers: 1,
    reconcile: (request, context) => metrics.timeSchedulingPass(() => runPass(request, context)),
  });
  const providerBook = new ProviderBook();
  const providerPolicies = manager.controller({
    name: 'providerpolicy',
    reconcile: (request, context) => reconcileProvider(request, context),
  });
  const requestSchedulingPass = () => scheduler.queue.add(SCHEDULING_PASS.name);
  // Runs held back by a full audit backlog are admitted as soon as it has room.
  options.audit?.onRoom(requestSchedulingPass);
  const reconcileProvider = providerReconciler({
    caches,
    client: manager.client,
    decisions,
    book: providerBook,
    clock,
    requestSchedulingPass,
    pacer: pacers.providers,
  });
  const reconcileSuite = suiteReconciler({
    caches,
    client: manager.client,
    decisions,
    deleted,
    ledger,
    waiting,
    clock,
    requestSchedulingPass,
    managedRevision: options.revisions ? (suite) => options.revisions!.of(suite) : undefined,
    pacer: pacers.suites,
    priority: manager.priority,
    identity: manager.options.identity,
  });
  const runPass = schedulerReconciler({
    caches,
    client: manager.client,
    decisions,
    ledger,
    waiting,
    providers: providerBook,
    clock,
    enqueueSuite: (namespace, name) => suites.queue.add(`${namespace}/${name}`),
    contexts,
    priority: manager.priority,
    identity: manager.options.identity,
  });
  // Status writes that stepped aside for Job creations are made as soon as those are done.
  manager.priority.onIdle((writers) => {
    for (const writer of writers) {
      const suite = suiteOfWriter(writer);
      if (suite) suites.queue.add(suite);
    }
  });

  // A created Job now in the cache no longer needs the ledger to be counted.
  const settle = (job: JobObject) => {
    const suite = job.metadata.labels?.[LABELS.suite];
    if (suite && job.metadata.name) ledger.settle(`${job.metadata.namespace}/${suite}`, job.metadata.name);
  };
  caches.jobs.addEventHandler({ onAdd: settle, onUpdate: (_old, job) => settle(job) });

  // The scheduler keeps each suite's context between passes: mark it stale when its inputs change.
  const staleOwner = (object: { metadata: { namespace?: string; labels?: Record<string, string> } }) => {
    for (const { namespace, name } of suiteOfLabelled(object)) contexts.invalidate(`${namespace}/${name}`);
  };
  const staleSuite = (suite: { metadata: { namespace?: string; name?: string } }) =>
    contexts.invalidate(`${suite.metadata.namespace}/${suite.metadata.name}`);
  const staleAll = () => contexts.invalidateAll();
  caches.jobs.addEventHandler({
    onAdd: staleOwner,
    onUpdate: (old, current) => {
      staleOwner(old);
      staleOwner(current);
    },
    onDelete: staleOwner,
  });
  caches.pods.addEventHandler({
    onAdd: staleOwner,
    onUpdate: (old, current) => {
      if (podViewChanged(old, current)) staleOwner(current);
    },
    onDelete: staleOwner,
  });
  caches.suites.addEventHandler({
    onAdd: staleSuite,
    onUpdate: (_old, suite) => staleSuite(suite),
    onDelete: staleSuite,
  });
  for (const informer of [caches.providers, caches.policies] as const) {
    informer.addEventHandler({ onAdd: staleAll, onUpdate: staleAll, onDelete: staleAll });
  }

  suites
    .for(caches.suites)
    // A suite's Jobs and Pods change in bursts (created together, finishing together): batched,
    // each burst costs one status write instead of one per event; status writes compete with Job
    // creation at the API server (make bench).
    .owns(caches.jobs, suiteOwner, { batchPeriodMs: RUN_EVENT_BATCH_MS })
    // Pending and finished pods (caches.ts): why a runner does not start, and a run's result.
    .watches(caches.pods, suiteOfLabelled, {
      batchPeriodMs: RUN_EVENT_BATCH_MS,
      updates: podViewChanged,
    })
    // A suite reads only its policies' specs (and whether they exist), never their status: status
    // updates (activeRuns and spend on every Job start and finish) would otherwise re-queue every
    // referencing suite, 116,000 reconciles for 200 suites of 10 runs (make bench).
    .watches(
      caches.providers,
      (p) =>
        suitesReferencing(caches, p.metadata.namespace, (s) =>
          s.spec.targets.some((t) => t.providerRef === p.metadata.name),
        ),
      { updates: generationChanged },
    )
    .watches(
      caches.policies,
      (p) =>
        suitesReferencing(caches, p.metadata.namespace, (s) => s.spec.schedulePolicyRef === p.metadata.name),
      { updates: generationChanged },
    );
  // A round starting reads the revision of the suite's Kustomization or Application: only once
  // those caches are filled. Their changes themselves concern no suite (the revision is taken when
  // a round starts), so they map to nothing.
  for (const informer of options.revisions?.informers ?? []) suites.watches(informer, () => []);
  // A provider's status follows its Jobs. A failed Job may open the circuit: at once. The rest (active
  // runs, spend) is batched: unbatched, these status writes were two per Job and competed with
  // Job creation at the API server (make bench).
  const providerOf = (job: JobObject): Request[] => {
    const provider = job.metadata.labels?.[LABELS.provider];
    return provider && job.metadata.namespace ? [{ namespace: job.metadata.namespace, name: provider }] : [];
  };
  const failed = (job: JobObject) => observeAttempt(job, []).phase === 'Failed';
  providerPolicies
    .for(caches.providers)
    .watches(caches.jobs, (job) => (failed(job) ? providerOf(job) : []))
    .watches(caches.jobs, (job) => (failed(job) ? [] : providerOf(job)), {
      batchPeriodMs: RUN_EVENT_BATCH_MS,
    });
  // SchedulePolicy status: validity, its suites' run counts (from their status) and the next tick.
  manager
    .controller({
      name: 'schedulepolicy',
      reconcile: schedulePolicyReconciler({ caches, client: manager.client, clock, pacer: pacers.policies }),
    })
    .for(caches.policies)
    .watches(
      caches.suites,
      (s) =>
        s.spec.schedulePolicyRef && s.metadata.namespace
          ? [{ namespace: s.metadata.namespace, name: s.spec.schedulePolicyRef }]
          : [],
      { batchPeriodMs: RUN_EVENT_BATCH_MS },
    );
  // A Job finishing frees a slot; a policy change may free capacity: look again at once.
  const pass = (): Request[] => [SCHEDULING_PASS];
  // A Job frees capacity when it finishes or goes away; its other updates change nothing the scheduler counts.
  scheduler
    .watches(caches.jobs, (job) =>
      observeAttempt(job, []).phase !== 'Active' || job.metadata.deletionTimestamp ? pass() : [],
    )
    .watches(caches.providers, pass)
    .watches(caches.policies, pass)
    // A pass skips a suite whose new round its reconciler has not recorded yet; the status write
    // that records it must bring a pass, or the suite waits for an unrelated one (suites waited
    // 44 s at p50 for their first Job in make bench).
    .watches(caches.suites, pass, { updates: roundOrSpecChanged });
  caches.jobs.addEventHandler({ onDelete: requestSchedulingPass });
  return caches;
}
