import { describe, expect, it } from 'vitest';
import { parseGroupArgs, splitGroupArgs } from './flag-group.ts';
import { DEFAULT_MAX_ACTIVE_RUNS, resolveSchedulerConfig, SCHEDULER_FLAGS } from './scheduler.ts';

describe('scheduler settings', () => {
  it('cap the runs in use at once by default, take a cap from --scheduler-max-active-runs, and 0 for none', () => {
    expect(resolveSchedulerConfig({})).toEqual({ maxActiveRuns: DEFAULT_MAX_ACTIVE_RUNS });
    const { group } = splitGroupArgs(['--leader-elect', '--scheduler-max-active-runs', '250'], 'scheduler');
    expect(resolveSchedulerConfig(parseGroupArgs(SCHEDULER_FLAGS, group).settings)).toEqual({
      maxActiveRuns: 250,
    });
    expect(resolveSchedulerConfig({ maxActiveRuns: '0' })).toEqual({ maxActiveRuns: undefined });
  });

  it('refuse anything but a whole number of runs, naming the flag', () => {
    for (const bad of ['', ' ', '-1', '2.5', 'many', '1e400'])
      expect(() => resolveSchedulerConfig({ maxActiveRuns: bad })).toThrow(
        `--scheduler-max-active-runs must be a whole number of runs, 0 for no cap, got "${bad}"`,
      );
  });
});
