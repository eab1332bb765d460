import { ExponentialBackoff, type IBackoff, type IBackoffFactory } from 'cockatiel';
import type { ReconcileContext } from '../runtime/controller/controller.ts';
import { requestKey, type Request, type Result } from '../runtime/controller/request.ts';
import type { BacklogMonitor } from './backlog.ts';
import type { AuditMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import type { PendingRecords } from './pending.ts';
import type { DeliveryResult } from './sender.ts';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { realClock, type Clock } from '../runtime/time/clock.ts';

/** Records one stream sends before it yields its worker to other streams. */
const RECORDS_PER_TURN = 100;

/**
 * Retry delays while the sink is down or slow: exponential from 200 ms to 30 s with decorrelated
 * jitter (cockatiel's), per stream, so streams do not retry in lockstep.
 */
export const DELIVERY_BACKOFF: IBackoffFactory<unknown> = new ExponentialBackoff({
  initialDelay: 200,
  maxDelay: 30_000,
});

export interface DeliveryDeps {
  pending: PendingRecords;
  sink: { send(record: DecisionRecord): Promise<DeliveryResult> };
  outbox: Pick<Outbox, 'delivered' | 'retryRemovals'>;
  monitor: Pick<BacklogMonitor, 'check'>;
  /** Reports batches missing from the outbox's sequence (once each); run by the leader only. */
  sequence: { check(): void };
  metrics: AuditMetrics;
  backoff?: IBackoffFactory<unknown>;
  clock?: Clock;
}

/**
 * The delivery loop, as a reconciler whose keys are streams (runs on the leader only): sends the
 * stream's pending records in order, one at a time; on a failure it stops the stream and tries
 * again after its backoff, so a record is never overtaken by a later one of the same stream. A
 * batch is deleted once all its records are acknowledged, in sequence order (chain.ts); what is
 * pending when the operator stops is delivered by the next leader (duplicates possible, receivers
 * de-duplicate by id).
 */
export function deliveryReconciler(deps: DeliveryDeps) {
  const backoffs = new Map<string, { backoff: IBackoff<unknown>; retryAt: number }>();
  const factory = deps.backoff ?? DELIVERY_BACKOFF;
  const clock = deps.clock ?? realClock;
  const now = () => clock.now();
  return async function deliver(request: Request, { logger }: ReconcileContext): Promise<Result | void> {
    const stream = requestKey(request);
    // New records wake the stream at once; a stream backing off keeps waiting, so a sink that is
    // down is not retried at the rate decisions are taken.
    const waiting = backoffs.get(stream);
    if (waiting && waiting.retryAt > now()) return { requeueAfterMs: waiting.retryAt - now() };
    await deps.outbox.retryRemovals();
    deps.sequence.check();
    for (let sent = 0; sent < RECORDS_PER_TURN; sent++) {
      const next = deps.pending.head(stream);
      if (!next) {
        backoffs.delete(stream);
        return;
      }
      const outcome = await deps.sink.send(next.record);
      deps.metrics.deliveries.inc({ result: outcome.result });
      if (outcome.result !== 'success') {
        const previous = backoffs.get(stream)?.backoff;
        const backoff = (previous ?? factory).next(undefined);
        const retryInMs = Math.max(1, Math.round(backoff.duration));
        backoffs.set(stream, { backoff, retryAt: now() + retryInMs });
        // The first failure of a streak is worth a warning; the retries that follow are not.
        logger[previous ? 'debug' : 'warn'](
          { decisionId: next.record.id, result: outcome.result, detail: outcome.detail, retryInMs },
          'audit record not delivered; retrying',
        );
        return { requeueAfterMs: retryInMs };
      }
      backoffs.delete(stream);
      logger.debug({ decisionId: next.record.id }, 'audit record delivered');
      const finished = deps.pending.acknowledge(next);
      deps.monitor.check();
      if (finished) await deps.outbox.delivered(finished);
    }
    // More to send: yield, so one busy stream does not hold a worker while others wait.
    return { requeueAfterMs: 1 };
  };
}
