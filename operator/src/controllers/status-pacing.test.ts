import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/v1alpha1/index.ts';
import { policyMilestones, providerMilestones, suiteMilestones } from './status-pacing.ts';

type SuiteStatus = NonNullable<BenchmarkSuite['status']>;

const ready = (status: 'True' | 'False', reason: string, message: string) => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: '2026-12-03T08:00:00Z',
});

const running = (succeeded: number): SuiteStatus => ({
  phase: 'Running',
  round: 1,
  progress: `${succeeded}/10`,
  summary: { total: 10, queued: 0, running: 10 - succeeded, succeeded, failed: 0, blocked: 0 },
  conditions: [ready('False', 'RoundInProgress', `round 1: ${succeeded}/10 runs finished`)],
});

describe('status milestones', () => {
  it("a suite's runs, counts and condition messages are progress", () => {
    expect(suiteMilestones(running(1))).toEqual(suiteMilestones(running(2)));
  });

  it("a suite's phase, round and condition changes are milestones", () => {
    const done: SuiteStatus = {
      ...running(10),
      phase: 'Succeeded',
      completionTime: '2026-12-03T08:01:00Z',
      conditions: [ready('True', 'RoundSucceeded', 'round 1 finished: 10/10 runs succeeded')],
    };
    expect(suiteMilestones(done)).not.toEqual(suiteMilestones(running(9)));
    expect(suiteMilestones({ ...running(9), round: 2 })).not.toEqual(suiteMilestones(running(9)));
  });

  it("a ProviderPolicy's active runs, spend and watermark are progress; its circuit is a milestone", () => {
    const status = (activeRuns: number, amount: string): NonNullable<ProviderPolicy['status']> => ({
      activeRuns,
      spend: { amount, runs: activeRuns, currency: 'USD' },
      accountedThrough: { completionTime: `2026-12-03T08:00:0${activeRuns}Z`, jobs: [`j${activeRuns}`] },
      circuit: { state: 'Closed', consecutiveFailures: 0 },
      conditions: [ready('True', 'Available', `${activeRuns} runs`)],
    });
    expect(providerMilestones(status(1, '0.10'))).toEqual(providerMilestones(status(2, '0.20')));
    expect(
      providerMilestones({ ...status(1, '0.10'), circuit: { state: 'Open', consecutiveFailures: 5 } }),
    ).not.toEqual(providerMilestones(status(1, '0.10')));
  });

  it("a SchedulePolicy's run counts are progress; its conditions are milestones", () => {
    const status = (activeRuns: number, reason = 'Unscheduled'): NonNullable<SchedulePolicy['status']> => ({
      activeRuns,
      queuedRuns: 10 - activeRuns,
      conditions: [ready('True', reason, `used by ${activeRuns} suites`)],
    });
    expect(policyMilestones(status(1))).toEqual(policyMilestones(status(4)));
    expect(policyMilestones(status(1, 'Scheduled'))).not.toEqual(policyMilestones(status(1)));
  });
});
