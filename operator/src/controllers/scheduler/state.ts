import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import type { ProviderSnapshot } from '../../core/scheduling/engine.ts';
import type { SuiteRuns } from '../../core/scheduling/suite-snapshot.ts';
import { observeAttempt, type AttemptObservation } from '../../core/suite/observe.ts';
import type { EventHandler } from '../../runtime/informer/informer.ts';
import {
  podViewChanged,
  providersOfJob,
  suiteOfLabelled,
  type Labelled,
  type JobObject,
  type PodObject,
  type SuiteObject,
} from '../caches.ts';
import { AdmissionLedger } from './ledger.ts';
import { ProviderBook } from './provider-book.ts';
import { SuiteContextCache } from './suite-contexts.ts';
import { WaitingBook, type Waiting } from './waiting-book.ts';

type ProviderStatus = NonNullable<ProviderPolicy['status']>;

/** What a suite's reconciler reads of the scheduler's state, for the suite's status. */
export interface SuiteSchedulingView {
  /** Jobs admitted for the suite (`namespace/name`) that the cache does not show yet: Active attempts. */
  pendingAttempts(suite: string): AttemptObservation[];
  /** Why the last pass left each of the suite's waiting runs waiting, by run name. */
  waitingRuns(suite: string): Map<string, Waiting>;
}

/** What the ProviderPolicy reconciler tells the scheduler: the provider's state as it just computed it. */
export interface ProviderStateSink {
  /** Returns whether anything the scheduler decides on changed (a pass is then due). */
  providerObserved(
    key: string,
    policy: ProviderPolicy,
    status: ProviderStatus,
    degraded: string | undefined,
  ): boolean;
  providerGone(key: string): void;
}

/**
 * Everything the scheduler knows beyond the caches, with one owner. All of it is derived: a new
 * leader rebuilds it from the caches and its first pass. Invariants (state.test.ts):
 *
 * 1. A Job the scheduler admitted counts against capacity from its admission until the Job cache
 *    shows it, its creation fails, or its expectation expires (ADMISSION_EXPECTATION_TTL_MS):
 *    never not at all, and never twice (the ledger entry ends when the cache shows the Job).
 * 2. A suite's kept runs (SuiteContextCache) are never used after one of their inputs changed:
 *    its Jobs and Pods (as far as the operator reads them), the suite object, and its ledger
 *    entries mark the suite stale; a ProviderPolicy or SchedulePolicy change marks every suite
 *    stale. Ledger changes go through this object, so they cannot forget to.
 * 3. A provider's freshest state (ProviderBook) applies only to the generation it was computed for;
 *    a budgeted provider's finished runs reserve their expected cost until its accounting has them.
 * 4. Each pass replaces every suite's waiting reasons; a suite is woken only when its changed.
 */
export class SchedulingState implements SuiteSchedulingView, ProviderStateSink {
  private readonly ledger: AdmissionLedger;
  private readonly waiting = new WaitingBook();
  private readonly providers = new ProviderBook();
  private readonly contexts = new SuiteContextCache();

  constructor(ledger = new AdmissionLedger()) {
    this.ledger = ledger;
  }

  pendingAttempts(suite: string): AttemptObservation[] {
    return this.ledger.forSuite(suite);
  }

  waitingRuns(suite: string): Map<string, Waiting> {
    return this.waiting.forSuite(suite);
  }

  providerObserved(
    key: string,
    policy: ProviderPolicy,
    status: ProviderStatus,
    degraded: string | undefined,
  ): boolean {
    return this.providers.record(key, policy, status, degraded);
  }

  providerGone(key: string): void {
    this.providers.forget(key);
  }

  /** The engine's view of a provider: its spec's limits with the freshest state known. */
  providerSnapshot(key: string, policy: ProviderPolicy, now: number): ProviderSnapshot {
    return this.providers.snapshot(key, policy, now);
  }

