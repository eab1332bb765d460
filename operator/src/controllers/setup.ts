import type { AuditTrail } from '../audit/setup.ts';
import type { ArtifactStore } from '../core/render/artifact-store.ts';
import type { ManagedRevisions } from '../gitops/managed-revisions.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import { realClock, type Clock } from '../runtime/time/clock.ts';
import { setupBenchmarkSuiteController } from './benchmarksuite/setup.ts';
import { createCaches, type Caches } from './caches.ts';
import { DecisionRecorder } from './decision-recorder.ts';
import { setupDomainMetrics } from './metrics/domain-metrics.ts';
import { setupProviderPolicyController } from './providerpolicy/setup.ts';
import { setupSchedulePolicyController } from './schedulepolicy/setup.ts';
import { setupSchedulerController } from './scheduler/setup.ts';
import { SchedulingState } from './scheduler/state.ts';
import { statusPacers } from './status-pacing.ts';

export interface ControllerOptions {
  /** The audit trail, when auditing is on (operator/src/audit). */
  audit?: AuditTrail | undefined;
  /** Revisions from the GitOps objects managing suites, when configured (operator/src/gitops). */
  revisions?: ManagedRevisions | undefined;
  /** Where runs write their artifacts, when the administrator configured a store (--artifacts-*). */
  artifacts?: ArtifactStore | undefined;
  /** Runs in use at once over every suite, at most (--scheduler-max-active-runs; absent: no cap). */
  maxActiveRuns?: number | undefined;
  clock?: Clock;
}

/**
 * Wires the operator's controllers onto the manager (docs/architecture.md): `benchmarksuite`
 * (rounds, cleanup and status), `scheduler` (admission across all suites, one pass at a time),
 * `providerpolicy` and `schedulepolicy` (their status). Each controller's setup file says what it
 * watches; the scheduler's state (scheduler/state.ts) is the one thing they share beside the caches.
 */
export function setupControllers(manager: Manager, options: ControllerOptions = {}): Caches {
  const clock = options.clock ?? realClock;
  const pacers = statusPacers();
  const caches = createCaches(manager);
  const metrics = setupDomainMetrics(manager, caches, clock);
  // Every decision's Event, audit record and log line come from here (docs/audit.md).
  const decisions = new DecisionRecorder({
    events: manager.events,
    audit: options.audit,
    logger: manager.logger,
    metrics,
  });
  const scheduling = new SchedulingState();
  const common = { caches, client: manager.client, clock };
  const identity = manager.options.identity;
  const requestSchedulingPass = () => scheduler.trigger();

  const suites = setupBenchmarkSuiteController(manager, {
    ...common,
    decisions,
    scheduling,
    requestSchedulingPass,
    managedRevision: options.revisions ? (suite) => options.revisions!.of(suite) : undefined,
    revisionCaches: options.revisions?.informers,
    pacer: pacers.suites,
    priority: manager.priority,
    identity,
    artifacts: options.artifacts,
  });
  const scheduler = setupSchedulerController(manager, {
    ...common,
    decisions,
    state: scheduling,
    enqueueSuite: (namespace, name) => suites.queue.add(`${namespace}/${name}`),
    priority: manager.priority,
    identity,
    metrics,
    artifacts: options.artifacts,
    maxActiveRuns: options.maxActiveRuns,
  });
  setupProviderPolicyController(manager, {
    ...common,
    decisions,
    scheduler: scheduling,
    requestSchedulingPass,
    pacer: pacers.providers,
  });
  setupSchedulePolicyController(manager, { ...common, pacer: pacers.policies });
  // Runs held back by a full audit backlog are admitted as soon as it has room.
  options.audit?.onRoom(requestSchedulingPass);
  return caches;
}
