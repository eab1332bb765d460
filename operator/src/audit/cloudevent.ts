import { CloudEvent, HTTP } from 'cloudevents';
import type { DecisionReason, DecisionRecord } from '../core/decisions/record.ts';

/** The CloudEvents `type` of each decision: `dev.bench.<what>.<what happened>`. */
export const AUDIT_TYPES: Record<DecisionReason, string> = {
  RoundStarted: 'dev.bench.round.started',
  RoundSkipped: 'dev.bench.round.skipped',
  RoundCompleted: 'dev.bench.round.completed',
  RunAdmitted: 'dev.bench.run.admitted',
  FailedOver: 'dev.bench.run.failedover',
  RunDeferred: 'dev.bench.run.deferred',
  JobRejected: 'dev.bench.job.rejected',
  RunSucceeded: 'dev.bench.run.succeeded',
  RunFailed: 'dev.bench.run.failed',
  RunRetrying: 'dev.bench.run.retrying',
  RunResumed: 'dev.bench.run.resumed',
  RunBlocked: 'dev.bench.run.blocked',
  RunNotStarting: 'dev.bench.run.notstarting',
  RunDisrupted: 'dev.bench.run.disrupted',
  RunStopped: 'dev.bench.run.stopped',
  JobDeleted: 'dev.bench.job.deleted',
  SuiteDeleted: 'dev.bench.suite.deleted',
  SuiteStalled: 'dev.bench.suite.stalled',
  GatePassed: 'dev.bench.gate.passed',
  GateFailed: 'dev.bench.gate.failed',
  GateInconclusive: 'dev.bench.gate.inconclusive',
  CircuitOpened: 'dev.bench.circuit.opened',
  CircuitHalfOpen: 'dev.bench.circuit.halfopen',
  CircuitClosed: 'dev.bench.circuit.closed',
  BudgetExhausted: 'dev.bench.budget.exhausted',
  CredentialsRejected: 'dev.bench.provider.credentialsrejected',
};

const PLURALS: Record<string, string> = {
  BenchmarkSuite: 'benchmarksuites',
  ProviderPolicy: 'providerpolicies',
};

/** The object a record is about, as an API path below the group: `namespaces/<ns>/benchmarksuites/<name>`. */
export function subjectOf(record: Pick<DecisionRecord, 'regarding'>): string {
  const { namespace, kind, name } = record.regarding;
  return `namespaces/${namespace}/${PLURALS[kind] ?? kind.toLowerCase()}/${name}`;
}

/** The `data` of an audit record: the decision as the Event tells it, with the inputs that explain it. */
export function auditData(record: DecisionRecord) {
  return {
    reason: record.eventReason,
    severity: record.type,
    action: record.action,
    message: record.message,
    regarding: record.regarding,
    ...(record.related ? { related: record.related } : {}),
    ...record.facts,
  };
}

/** A decision as a CloudEvents 1.0 structured-mode HTTP message (JSON body, its content type). */
export function encodeAuditRecord(
  record: DecisionRecord,
  source: string,
): { body: string; contentType: string } {
  const event = new CloudEvent({
    specversion: '1.0',
    id: record.id,
    source,
    type: AUDIT_TYPES[record.reason],
    subject: subjectOf(record),
    time: record.time,
    datacontenttype: 'application/json',
    data: auditData(record),
  });
  const message = HTTP.structured(event);
  return { body: String(message.body), contentType: String(message.headers['content-type']) };
}