  /** The suite's runs, derived again (by `compute`) only when its inputs changed since the last pass. */
  suiteRuns(key: string, suite: SuiteObject, compute: () => SuiteRuns | undefined): SuiteRuns | undefined {
    return this.contexts.getOrCompute(key, suite, compute);
  }

  /** A Job is being created for the suite: it counts as running from now on. */
  admitted(suite: string, attempt: AttemptObservation, now: number): void {
    this.ledger.add(suite, attempt, now);
    this.contexts.invalidate(suite);
  }

  /** The Job is in the cache, or its creation failed: the ledger stops counting it. */
  settle(suite: string, job: string): void {
    this.ledger.settle(suite, job);
    this.contexts.invalidate(suite);
  }

  /** Ends expectations older than their TTL: Jobs created but never seen stop holding slots. */
  expire(now: number): void {
    for (const suite of this.ledger.expire(now)) this.contexts.invalidate(suite);
  }

  /** When the next expectation expires, if any: a pass is due then. */
  nextExpiry(): number | undefined {
    return this.ledger.nextExpiry();
  }

  /** Replaces the suite's waiting reasons; returns whether they changed (its status needs a look). */
  replaceWaiting(suite: string, runs: Map<string, Waiting>): boolean {
    return this.waiting.replace(suite, runs);
  }

  /** Suites with runs the last pass left waiting. */
  waitingSuites(): string[] {
    return this.waiting.suites();
  }

  /** Keeps invariants 1 and 2 as the operator's Jobs come and go. */
  readonly jobEvents: EventHandler<JobObject> = {
    onAdd: (job) => this.jobSeen(job),
    onUpdate: (previous, job) => {
      this.staleOwner(previous);
      this.jobSeen(job);
    },
    onDelete: (job) => this.staleOwner(job),
  };

  /** Invariant 2 for pods: only changes to what the operator reads of them. */
  readonly podEvents: EventHandler<PodObject> = {
    onAdd: (pod) => this.staleOwner(pod),
    onUpdate: (previous, pod) => {
      if (podViewChanged(previous, pod)) this.staleOwner(pod);
    },
    onDelete: (pod) => this.staleOwner(pod),
  };

  /** Invariant 2 for suites (a changed object is also seen by identity; a deleted one must go). */
  readonly suiteEvents: EventHandler<SuiteObject> = {
    onAdd: (suite) => this.staleSuite(suite),
    onUpdate: (_previous, suite) => this.staleSuite(suite),
    onDelete: (suite) => this.staleSuite(suite),
  };

  /** Invariant 2 for ProviderPolicies and SchedulePolicies: any change may concern any suite. */
  readonly policyEvents: EventHandler<unknown> = {
    onAdd: () => this.contexts.invalidateAll(),
    onUpdate: () => this.contexts.invalidateAll(),
    onDelete: () => this.contexts.invalidateAll(),
  };

  private jobSeen(job: JobObject): void {
    const suite = suiteKeyOf(job);
    if (suite === undefined) return;
    if (job.metadata.name) this.ledger.settle(suite, job.metadata.name);
    this.contexts.invalidate(suite);
    const attempt = observeAttempt(job, []);
    if (attempt.phase !== 'Active' && attempt.completionTime) {
      const keys = providersOfJob(job).map(({ namespace, name }) => `${namespace}/${name}`);
      this.providers.runFinished(keys, { job: attempt.job, completionTime: attempt.completionTime });
    }
  }

  private staleOwner(object: Labelled): void {
    const suite = suiteKeyOf(object);
    if (suite !== undefined) this.contexts.invalidate(suite);
  }

  private staleSuite(suite: SuiteObject): void {
    this.contexts.invalidate(`${suite.metadata.namespace}/${suite.metadata.name}`);
  }
}

/** The suite (`namespace/name`) a Job or Pod of the operator belongs to. */
function suiteKeyOf(object: Labelled): string | undefined {
  const suite = suiteOfLabelled(object);
  return suite && `${suite.namespace}/${suite.name}`;
}
