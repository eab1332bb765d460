import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/v1alpha1/index.ts';
import { StatusPacer } from '../runtime/status/pacer.ts';

type SuiteStatus = NonNullable<BenchmarkSuite['status']>;
type ProviderStatus = NonNullable<ProviderPolicy['status']>;
type PolicyStatus = NonNullable<SchedulePolicy['status']>;

/**
 * How often an object's status may show progress alone: every 5 s while few objects are busy,
 * less often when many are, so that all of a kind's progress writes stay near 5 per second (200
 * busy suites: one progress write each per 40 s), and never less often than once a minute.
 * Milestones (a new round, a phase or condition change, a circuit or budget event) are written at
 * once, so what automation waits on (Ready, Stalled, a finished round) is never held.
 */
const PACING = { minIntervalMs: 5000, maxIntervalMs: 60_000, writesPerSecond: 5 } as const;

type Conditions = Array<{ message?: string }> | undefined;

/** Conditions without their messages, which restate the counts. */
function conditionStates(conditions: Conditions): unknown {
  return (conditions ?? []).map(({ message: _message, ...condition }) => condition);
}

/** A suite's runs and counts (and the condition messages restating them) are progress; the rest is a milestone. */
export function suiteMilestones(status: SuiteStatus): unknown {
  const { runs: _runs, summary: _summary, progress: _progress, conditions, ...rest } = status;
  return { ...rest, conditions: conditionStates(conditions) };
}

/**
 * A ProviderPolicy's active runs, the spend and the accounting watermark are progress: the spend
 * the scheduler honours is in memory (ProviderBook) at once, and after a restart the runs past the
 * last written watermark are counted again from their Jobs. Circuit and budget conditions are
 * milestones.
 */
export function providerMilestones(status: ProviderStatus): unknown {
  const {
    activeRuns: _activeRuns,
    spend: _spend,
    accountedThrough: _accountedThrough,
    conditions,
    ...rest
  } = status;
  return { ...rest, conditions: conditionStates(conditions) };
}

/** A SchedulePolicy's run counts are progress. */
export function policyMilestones(status: PolicyStatus): unknown {
  const { activeRuns: _activeRuns, queuedRuns: _queuedRuns, conditions, ...rest } = status;
  return { ...rest, conditions: conditionStates(conditions) };
}

/** One pacer per kind: each kind's progress writes are spread out on their own. */
export function statusPacers() {
  return {
    suites: new StatusPacer<SuiteStatus>({ ...PACING, milestones: suiteMilestones }),
    providers: new StatusPacer<ProviderStatus>({ ...PACING, milestones: providerMilestones }),
    policies: new StatusPacer<PolicyStatus>({ ...PACING, milestones: policyMilestones }),
  };
}
