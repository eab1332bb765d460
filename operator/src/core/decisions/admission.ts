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
