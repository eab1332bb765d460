import { Cron } from 'croner';

/** A parsed schedule in its time zone, or why it cannot be used. */
export type ParsedSchedule = { ok: true; schedule: Schedule } | { ok: false; message: string };

export interface Schedule {
  expression: string;
  timeZone: string;
  /** The latest tick at or before `now` (ms), if the schedule ever fired before it. */
  previous(now: number): number | undefined;
  /** The first tick strictly after `now` (ms), if any (e.g. "0 0 30 2 *" never fires). */
  next(now: number): number | undefined;
}

/** Whether Intl (and so croner, which converts through Intl) knows the IANA time zone. */
// Building a DateTimeFormat is costly and a suite's time zone is checked on every reconcile.
const timeZoneValidity = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  let valid = timeZoneValidity.get(timeZone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      valid = true;
    } catch {
      valid = false;
    }
    timeZoneValidity.set(timeZone, valid);
  }
  return valid;
}

/**
 * Parses a 5-field cron expression or a @-macro (@hourly, @daily, @weekly, @monthly, @yearly,
 * @annually, @midnight) in an IANA time zone, with croner. Day-of-month and day-of-week combine
 * with OR, as in Vixie cron and Kubernetes CronJob. DST follows croner's (and Vixie cron's) rule:
 * a fixed-time job ("30 2 * * *") whose time falls in a spring-forward gap runs at the first valid
 * time after the gap, and a time repeated at fall-back runs once; interval jobs ("*\/30 * * * *")
 * tick on real time, so they skip the gap and tick on both repeated hours.
 */
export function parseSchedule(expression: string, timeZone = 'UTC'): ParsedSchedule {
  if (!isValidTimeZone(timeZone)) {
    return {
      ok: false,
      message: `time zone '${timeZone}' is not a known IANA time zone (e.g. Europe/Berlin)`,
    };
  }
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { timezone: timeZone, mode: '5-part', paused: true });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, '');
    return { ok: false, message: `schedule '${expression}' is not a valid cron expression: ${reason}` };
  }
  return {
    ok: true,
    schedule: {
      expression,
      timeZone,
      // croner excludes a tick exactly at the reference, and ticks are whole minutes: one
      // millisecond later includes a tick at exactly `now`.
      previous: (now) => cron.previousRuns(1, new Date(now + 1))[0]?.getTime(),
      next: (now) => cron.nextRun(new Date(now))?.getTime() ?? undefined,
    },
  };
}
