import type { Decision } from '../scheduling/engine.ts';
import type { RunSpec } from '../suite/runs.ts';
import { compact, decisionId, type DecisionRecord } from './record.ts';
import { jobRef, type SuiteSubject } from './suite.ts';

type Admit = Extract<Decision, { type: 'admit' }>;
type Defer = Extract<Decision, { type: 'defer' }>;

const nameOf = (key: string): string => key.slice(key.indexOf('/') + 1);

function runFacts(run: RunSpec) {
  return { run: run.name, benchmark: run.benchmark.name, target: run.target.name };
}

/** A run admitted on its own provider (RunAdmitted) or, its circuit open, on a failover one (FailedOver). */
export function runAdmitted(
  subject: SuiteSubject,
  run: RunSpec,
  decision: Admit,
  job: string,
  now: number,
): DecisionRecord {
  const reason = decision.reason === 'FailedOver' ? 'FailedOver' : 'RunAdmitted';
  return {
    id: decisionId(subject.ref.uid, `r${subject.round}`, run.name, `a${decision.attempt}`, reason),
    reason,
    eventReason: reason,
    type: 'Normal',
    action: 'Admit',
    regarding: subject.ref,
    related: jobRef(subject.ref.namespace, job),
    message: `run ${run.name} attempt ${decision.attempt}: ${decision.message}; Job ${job}`,
    time: new Date(now).toISOString(),
    facts: compact({
      round: subject.round,
      revision: subject.revision,
      ...runFacts(run),
      attempt: decision.attempt,
      job,
      provider: nameOf(decision.provider),
      model: decision.model,
      failedOverFrom: reason === 'FailedOver' ? run.target.providerRef : undefined,
      schedulePolicy: subject.schedulePolicy,
      priority: decision.inputs.priority,
      capacity: decision.inputs.capacity,
      circuit: decision.inputs.circuit,
    }),
  };
}

/**
 * A run waits, for another reason than before. A run waiting for the same reason again within
 * the same attempt is the same decision (same id): receivers keep the first.
 */
export function runDeferred(
  subject: SuiteSubject,
  run: RunSpec,
  attempt: number,
  decision: Defer,
  previousReason: string | undefined,
  now: number,
): DecisionRecord {
  return {
    id: decisionId(
      subject.ref.uid,
      `r${subject.round}`,
      run.name,
      `a${attempt}`,
      'RunDeferred',
      decision.reason,
    ),
    reason: 'RunDeferred',
    eventReason: 'RunDeferred',
    type: 'Normal',
    action: 'Defer',
    regarding: subject.ref,
    message: `run ${run.name} attempt ${attempt} waits (${decision.reason}): ${decision.message}`,
    time: new Date(now).toISOString(),
    facts: compact({
      round: subject.round,
      revision: subject.revision,
      ...runFacts(run),
      attempt,
      provider: run.target.providerRef,
      model: run.target.model,
      schedulePolicy: subject.schedulePolicy,
      priority: decision.priority,
      wait: compact({ reason: decision.reason, previousReason, capacity: decision.capacity }),
    }),
  };
}

/** What the API server answered when it refused a run's Job, and what the scheduler does about it. */
export interface JobRefusal {
  attempt: number;
  job: string;
  /** The provider and model the Job was for (after a failover, the failover provider's). */
  provider: string;
  model: string;
  code: number;
  /** The metav1.Status reason, e.g. Invalid, Forbidden. */
  statusReason?: string | undefined;
  /** The run's message: the server's words (shortened) and when it is tried again. */
  message: string;
  /** How often this attempt's Job has been refused in a row, this one included. */
  refusals: number;
  retryAt: number;
}

/**
 * The API server refused a run's Job (JobRejected, Warning). Each refusal is its own decision: the
 * id carries the time of the answer, as a circuit's transitions do, since the same attempt is
 * refused again after every backoff.
 */
export function jobRejected(
  subject: SuiteSubject,
  run: RunSpec,
  refusal: JobRefusal,
  now: number,
): DecisionRecord {
  const time = new Date(now).toISOString();
  return {
    id: decisionId(
      subject.ref.uid,
      `r${subject.round}`,
      run.name,
      `a${refusal.attempt}`,
      'JobRejected',
      time,
    ),
    reason: 'JobRejected',
    eventReason: 'JobRejected',
    type: 'Warning',
    action: 'CreateJob',
    regarding: subject.ref,
    related: jobRef(subject.ref.namespace, refusal.job),
    message: `run ${run.name} attempt ${refusal.attempt}: ${refusal.message}`,
    time,
    facts: compact({
      round: subject.round,
      revision: subject.revision,
      ...runFacts(run),
      attempt: refusal.attempt,
      job: refusal.job,
      provider: nameOf(refusal.provider),
      model: refusal.model,
      schedulePolicy: subject.schedulePolicy,
      rejection: compact({
        code: refusal.code,
        reason: refusal.statusReason,
        refusals: refusal.refusals,
        retryAt: new Date(refusal.retryAt).toISOString(),
      }),
    }),
  };
}
