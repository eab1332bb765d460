import type { Schedule } from './cron.ts';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface CronRoundInput {
  schedule: Schedule;
  concurrencyPolicy: ConcurrencyPolicy;
  startingDeadlineSeconds?: number | undefined;
  /**
   * Ticks at or before this time (ms) are done with: the latest tick acted upon (a round started or
   * skipped), or, before the first, when the suite came under the schedule.
   */
  handledThrough: number;
  /**
   * How many of the suite's rounds are unfinished: the current one if its runs are not all finished,
   * and earlier ones whose Jobs still run (only concurrencyPolicy Allow keeps those).
   */
  unfinishedRounds: number;
  /** Under Allow: the most unfinished rounds before a tick is skipped. Default DEFAULT_MAX_ACTIVE_ROUNDS. */
  maxActiveRounds?: number | undefined;
  now: number;
}

/** The SchedulePolicy's spec.maxActiveRounds when absent (the CRD's default). */
export const DEFAULT_MAX_ACTIVE_ROUNDS = 3;

export interface CronRoundDecision {
  /** A new round starts now, for `tick`. */
  startRound: boolean;
  /** The tick acted upon (started or skipped): store it so it is never acted upon again. */
  tick?: number;
  /** The due tick does not start a round, and why (recorded once, as the tick is then handled). */
  skip?: { reason: 'RoundSkipped'; message: string };
  /** The first tick after `now`; undefined when the schedule never fires again. */
  nextScheduleTime?: number | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * CronJob's decision for one suite. Only the most recent tick since `handledThrough` counts, so
 * after operator downtime at most one missed round starts, never a burst. A tick older than
 * startingDeadlineSeconds is missed. Forbid skips a tick while a round is unfinished (the tick is
 * gone for good: the next round starts at a later tick, not when the round ends); Allow skips it
 * once maxActiveRounds rounds are unfinished, so a schedule firing faster than rounds finish cannot
 * pile them up; Replace starts the round anyway (what happens to the previous round's Jobs is the
 * caller's: see keepsUnfinishedRounds).
 */
export function cronRound(input: CronRoundInput): CronRoundDecision {
  const { schedule, now } = input;
  const nextScheduleTime = schedule.next(now);
  const tick = schedule.previous(now);
  if (tick === undefined || tick <= input.handledThrough) return { startRound: false, nextScheduleTime };
  const at = iso(tick);
  const deadline = input.startingDeadlineSeconds;
  if (deadline !== undefined && now - tick > deadline * 1000) {
    return {
      startRound: false,
      tick,
      nextScheduleTime,
      skip: {
        reason: 'RoundSkipped',
        message: `the round the schedule ${schedule.expression} fired at ${at} was missed: it could not start within startingDeadlineSeconds (${deadline}s)`,
      },
    };
  }
  const skip = (message: string): CronRoundDecision => ({
    startRound: false,
    tick,
    nextScheduleTime,
    skip: { reason: 'RoundSkipped', message },
  });
  const fired = `the schedule ${schedule.expression} fired at ${at}`;
  if (input.unfinishedRounds > 0 && input.concurrencyPolicy === 'Forbid') {
    return skip(
      `${fired}, but the previous round is still running (concurrencyPolicy Forbid); the next round starts at a later tick`,
    );
  }
  const cap = input.maxActiveRounds ?? DEFAULT_MAX_ACTIVE_ROUNDS;
  const unfinished = input.unfinishedRounds;
  if (unfinished >= cap && input.concurrencyPolicy === 'Allow') {
    return skip(
      `${fired}, but ${unfinished} ${unfinished === 1 ? 'round of the suite is' : 'rounds of the suite are'} unfinished, as many as maxActiveRounds (${cap}) allows under concurrencyPolicy Allow; the next round starts at a later tick, once fewer are running`,
    );
  }
  return { startRound: true, tick, nextScheduleTime };
}

/**
 * Whether unfinished Jobs of earlier rounds keep running when a new round starts: only under a
 * schedule with concurrencyPolicy Allow. Otherwise a new round replaces them (Replace, and the
 * rounds a spec change or re-run request starts).
 */
export function keepsUnfinishedRounds(
  policy: { schedule?: string; concurrencyPolicy?: string } | undefined,
): boolean {
  return policy?.schedule !== undefined && policy.concurrencyPolicy === 'Allow';
}
