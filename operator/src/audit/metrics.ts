import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryResult } from './sender.ts';
import type { PendingRecords } from './pending.ts';

export interface AuditMetrics {
  deliveries: Counter<'result'>;
}

/**
 * bench_audit_deliveries_total{result}: delivery attempts by result (success: 2xx; rejected:
 * another HTTP status; error: no answer: refused, timed out, TLS). bench_audit_backlog: records in
 * the outbox the sink has not acknowledged (every replica reports what it sees in the outbox);
 * bench_audit_backlog_limit: the bound at which admissions stop.
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
  return { deliveries };
}
