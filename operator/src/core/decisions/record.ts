import type { AdmissionInputs, CapacityUse } from '../scheduling/engine.ts';

/**
 * What the operator decided or observed, described once by the controller that took it; the
 * decision recorder turns it into a Kubernetes Event and, when auditing is on, an audit record
 * (docs/audit.md). Suite-level reasons regard a BenchmarkSuite, provider-level ones a ProviderPolicy.
 */
export type DecisionReason =
  | 'RoundStarted'
  | 'RoundSkipped'
  | 'RoundCompleted'
  | 'RunAdmitted'
  | 'FailedOver'
  | 'RunDeferred'
  /** The API server refused a run's Job; the run waits out its own backoff (docs/scheduling.md). */
  | 'JobRejected'
  | 'RunSucceeded'
  | 'RunFailed'
  | 'RunRetrying'
  /** An attempt reused items earlier attempts (or rounds) answered instead of asking for them again. */
  | 'RunResumed'
  | 'RunBlocked'
  /** A running attempt's runner cannot start (Unschedulable, ImagePullFailed, ...): the Event carries that reason. */
  | 'RunNotStarting'
  /** Kubernetes evicted or preempted a pod of a running attempt; the Job replaces it. */
  | 'RunDisrupted'
  /** The operator stopped an attempt whose runner did not start in time, or cannot (docs/run-failures.md). */
  | 'RunStopped'
  | 'JobDeleted'
  | 'SuiteDeleted'
  /** The suite cannot proceed; `facts.stall` says why (ReferenceMissing, DependencyCycle, ...). */
  | 'SuiteStalled'
  /** A regression gate's verdict on a finished round (docs/results.md). */
  | 'GatePassed'
  | 'GateFailed'
  | 'GateInconclusive'
  | 'CircuitOpened'
  | 'CircuitHalfOpen'
  | 'CircuitClosed'
  | 'BudgetExhausted'
  | 'CredentialsRejected';

/** An object a decision is about: an events.k8s.io/v1 ObjectReference. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** The inputs that explain a decision. Only what applies is set. */
export interface DecisionFacts {
  round?: number;
  /** The suite's Git revision for the round (status.sourceRevision). */
  revision?: string;
  run?: string;
  benchmark?: string;
  target?: string;
  attempt?: number;
  job?: string;
  /** The ProviderPolicy (name) the run uses, and the model there. */
  provider?: string;
  model?: string;
  /** A gate's verdict, with the numbers behind it. */
  gate?: {
    name: string;
    verdict: string;
    method: string;
    candidate?: number;
    baseline?: number;
    difference?: number;
    low?: number;
    high?: number;
    pValue?: number;
  };
  /** After a failover: the target's own ProviderPolicy, whose circuit is open. */
  failedOverFrom?: string;
  schedulePolicy?: string;
  priority?: number;
  capacity?: AdmissionInputs['capacity'];
  circuit?: {
    state: string;
    target?: string;
    consecutiveFailures?: number;
    openUntil?: string;
  };
  /** RunDeferred: why the run waits now, why it waited before, and the cap that holds it. */
  wait?: { reason: string; previousReason?: string; capacity?: CapacityUse };
  /** JobRejected: the API server's answer, how often this attempt's Job was refused, and when it is tried again. */
  rejection?: { code: number; reason?: string; refusals: number; retryAt: string };
  /** Outcomes of runs: the status entry's state and reason, with the exit code and result where known. */
  outcome?: { state: string; reason?: string; score?: number; inputTokens?: number; outputTokens?: number };
  /** What an attempt reused rather than asked for again: items, and the tokens they had taken. */
  reuse?: { items: number; inputTokens?: number; outputTokens?: number };
  /** RoundCompleted: run counts of the round. */
  summary?: { total: number; succeeded: number; failed: number; blocked: number };
  /** RoundSkipped: the schedule tick that started no round. */
  tick?: string;
  /** SuiteStalled: the Stalled condition's reason. */
  stall?: string;
  spend?: { amount?: string; currency?: string; limit?: string; periodStart?: string };
  /** BenchmarkSuite targets' ProviderPolicies and the SchedulePolicy it references. */
  references?: { providerPolicies?: string[]; schedulePolicy?: string };
}

export interface DecisionRecord {
  /**
   * Stable: derived from what the decision is about (decisionId), never from the clock or a
   * counter, so a decision taken again after a crash has the same id and receivers de-duplicate.
   */
  id: string;
  reason: DecisionReason;
  /** The Event reason: the decision's, except SuiteStalled, which carries the stall's own (e.g. ReferenceMissing). */
  eventReason: string;
  type: 'Normal' | 'Warning';
  /** The Event's action, e.g. Admit. */
  action: string;
  regarding: ObjectRef;
  related?: ObjectRef;
  /** Human-readable: the Event's note. */
  message: string;
  /** When it was decided (RFC 3339 with milliseconds). */
  time: string;
  facts: DecisionFacts;
}

/** What a reference needs of an object: kind and apiVersion default to the resource's own. */
export interface Referable {
  apiVersion?: string;
  kind?: string;
  metadata?: { namespace?: string; name?: string; uid?: string };
}

/** Builds a decision id from its subject's uid and what about the subject was decided. */
export function decisionId(subjectUid: string, ...about: Array<string | number>): string {
  if (!subjectUid) throw new Error('a decision needs the uid of the object it is about');
  return [subjectUid, ...about.map(String)].join('/');
}

/** Drops undefined fields, so records compare and serialize the same however they were built. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
