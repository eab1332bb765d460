import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { metaTime, removeCondition, setCondition, type Condition } from '../../meta/conditions.ts';
import { invalidSchedule } from '../suite/stall.ts';
import { parseSchedule } from './cron.ts';

export type PolicyStatus = NonNullable<SchedulePolicy['status']>;

export interface PolicyStatusResult {
  status: PolicyStatus;
  /** When the status changes by the clock alone (the next tick), in ms. */
  wakeAt?: number | undefined;
}

/**
 * A SchedulePolicy's status from its spec and the status summaries of the suites that use it (the
 * suites' reconciler already counted their runs; this does not look at Jobs again). Everything is
 * derived from inputs that change only on events or at a tick, so an idle cluster writes nothing.
 */
export function computePolicyStatus(
  policy: Pick<SchedulePolicy, 'metadata' | 'spec' | 'status'>,
  suites: Array<Pick<BenchmarkSuite, 'status'>>,
  now: Date,
): PolicyStatusResult {
  const generation = policy.metadata?.generation ?? 0;
  let conditions = [...((policy.status?.conditions ?? []) as Condition[])];
  const set = (type: string, status: Condition['status'], reason: string, message: string): void => {
    conditions = setCondition(
      conditions,
      { type, status, reason, message, observedGeneration: generation },
      now,
    );
  };
  const invalid = invalidSchedule(policy as SchedulePolicy);
  let wakeAt: number | undefined;
  const status: PolicyStatus = {
    ...policy.status,
    observedGeneration: generation,
    activeRuns: sum(suites, (s) => s.status?.summary?.running),
    queuedRuns: sum(suites, (s) => s.status?.summary?.queued),
  };
  delete status.nextScheduleTime;
  delete status.lastScheduleTime;
  if (invalid) {
    set('Stalled', 'True', invalid.reason, invalid.message);
    set('Ready', 'False', invalid.reason, invalid.message);
  } else {
    conditions = removeCondition(conditions, 'Stalled');
    const used = `used by ${suites.length} suite${suites.length === 1 ? '' : 's'}`;
    const spec = policy.spec;
    if (spec.schedule !== undefined) {
      const parsed = parseSchedule(spec.schedule, spec.timeZone ?? 'UTC');
      const next = parsed.ok ? parsed.schedule.next(now.getTime()) : undefined;
      if (next !== undefined) status.nextScheduleTime = metaTime(new Date(next));
      wakeAt = next;
      const last = latest(suites.map((s) => s.status?.lastScheduleTime));
      if (last) status.lastScheduleTime = last;
      set('Ready', 'True', 'Scheduled', `schedule ${spec.schedule} in ${spec.timeZone ?? 'UTC'}; ${used}`);
    } else {
      set(
        'Ready',
        'True',
        'Unscheduled',
        `no schedule: suites run a round per spec change or re-run request; ${used}`,
      );
    }
  }
  status.conditions = conditions;
  return { status, wakeAt };
}

function sum<T>(items: T[], value: (item: T) => number | undefined): number {
  return items.reduce((total, item) => total + (value(item) ?? 0), 0);
}

function latest(times: Array<string | undefined>): string | undefined {
  const parsed = times.flatMap((t) => (t ? [Date.parse(t)] : [])).filter((t) => !Number.isNaN(t));
  return parsed.length ? metaTime(new Date(Math.max(...parsed))) : undefined;
}
