import { describe, expect, it } from 'vitest';
import { stallReason } from './stall.ts';
import { hourly, policy, suite } from './test-suite.ts';

describe('stallReason', () => {
  it('names an invalid schedule of the policy', () => {
    const s = suite();
    expect(
      stallReason({
        suite: s,
        providers: new Map([['p', {} as never]]),
        schedulePolicy: policy({ schedule: '61 * * * *' }),
      }),
    ).toEqual({
      reason: 'InvalidSchedule',
      message:
        "SchedulePolicy hourly: schedule '61 * * * *' is not a valid cron expression: Invalid value for minute: 61; fix the policy",
    });
  });

  it("names a benchmark's arg or env value that would have the kubelet expand a runner-contract variable", () => {
    const stalled = (benchmark: object) => {
      const s = suite();
      s.spec.benchmarks = [{ name: 'a' }, { name: 'b', ...benchmark }];
      return stallReason({
        suite: s,
        providers: new Map([['p', { spec: {} } as never]]),
        schedulePolicy: hourly,
      });
    };
    expect(stalled({ args: ['--x', '--log=$(BENCH_API_KEY)'] })).toMatchObject({
      reason: 'RunnerVariableReference',
      message: expect.stringMatching(
        /^benchmarks\[1\]\.args\[1\] references a \$\(BENCH_\.\.\.\) variable/,
      ) as unknown,
    });
    expect(stalled({ env: [{ name: 'K', value: 'Bearer $(BENCH_API_KEY)' }] })?.message).toMatch(
      /^benchmarks\[1\]\.env\[0\]\.value references/,
    );
    expect(stalled({ args: ['--tag=$(MY_TAG)'] })).toBeUndefined();
    const copied = suite();
    copied.spec.runner.env = [{ name: 'UPLOAD_TOKEN', value: '$(BENCH_API_KEY)' }];
    expect(
      stallReason({
        suite: copied,
        providers: new Map([['p', { spec: {} } as never]]),
        schedulePolicy: hourly,
      })?.message,
    ).toMatch(/^runner\.env\[0\]\.value references a \$\(BENCH_\.\.\.\) variable/);
  });
});
