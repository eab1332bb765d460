import type { AttemptObservation } from './observe.ts';
import type { RunState, RunStatusEntry } from './run-state.ts';

/** A run whose Job Kueue has not admitted yet: it waits in its LocalQueue for quota. */
export const WAITING_FOR_KUEUE = 'WaitingForKueue';
/** A run whose Job ran until Kueue suspended it again (preempted or evicted): it waits to be re-admitted. */
export const REQUEUED_BY_KUEUE = 'RequeuedByKueue';

/**
 * The reason and message of a run whose Job is suspended in a Kueue LocalQueue. No start timeout
 * runs while it waits (Kueue's quota, not a node or an image, holds it), so there is no stop and
 * no wake-up. A Job Kueue suspends after it ran is an interruption, not a failure: the Job stays,
 * as the same attempt, and Kueue starts it again when it re-admits it (the Job controller does not
 * count pods removed by a suspension as failed). That it ran is known from the run's last status:
 * the same attempt was running, or already requeued.
 */
export function kueueWait(
  latest: AttemptObservation,
  queue: string,
  previous: RunStatusEntry | undefined,
): Pick<RunState, 'reason' | 'message'> {
  const sameAttempt = previous?.job === latest.job && previous.attempt === latest.attempt;
  const ran =
    sameAttempt &&
    (previous.reason === REQUEUED_BY_KUEUE ||
      (previous.state === 'Running' && previous.reason !== WAITING_FOR_KUEUE));
  if (ran) {
    return {
      reason: REQUEUED_BY_KUEUE,
      message: `Kueue suspended Job ${latest.job} after it started (preempted or evicted): attempt ${latest.attempt} runs again when Kueue re-admits it from LocalQueue ${queue}`,
    };
  }
  return {
    reason: WAITING_FOR_KUEUE,
    message: `Job ${latest.job} waits for Kueue to admit it from LocalQueue ${queue} (its Workload's QuotaReserved condition says why)`,
  };
}
