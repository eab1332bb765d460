import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/setup.ts';
import type { DecisionRecord } from '../core/decisions/record.ts';
import type { EventRecorder } from '../runtime/events/recorder.ts';
import type { DecisionMetrics } from './metrics/decision-metrics.ts';

/** On each decision's Event: the id of its audit record (and of its log line's decisionId). */
export const DECISION_ID_ANNOTATION = 'bench.dev/decision-id';

/** Who is recording: for the log lines. */
export interface RecordingContext {
  controller: string;
  reconcileId: string;
}

/** Decisions this process recorded, remembered to skip them when they are derived again. */
export const REMEMBERED_DECISIONS = 100_000;

/**
 * The one path every decision takes: its audit record first (when auditing is on: all decisions
 * taken together in one outbox write, and the call throws if they were not stored, so the caller
 * does not act on them), then its Event and a log line, all with the same id. A decision this
 * process has recorded already (derived again from a cache that had not caught up, or a Job
 * creation retried) is not recorded twice.
 */
export class DecisionRecorder {
  private readonly events: EventRecorder;
  private readonly audit: AuditTrail | undefined;
  private readonly logger: Logger;
  private readonly metrics: Pick<DecisionMetrics, 'decided'> | undefined;
  /** Fingerprints of the decisions recorded (fingerprint()), oldest first. */
  private readonly recorded = new Set<bigint>();

  constructor(options: {
    events: EventRecorder;
    audit?: AuditTrail | undefined;
    logger: Logger;
    metrics?: Pick<DecisionMetrics, 'decided'>;
  }) {
    this.events = options.events;
    this.audit = options.audit;
    this.logger = options.logger;
    this.metrics = options.metrics;
  }

  async record(decisions: DecisionRecord[], context: RecordingContext): Promise<void> {
    const fresh = new Map<bigint, DecisionRecord>();
    for (const decision of decisions) {
      const print = fingerprint(decision.id);
      if (!this.recorded.has(print) && !fresh.has(print)) fresh.set(print, decision);
    }
    if (fresh.size === 0) return;
    await this.audit?.append([...fresh.values()]);
    const logger = this.logger.child({ controller: context.controller, reconcileID: context.reconcileId });
    for (const [print, decision] of fresh) {
      this.remember(print);
      this.metrics?.decided(decision);
      this.events.emit({
        regarding: decision.regarding,
        ...(decision.related ? { related: decision.related } : {}),
        type: decision.type,
        reason: decision.eventReason,
        action: decision.action,
        note: decision.message,
        annotations: { [DECISION_ID_ANNOTATION]: decision.id },
      });
      const { facts } = decision;
      logger.info(
        {
          namespace: decision.regarding.namespace,
          name: decision.regarding.name,
          decisionId: decision.id,
          reason: decision.eventReason,
          ...(facts.round !== undefined ? { round: facts.round } : {}),
          ...(facts.run ? { run: facts.run } : {}),
          ...(facts.attempt !== undefined ? { attempt: facts.attempt } : {}),
          ...(facts.job ? { job: facts.job } : {}),
        },
        decision.message,
      );
    }
  }

  /** Auditing is on and its backlog, or the namespace's share of it, is full: why no run of the namespace may be admitted (docs/audit.md). */
  auditBacklogHold(namespace: string): string | undefined {
    return this.audit?.hold(namespace);
  }

  private remember(print: bigint): void {
    this.recorded.add(print);
    if (this.recorded.size > REMEMBERED_DECISIONS) {
      // Sets iterate in insertion order: forget the oldest.
      this.recorded.delete(this.recorded.values().next().value!);
    }
  }
}

/**
 * 64 bits of the id's SHA-256: what the recorder remembers of a decision, in place of the id (a uid
 * and what was decided, 60 to 100 characters), which at 10,000 suites made the remembered ids a
 * large part of the heap. A new decision matches one of 100,000 remembered fingerprints with a
 * chance of 1 in 1.8×10^14 (its Event and audit record would then be skipped).
 */
function fingerprint(id: string): bigint {
  return hash('sha256', id, 'buffer').readBigUInt64BE(0);
}
