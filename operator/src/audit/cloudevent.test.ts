import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import { AUDIT_TYPES, encodeAuditRecord, subjectOf } from './cloudevent.ts';

describe('audit records as CloudEvents', () => {
  it('are structured-mode JSON with the decision as data', () => {
    const record = {
      ...auditRecord('u/r1/run/a1/RunAdmitted', 'nightly'),
      related: { apiVersion: 'batch/v1', kind: 'Job', namespace: 'ns', name: 'nightly-1-run' },
      facts: { round: 1, run: 'run', revision: 'abc', capacity: { provider: { inUse: 1, limit: 2 } } },
    };
    const { body, contentType } = encodeAuditRecord(record, '/bench-operator/bench-system');
    expect(contentType).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(body)).toEqual({
      specversion: '1.0',
      id: 'u/r1/run/a1/RunAdmitted',
      source: '/bench-operator/bench-system',
      type: 'dev.bench.run.admitted',
      subject: 'namespaces/ns/benchmarksuites/nightly',
      time: '2026-11-22T12:00:00.000Z',
      datacontenttype: 'application/json',
      data: {
        reason: 'RunAdmitted',
        severity: 'Normal',
        action: 'Admit',
        message: 'decision u/r1/run/a1/RunAdmitted',
        regarding: record.regarding,
        related: record.related,
        round: 1,
        run: 'run',
        revision: 'abc',
        capacity: { provider: { inUse: 1, limit: 2 } },
      },
    });
  });

  it('have one type per decision, dev.bench.<object>.<what happened>', () => {
    const types = Object.values(AUDIT_TYPES);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(type).toMatch(/^dev\.bench\.[a-z]+\.[a-z]+$/);
    expect(subjectOf(auditRecord('x', 'openai', 'ProviderPolicy'))).toBe(
      'namespaces/ns/providerpolicies/openai',
    );
  });
});
