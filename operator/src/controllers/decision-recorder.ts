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
const REMEMBERED_DECISIONS = 100_000;

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
  private readonly recorded = new Set<string>();

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
    const fresh = new Map<string, DecisionRecord>();
    for (const decision of decisions) {
      if (!this.recorded.has(decision.id) && !fresh.has(decision.id)) fresh.set(decision.id, decision);
    }
    if (fresh.size === 0) return;
    await this.audit?.append([...fresh.values()]);
    const logger = this.logger.child({ controller: context.controller, reconcileID: context.reconcileId });
    for (const decision of fresh.values()) {
      this.remember(decision.id);
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

  private remember(id: string): void {
    this.recorded.add(id);
    if (this.recorded.size > REMEMBERED_DECISIONS) {
      // Sets iterate in insertion order: forget the oldest.
      this.recorded.delete(this.recorded.values().next().value!);
    }
  }
}
