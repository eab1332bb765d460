import type { DecisionRecord } from '../../operator/src/core/decisions/record.ts';

/** A decision record about suite `suite` (or another kind of object), for tests of the audit trail. */
export function auditRecord(id: string, suite = 's', kind = 'BenchmarkSuite'): DecisionRecord {
  return {
    id,
    reason: 'RunAdmitted',
    eventReason: 'RunAdmitted',
    type: 'Normal',
    action: 'Admit',
    regarding: { apiVersion: 'bench.dev/v1alpha1', kind, namespace: 'ns', name: suite, uid: `uid-${suite}` },
    message: `decision ${id}`,
    time: '2026-11-22T12:00:00.000Z',
    facts: { round: 1 },
  };
}
