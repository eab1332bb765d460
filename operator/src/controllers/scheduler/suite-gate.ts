import type { SuiteGate } from '../../core/scheduling/engine.ts';
import type { SchedulePolicy } from '../../api/v1alpha1/index.ts';
import type { SuiteObject } from '../caches.ts';

/** What holds back every run of a suite now: suspension first, then its policy's time windows. */
export function suiteGate(
  suite: SuiteObject,
  _policy: SchedulePolicy | undefined,
  _now: number,
): SuiteGate | undefined {
  if (suite.spec.suspend === true) return { reason: 'Suspended', message: 'the suite is suspended' };
  return undefined;
}
