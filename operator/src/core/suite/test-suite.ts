// What the round and stall tests start from: suite `s` (namespace ns, created 2026-11-22T09:10:00Z)
// with one benchmark `b` on one target `t` of provider `p`, under SchedulePolicy `hourly`.
import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';

export const policy = (spec: NonNullable<SchedulePolicy['spec']>): SchedulePolicy => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name: 'hourly', namespace: 'ns' },
  spec,
});
export const hourly = policy({ schedule: '0 * * * *', concurrencyPolicy: 'Forbid' });

export function suite(status?: BenchmarkSuite['status'], generation = 1): BenchmarkSuite {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: 's', namespace: 'ns', generation, creationTimestamp: '2026-11-22T09:10:00Z' },
    spec: {
      schedulePolicyRef: 'hourly',
      runner: { image: 'runner' },
      targets: [{ name: 't', providerRef: 'p', model: 'm' }],
      benchmarks: [{ name: 'b' }],
    },
    ...(status ? { status } : {}),
  } as unknown as BenchmarkSuite;
}
