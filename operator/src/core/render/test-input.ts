// What a render test starts from: suite `smoke` (namespace team-a) with one benchmark `hello` on one
// target `gpt` of provider `openai`, round 1, attempt 1.
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { JobRenderInput } from './job.ts';

type Spec = BenchmarkSuite['spec'];

export function jobInput(
  runner: Partial<Spec['runner']>,
  benchmark: Partial<Spec['benchmarks'][number]> = {},
): JobRenderInput {
  const spec: Spec = {
    runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', ...runner },
    targets: [{ name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' }],
    benchmarks: [{ name: 'hello', ...benchmark }],
  };
  return {
    suite: {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: 'smoke', namespace: 'team-a', uid: 'u-1', generation: 1 },
      spec,
    },
    round: 1,
    benchmark: spec.benchmarks[0],
    target: spec.targets[0],
    attempt: 1,
    provider: { metadata: { name: 'openai' }, spec: { provider: 'openai' } },
    model: 'gpt-4o-mini',
  };
}
