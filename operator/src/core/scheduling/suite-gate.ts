import type { SuiteGate } from './engine.ts';
import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { isValidTimeZone } from '../schedule/cron.ts';
import { describeWindows, isInsideWindow, nextWindowOpening } from '../schedule/windows.ts';

/** What holds back every run of a suite now: suspension first, then its policy's time windows. */
export function suiteGate(
  suite: BenchmarkSuite,
  policy: SchedulePolicy | undefined,
  now: number,
): SuiteGate | undefined {
  if (suite.spec.suspend === true) return { reason: 'Suspended', message: 'the suite is suspended' };
  return windowGate(policy, now);
}

/**
 * Outside every window of the policy: no run starts until the next opening, when the scheduler
 * wakes (retryAt). Running Jobs are left alone. An unknown time zone stalls the suite instead.
 */
export function windowGate(policy: SchedulePolicy | undefined, now: number): SuiteGate | undefined {
  const windows = policy?.spec.windows;
  if (!policy || !windows?.length) return undefined;
  const timeZone = policy.spec.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone) || isInsideWindow(windows, timeZone, now)) return undefined;
  const opening = nextWindowOpening(windows, timeZone, now);
  return {
    reason: 'OutsideWindow',
    message: `outside the time windows of SchedulePolicy ${policy.metadata?.name} (${describeWindows(windows)} ${timeZone}); next window opens at ${opening === undefined ? 'never' : new Date(opening).toISOString()}`,
    ...(opening !== undefined ? { retryAt: opening } : {}),
  };
}
