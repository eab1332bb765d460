import { Counter, Gauge, type Registry } from 'prom-client';
import { REFUSAL_REASONS } from './integrity.ts';
import type { DeliveryResult } from './sender.ts';
import type { PendingRecords } from './pending.ts';

export interface AuditMetrics {
  deliveries: Counter<'result'>;
  refused: Counter<'reason'>;
  missing: Counter;
}

/**
 * bench_audit_deliveries_total{result}: delivery attempts by result (success: 2xx; rejected:
 * another HTTP status; error: no answer: refused, timed out, TLS). bench_audit_backlog: records in
 * the outbox the sink has not acknowledged (every replica reports what it sees in the outbox);
 * bench_audit_backlog_limit: the bound at which admissions stop. bench_audit_batches_refused_total
 * {reason}: labelled ConfigMaps refused as not written by the operator (integrity.ts);
 * bench_audit_batches_missing_total: batches gone from the sequence before delivery (chain.ts).
 */
export function auditMetrics(registry: Registry, pending: PendingRecords, limit: number): AuditMetrics {
  const deliveries = new Counter({
    name: 'bench_audit_deliveries_total',
    help: 'Audit record deliveries to the webhook, by result: success (2xx), rejected (other HTTP status), error (no answer).',
    labelNames: ['result'],
    registers: [registry],
  });
  const results: Array<DeliveryResult['result']> = ['success', 'rejected', 'error'];
  for (const result of results) deliveries.inc({ result }, 0);
  new Gauge({
    name: 'bench_audit_backlog',
    help: 'Audit records stored in the outbox and not yet acknowledged by the webhook.',
    registers: [registry],
    collect() {
      this.set(pending.size);
    },
  });
  new Gauge({
    name: 'bench_audit_backlog_limit',
    help: 'The audit backlog bound: at it, no run is admitted until the webhook has caught up.',
    registers: [registry],
  }).set(limit);
  const refused = new Counter({
    name: 'bench_audit_batches_refused_total',
    help: 'Audit outbox ConfigMaps refused (not delivered) because the operator did not write them, by reason: malformed, unsigned (no MAC), mismatch (a MAC that does not match the content).',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);
  const missing = new Counter({
    name: 'bench_audit_batches_missing_total',
    help: 'Audit outbox batches missing from the sequence: deleted before the webhook acknowledged their records.',
    registers: [registry],
  });
  return { deliveries, refused, missing };
}
