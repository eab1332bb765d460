import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { PolicyObject, SuiteObject } from '../caches.ts';
import { registerSuiteMetrics } from './suite-metrics.ts';
import { arraySources, samples } from './test-sources.ts';

type Run = NonNullable<NonNullable<BenchmarkSuite['status']>['runs']>[number];

const run = (name: string, state: Run['state'], reason?: string, attempt = 0): Run => ({
  name,
  benchmark: name,
  target: 't',
  state,
  attempt,
  ...(reason ? { reason } : {}),
});

function suite(name: string, runs: Run[], extra: Partial<SuiteObject['spec']> = {}, round = 1): SuiteObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { namespace: 'team', name, uid: `uid-${name}` },
    spec: { runner: { image: 'runner' }, targets: [], benchmarks: [], ...extra },
    status: { round, phase: 'Running', runs },
  } as unknown as SuiteObject;
}

const policy = (name: string): PolicyObject =>
  ({ metadata: { namespace: 'team', name }, spec: {} }) as unknown as PolicyObject;

function setup() {
  const registry = new Registry();
  const { state, sources } = arraySources();
  registerSuiteMetrics(registry, sources);
  return { registry, state };
}

describe('suite metrics', () => {
  it("counts each suite's runs by state, and the waiting ones by their reason (unknown reasons as Other)", async () => {
    const { registry, state } = setup();
    state.suites = [
      suite('a', [
        run('r1', 'Running', 'Running', 1),
        run('r2', 'Queued', 'ProviderCapacity'),
        run('r3', 'Queued', 'ProviderCapacity'),
        run('r4', 'Retrying', 'Backoff', 1),
        run('r5', 'Queued', 'SomethingNew'),
        run('r6', 'Succeeded', 'Succeeded', 1),
      ]),
    ];
    expect(await samples(registry, 'bench_suite_runs')).toEqual({
      'namespace=team,suite=a,state=Blocked': 0,
      'namespace=team,suite=a,state=Failed': 0,
      'namespace=team,suite=a,state=Queued': 3,
      'namespace=team,suite=a,state=Retrying': 1,
      'namespace=team,suite=a,state=Running': 1,
      'namespace=team,suite=a,state=Succeeded': 1,
    });
    expect(await samples(registry, 'bench_suite_waiting_runs')).toEqual({
      'namespace=team,suite=a,reason=Backoff': 1,
      'namespace=team,suite=a,reason=Other': 1,
      'namespace=team,suite=a,reason=ProviderCapacity': 2,
    });
    expect(await samples(registry, 'bench_suite_phase')).toMatchObject({
      'namespace=team,suite=a,phase=Running': 1,
      'namespace=team,suite=a,phase=Pending': 0,
    });
    expect(await samples(registry, 'bench_suite_round')).toEqual({ 'namespace=team,suite=a': 1 });
  });

  it('exports the score of each succeeded run of the current round, and none for the others', async () => {
    const { registry, state } = setup();
    const scored = (name: string, runState: Run['state'], score: number): Run => ({
      ...run(name, runState, undefined, 1),
      result: { score },
    });
    state.suites = [
      suite('a', [
        scored('mmlu', 'Succeeded', 0.745),
        scored('gsm8k', 'Failed', 0.1),
        run('arc', 'Running', 'Running', 1),
        scored('hellaswag', 'Succeeded', Number.NaN),
      ]),
    ];
    expect(await samples(registry, 'bench_run_score')).toEqual({
      'namespace=team,suite=a,benchmark=mmlu,target=t': 0.745,
    });
  });

  it("exports each gate's verdict (1 for the current one, 0 for the others) and its candidate's value", async () => {
    const { registry, state } = setup();
    const gated = suite('a', []);
    gated.status!.gates = [
      { name: 'mmlu-no-regression', round: 3, verdict: 'Failed', message: 'm', value: 0.7, items: 1000 },
      { name: 'latency', round: 3, verdict: 'Inconclusive', message: 'no value' },
    ];
    state.suites = [gated, suite('b', [])];
    expect(await samples(registry, 'bench_gate_verdict')).toEqual({
      'namespace=team,suite=a,gate=mmlu-no-regression,verdict=Passed': 0,
      'namespace=team,suite=a,gate=mmlu-no-regression,verdict=Failed': 1,
      'namespace=team,suite=a,gate=mmlu-no-regression,verdict=Inconclusive': 0,
      'namespace=team,suite=a,gate=latency,verdict=Passed': 0,
      'namespace=team,suite=a,gate=latency,verdict=Failed': 0,
      'namespace=team,suite=a,gate=latency,verdict=Inconclusive': 1,
    });
    expect(await samples(registry, 'bench_gate_value')).toEqual({
      'namespace=team,suite=a,gate=mmlu-no-regression': 0.7,
    });
    // A gate removed from the spec leaves status.gates, and its series go.
    gated.status!.gates = [];
    expect(await samples(registry, 'bench_gate_verdict')).toEqual({});
  });

  it("sums the waiting and running runs of a SchedulePolicy's suites; a policy without suites is at zero", async () => {
    const { registry, state } = setup();
    state.policies = [policy('nightly'), policy('idle')];
    state.suites = [
      suite('a', [run('r1', 'Queued'), run('r2', 'Running', 'Running', 1)], { schedulePolicyRef: 'nightly' }),
      suite('b', [run('r1', 'Retrying', 'Retrying', 1), run('r2', 'Queued', 'CircuitOpen')], {
        schedulePolicyRef: 'nightly',
      }),
      // Neither without a policy nor with a missing one: they are in no policy's queue.
      suite('c', [run('r1', 'Queued')]),
      suite('d', [run('r1', 'Queued')], { schedulePolicyRef: 'missing' }),
    ];
    expect(await samples(registry, 'bench_schedulepolicy_queued_runs')).toEqual({
      'namespace=team,schedulepolicy=idle': 0,
      'namespace=team,schedulepolicy=nightly': 3,
    });
    expect(await samples(registry, 'bench_schedulepolicy_running_runs')).toEqual({
      'namespace=team,schedulepolicy=idle': 0,
      'namespace=team,schedulepolicy=nightly': 1,
    });
  });

  it("drops a deleted suite's series, and a standby exports none", async () => {
    const { registry, state } = setup();
    state.suites = [suite('a', [run('r1', 'Queued')]), suite('b', [run('r1', 'Queued')])];
    expect(Object.keys(await samples(registry, 'bench_suite_round'))).toEqual([
      'namespace=team,suite=a',
      'namespace=team,suite=b',
    ]);
    state.suites = [state.suites[1]!];
    const after = await registry.metrics();
    expect(after).not.toContain('suite="a"');
    expect(after).toContain('bench_suite_round{namespace="team",suite="b"} 1');
    state.leader = false;
    expect(await registry.metrics()).not.toContain('suite="b"');
  });

  it("reports how long each suite's longest-waiting run has waited for admission", async () => {
    const { registry, state } = setup();
    const waiting = suite('a', [
      run('r1', 'Queued', 'ProviderCapacity'),
      run('r2', 'Queued', 'WaitingForDependencies'),
    ]);
    state.suites = [waiting];
    expect(await samples(registry, 'bench_suite_longest_admission_wait_seconds')).toEqual({
      'namespace=team,suite=a': 0,
    });
    state.now += 90_000;
    expect(await samples(registry, 'bench_suite_longest_admission_wait_seconds')).toEqual({
      'namespace=team,suite=a': 90,
    });
  });
});
