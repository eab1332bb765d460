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
  it("names a judge's missing ProviderPolicy, and a judge's model its provider does not allow", () => {
    const judged = (providers: Map<string, never>) => {
      const s = suite();
      s.spec.benchmarks = [{ name: 'a', judge: { providerRef: 'graders', model: 'judge-1' } }];
      return stallReason({ suite: s, providers, schedulePolicy: hourly });
    };
    expect(judged(new Map([['p', { spec: {} } as never]]))).toMatchObject({
      reason: 'ReferenceMissing',
      message: expect.stringMatching(/^ProviderPolicy graders does not exist/) as unknown,
    });
    expect(
      judged(
        new Map([
          ['p', { spec: {} } as never],
          ['graders', { spec: { models: ['judge-2'] } } as never],
        ]),
      ),
    ).toEqual({
      reason: 'ModelNotAllowed',
      message:
        'the judge of benchmark a asks for model judge-1, which ProviderPolicy graders does not allow (allowed: judge-2)',
    });
  });
});
