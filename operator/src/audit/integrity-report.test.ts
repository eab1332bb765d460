import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../runtime/events/event.ts';
import { IntegrityReport } from './integrity-report.ts';
import { auditMetrics } from './metrics.ts';
import { PendingRecords } from './pending.ts';

function report() {
  const events: EventRecord[] = [];
  const registry = new Registry();
  const metrics = auditMetrics(registry, new PendingRecords(), 10);
  const regarding = { apiVersion: 'v1', kind: 'Pod', namespace: 'ops', name: 'operator-0' };
  const integrity = new IntegrityReport({
    events: { emit: (event) => void events.push(event) },
    regarding,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  return { integrity, events, registry, regarding };
}

describe('the outbox integrity report', () => {
  it('reports a refused ConfigMap once, with a Warning Event on the operator and a count by reason', async () => {
    const { integrity, events, registry, regarding } = report();
    integrity.refused(
      { name: 'bench-audit-x', uid: 'u1' },
      'unsigned',
      'it has no bench.dev/audit-mac annotation',
    );
    integrity.refused(
      { name: 'bench-audit-x', uid: 'u1' },
      'unsigned',
      'it has no bench.dev/audit-mac annotation',
    );
    expect(events).toEqual([
      {
        regarding,
        type: 'Warning',
        reason: 'AuditBatchRefused',
        action: 'Audit',
        note: 'refused the audit outbox ConfigMap bench-audit-x (unsigned): it has no bench.dev/audit-mac annotation. Its records are not delivered; it is left in place for inspection',
      },
    ]);
    // Deleted and created again: a new object, reported again.
    integrity.forget('u1');
    integrity.refused({ name: 'bench-audit-x', uid: 'u2' }, 'mismatch', 'its MAC does not match');
    expect(events).toHaveLength(2);
    const text = await registry.getSingleMetricAsString('bench_audit_batches_refused_total');
    expect(text).toContain('bench_audit_batches_refused_total{reason="unsigned"} 1');
    expect(text).toContain('bench_audit_batches_refused_total{reason="mismatch"} 1');
    expect(text).toContain('bench_audit_batches_refused_total{reason="malformed"} 0');
  });

  it('names the missing range and counts the batches in it', async () => {
    const { integrity, events, registry } = report();
    integrity.missing({ from: 3, to: 5 }, 'a hole in the outbox sequence');
    integrity.missing({ from: 9, to: 9 }, 'bench-audit-9 was deleted');
    expect(events.map((e) => [e.type, e.reason, e.note])).toEqual([
      [
        'Warning',
        'AuditBatchesMissing',
        'audit outbox batch sequences 3-5 missing: a hole in the outbox sequence',
      ],
      ['Warning', 'AuditBatchesMissing', 'audit outbox batch sequence 9 missing: bench-audit-9 was deleted'],
    ]);
    expect(await registry.getSingleMetricAsString('bench_audit_batches_missing_total')).toContain(
      'bench_audit_batches_missing_total 4',
    );
  });
});
