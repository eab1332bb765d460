import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { providerDecision } from '../../core/decisions/provider.ts';
import { LABELS } from '../../core/render/labels.ts';
import { account, nextPeriodStart, type FinishedRun, type Outcome } from '../../core/provider/accounting.ts';
import { providerConditions } from '../../core/provider/conditions.ts';
import { observeAttempt } from '../../core/suite/observe.ts';
import { classifyFailure, type FailureClass } from '../../core/suite/run-state.ts';
import { isConflict } from '../../runtime/client/errors.ts';
import type { KubeClient } from '../../runtime/client/kube-client.ts';
import type { ReconcileContext } from '../../runtime/controller/controller.ts';
import type { Request, Result } from '../../runtime/controller/request.ts';
import type { StatusPacer } from '../../runtime/status/pacer.ts';
import { patchStatusPaced } from '../../runtime/status/patch-status.ts';
import type { Clock } from '../../runtime/time/clock.ts';
import type { Caches, JobObject } from '../caches.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import { providerPolicyType } from '../resources.ts';
import type { ProviderStateSink } from '../scheduler/state.ts';

type Status = NonNullable<ProviderPolicy['status']>;

export interface ProviderReconcilerDeps {
  caches: Caches;
  client: KubeClient;
  decisions: DecisionRecorder;
  /** The scheduler's state: the provider's freshest circuit, spend and degradation go there. */
  scheduler: ProviderStateSink;
  clock: Clock;
  requestSchedulingPass: () => void;
  /** Spaces out writes of progress alone (absent: every change is written at once). */
  pacer?: StatusPacer<Status> | undefined;
}

/** How a failure counts for the provider that served the run, and for the one that judged it. */
const OUTCOME_AS_TARGET: Partial<Record<FailureClass, Outcome>> = {
  provider: 'providerFailure',
  credentials: 'credentialsRejected',
};
const OUTCOME_AS_JUDGE: Partial<Record<FailureClass, Outcome>> = {
  judgeProvider: 'providerFailure',
  judgeCredentials: 'credentialsRejected',
};

/**
 * How a finished run counts for a provider that served it, judged it, or both (no failure class:
 * it succeeded): a success for each;
 * a failure for the one whose failure it was (bench-runner's exit codes tell the judge's provider
 * failures apart), nothing for the other.
 */
function outcomeFor(failureClass: FailureClass | undefined, served: boolean, judged: boolean): Outcome {
  if (failureClass === undefined) return 'success';
  return (
    (served ? OUTCOME_AS_TARGET[failureClass] : undefined) ??
    (judged ? OUTCOME_AS_JUDGE[failureClass] : undefined) ??
    'other'
  );
}

/**
 * The provider's runs that have finished, as the accounting counts them: those it served and
 * those it judged (their outcome moves its circuit as outcomeFor says; the usage it served or
 * judged is its spend). A run judged by its own provider is one run of it, with both usages.
 */
function finishedRuns(caches: Caches, jobs: JobObject[], provider: string): FinishedRun[] {
  return jobs.flatMap((job) => {
    const attempt = observeAttempt(
      job,
      job.metadata.uid ? caches.pods.store.byIndex('owner', job.metadata.uid) : [],
    );
    if (attempt.phase === 'Active' || !attempt.completionTime) return [];
    const labels = job.metadata.labels ?? {};
    const served = labels[LABELS.provider] === provider;
    const judged = labels[LABELS.judgeProvider] === provider;
    const failureClass = attempt.phase === 'Succeeded' ? undefined : classifyFailure(attempt);
    const usage = addUsage(
      served ? attempt.result?.usage : undefined,
      judged ? attempt.result?.judgeUsage : undefined,
    );
    return [
      {
        job: attempt.job,
        completionTime: attempt.completionTime,
        outcome: outcomeFor(failureClass, served, judged),
        usage,
        ...(judged && failureClass === 'judgeCredentials' ? { asJudge: true as const } : {}),
      },
    ];
  });
}

type Usage = FinishedRun['usage'];

function addUsage(a: Usage, b: Usage): Usage {
  if (!a || !b) return a ?? b;
  return {
    inputTokens: (a.inputTokens ?? 0) + (b.inputTokens ?? 0),
    outputTokens: (a.outputTokens ?? 0) + (b.outputTokens ?? 0),
  };
}

/**
 * Reconciles a ProviderPolicy: folds its finished runs into the circuit breaker and the budget's
 * spend, publishes them in status (so they survive restarts) and to the scheduler's state (so the
 * very next pass honours them, before the status write reaches the cache), and records the
 * transitions as decisions (Events and audit records).
 */
export function providerReconciler(deps: ProviderReconcilerDeps) {
  return async function reconcile(request: Request, context: ReconcileContext): Promise<Result | void> {
    const policy = deps.caches.providers.store.getByName(request.namespace, request.name);
    const key = `${request.namespace}/${request.name}`;
    if (!policy || policy.metadata.deletionTimestamp) {
      deps.scheduler.providerGone(key);
      return;
    }
    const now = deps.clock.now();
    const generation = policy.metadata.generation ?? 0;
    const jobs = deps.caches.jobs.store.byIndex('provider', key);
    const accounting = account(
      policy.spec,
      policy.status,
      finishedRuns(deps.caches, jobs, request.name),
      now,
    );
    const activeRuns = jobs.filter((job) => observeAttempt(job, []).phase === 'Active').length;

    const { conditions, degradedMessage } = providerConditions(
      policy.status?.conditions ?? [],
      accounting,
      policy.spec,
      generation,
      new Date(now),
    );
    const status: Status = {
      ...policy.status,
      observedGeneration: generation,
      conditions: conditions,
      circuit: accounting.circuit,
      activeRuns,
      ...(accounting.spend ? { spend: accounting.spend } : {}),
      ...(accounting.accountedThrough ? { accountedThrough: accounting.accountedThrough } : {}),
    };
    if (!accounting.spend) delete status.spend;
    // On record before the scheduler acts on them (its state) and before the status shows them.
    await deps.decisions.record(
      accounting.events.map((event) => providerDecision(policy, event, status, now)),
      { controller: 'providerpolicy', reconcileId: context.reconcileId },
    );
    const changed = deps.scheduler.providerObserved(key, policy, status, degradedMessage);
    if (changed) deps.requestSchedulingPass();
    let holdMs: number;
    try {
      holdMs = await patchStatusPaced(deps.client, providerPolicyType, policy, status, {
        pacer: deps.pacer,
        now,
        signal: context.signal,
      });
    } catch (error) {
      if (isConflict(error)) return { requeue: true };
      throw error;
    }
    const wakeAt = Math.min(
      accounting.circuit.openUntil ? Date.parse(accounting.circuit.openUntil) : Infinity,
      policy.spec.budget ? nextPeriodStart(policy.spec.budget.period ?? 'Month', now) : Infinity,
      holdMs > 0 ? now + holdMs : Infinity,
    );
    if (Number.isFinite(wakeAt)) return { requeueAfterMs: Math.max(0, wakeAt - now) + 10 };
  };
}
