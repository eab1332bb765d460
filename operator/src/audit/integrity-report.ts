import type { Logger } from 'pino';
import type { EventRecorder } from '../runtime/events/recorder.ts';
import type { EventReference } from '../runtime/events/event.ts';
import { describeRange, type SequenceRange } from './chain.ts';
import type { RefusalReason } from './integrity.ts';
import type { AuditMetrics } from './metrics.ts';

export interface IntegrityReportOptions {
  events: Pick<EventRecorder, 'emit'>;
  /** The operator's own object, where the Events go (its Pod), as for the backlog's. */
  regarding: EventReference;
  metrics: Pick<AuditMetrics, 'refused' | 'missing'>;
  logger: Logger;
}

/**
 * Tells people about an outbox that was tampered with: a Warning Event on the operator's Pod, a
 * metric and a log line for a batch refused (once per ConfigMap) and for batches missing from the
 * sequence (once per sequence).
 */
export class IntegrityReport {
  private readonly options: IntegrityReportOptions;
  private readonly refusedUids = new Set<string>();

  constructor(options: IntegrityReportOptions) {
    this.options = options;
  }

  /** A labelled ConfigMap the operator did not write (or that was altered): not delivered. */
  refused(configMap: { name: string; uid: string }, reason: RefusalReason, detail: string): void {
    if (this.refusedUids.has(configMap.uid)) return;
    this.refusedUids.add(configMap.uid);
    this.options.metrics.refused.inc({ reason });
    this.options.logger.error(
      { batch: configMap.name, reason, detail },
      'refused an audit outbox ConfigMap the operator did not write; it is not delivered',
    );
    this.emit(
      'AuditBatchRefused',
      `refused the audit outbox ConfigMap ${configMap.name} (${reason}): ${detail}. Its records are not delivered; it is left in place for inspection`,
    );
  }

  /** The refused ConfigMap is gone: a new one of the same name is a new object. */
  forget(uid: string): void {
    this.refusedUids.delete(uid);
  }

  /** Batches the operator wrote are gone from the sequence, `how` says how it knows. */
  missing(range: SequenceRange, how: string): void {
    const count = range.to - range.from + 1;
    this.options.metrics.missing.inc(count);
    this.options.logger.error(
      { from: range.from, to: range.to, batches: count, detail: how },
      'audit outbox batches are missing: deleted by someone other than the operator',
    );
    this.emit('AuditBatchesMissing', `audit outbox batch ${describeRange(range)} missing: ${how}`);
  }

  private emit(reason: string, note: string): void {
    this.options.events.emit({
      regarding: this.options.regarding,
      type: 'Warning',
      reason,
      action: 'Audit',
      note,
    });
  }
}
