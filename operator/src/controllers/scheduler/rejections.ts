import type { DecisionRecord } from '../../core/decisions/record.ts';
import type { RunHold } from '../../core/scheduling/engine.ts';
import { shorten } from '../../core/status/text.ts';
import type { ApiError } from '../../runtime/client/errors.ts';
import { serverMessage } from '../../runtime/client/errors.ts';

/**
 * The wait after a run's Job was refused: initial × 2^(refusals-1), capped. A refusal is the same
 * answer to the same request until someone changes something, so trying every pass would only
 * repeat it (and its Event); the cap bounds how long a fix outside the suite (a quota raised, an
 * admission policy relaxed) goes unnoticed.
 */
export const REJECTION_BACKOFF = { initialMs: 10_000, maxMs: 5 * 60_000 } as const;

/**
 * The most of the API server's message a run's message quotes: status.runs[].message holds 512
 * characters, and the rest ("the API server refused Job <63 characters> (422 Invalid): ...;
 * refused 12 times, trying again at 2026-11-22T12:00:00.000Z") takes at most about 150.
 */
export const SERVER_MESSAGE_LENGTH = 320;

/** The wait before trying again after the `refusals`-th refusal in a row. */
export function rejectionDelayMs(refusals: number): number {
  const delay = REJECTION_BACKOFF.initialMs * 2 ** Math.max(0, refusals - 1);
  return Number.isFinite(delay) ? Math.min(delay, REJECTION_BACKOFF.maxMs) : REJECTION_BACKOFF.maxMs;
}

/** Which attempt of which run a refusal was for, and what its Job was made from. */
export interface RefusedAttempt {
  /** `namespace/name` of the suite. */
  suite: string;
  run: string;
  round: number;
  attempt: number;
  job: string;
  /**
   * What the Job was rendered from (the suite's uid and generation, its policies' generations):
   * when it changes, the refusal no longer says anything about the next Job, so the backoff ends.
   */
  inputs: string;
}

export interface Rejection extends RefusedAttempt {
  code: number;
  statusReason: string | undefined;
  /** The run's message while it waits: the server's words, shortened, and when it is tried again. */
  message: string;
  /** Refusals in a row of this attempt, with the same inputs. */
  refusals: number;
  retryAt: number;
}

/**
 * Runs whose Job the API server refused, each with its own backoff, so one bad run neither takes
 * capacity while it waits nor makes the scheduling pass back off for every other suite. Derived
 * state, kept in memory: after a restart a refused Job is tried once more and its backoff starts
 * again from the beginning. An entry ends when its Job is created, or when it no longer matches the
 * run (another round or attempt, new inputs).
 */
export class RejectionBook {
  /** By suite, then run: a pass asks once per suite, and most suites have none. */
  private readonly bySuite = new Map<string, Map<string, Rejection>>();
  /** Refusals' decisions the recorder has not stored yet: a failed audit write is tried again next pass. */
  private pending: DecisionRecord[] = [];

  /** Counts a refusal of the attempt's Job and sets when it may be tried again. */
  refuse(attempt: RefusedAttempt, error: ApiError, now: number): Rejection {
    let runs = this.bySuite.get(attempt.suite);
    if (!runs) this.bySuite.set(attempt.suite, (runs = new Map<string, Rejection>()));
    const previous = runs.get(attempt.run);
    const refusals = previous && sameAttempt(previous, attempt) ? previous.refusals + 1 : 1;
    const retryAt = now + rejectionDelayMs(refusals);
    const status = error.reason ? `${error.code} ${error.reason}` : String(error.code);
    const rejection: Rejection = {
      ...attempt,
      code: error.code,
      statusReason: error.reason,
      message: `the API server refused Job ${attempt.job} (${status}): ${shorten(serverMessage(error), SERVER_MESSAGE_LENGTH)}; refused ${refusals} time${refusals === 1 ? '' : 's'}, trying again at ${new Date(retryAt).toISOString()}`,
      refusals,
      retryAt,
    };
    runs.set(attempt.run, rejection);
    return rejection;
  }

  /** The run's Job exists now: its next refusal, if any, starts the backoff over. */
  created(suite: string, run: string): void {
    const runs = this.bySuite.get(suite);
    runs?.delete(run);
    if (runs?.size === 0) this.bySuite.delete(suite);
  }

  /**
   * What holds back each run of the suite whose next attempt was refused with the same inputs,
   * by run name; an entry for another round, attempt or inputs is dropped.
   */
  holds(
    suite: string,
    round: number,
    nextAttempt: (run: string) => { attempt: number; inputs: string } | undefined,
  ): Map<string, RunHold> | undefined {
    const runs = this.bySuite.get(suite);
    if (!runs) return undefined;
    let holds: Map<string, RunHold> | undefined;
    for (const [run, entry] of runs) {
      const next = nextAttempt(run);
      if (!next || !sameAttempt(entry, { round, ...next })) {
        runs.delete(run);
        continue;
      }
      (holds ??= new Map()).set(entry.run, {
        reason: 'JobRejected',
        message: entry.message,
        until: entry.retryAt,
      });
    }
    if (runs.size === 0) this.bySuite.delete(suite);
    return holds;
  }

  /** Drops the entries of suites no longer scheduled (deleted, stalled, between rounds). */
  retainSuites(scheduled: ReadonlySet<string>): void {
    for (const suite of this.bySuite.keys()) {
      if (!scheduled.has(suite)) this.bySuite.delete(suite);
    }
  }

  /** Keeps a refusal's decision until it is on record. */
  toRecord(record: DecisionRecord): void {
    this.pending.push(record);
  }

  /** Decisions of refusals not yet on record, oldest first. */
  unrecorded(): readonly DecisionRecord[] {
    return this.pending;
  }

  markRecorded(records: readonly DecisionRecord[]): void {
    const ids = new Set(records.map((r) => r.id));
    this.pending = this.pending.filter((r) => !ids.has(r.id));
  }

  /** Runs held or last refused, in all suites. */
  get size(): number {
    let size = 0;
    for (const runs of this.bySuite.values()) size += runs.size;
    return size;
  }
}

function sameAttempt(
  entry: Pick<RefusedAttempt, 'round' | 'attempt' | 'inputs'>,
  other: Pick<RefusedAttempt, 'round' | 'attempt' | 'inputs'>,
): boolean {
  return entry.round === other.round && entry.attempt === other.attempt && entry.inputs === other.inputs;
}

/**
 * Transient failures of a pass (the API server unavailable, throttling, a network error; the audit
 * outbox not written): the pass looks again soon, backing off while they last, but never later
 * than the cap, and never later than any other suite's own wake-up (the caller takes the earliest).
 */
export const TRANSIENT_BACKOFF = { initialMs: 1_000, maxMs: 30_000 } as const;

export class TransientBackoff {
  private failures = 0;

  /** One more pass with transient failures: how long to wait before the next. */
  failed(): number {
    this.failures++;
    const delay = TRANSIENT_BACKOFF.initialMs * 2 ** (this.failures - 1);
    return Number.isFinite(delay) ? Math.min(delay, TRANSIENT_BACKOFF.maxMs) : TRANSIENT_BACKOFF.maxMs;
  }

  succeeded(): void {
    this.failures = 0;
  }
}
