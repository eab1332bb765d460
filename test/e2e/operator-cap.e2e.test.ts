// The operator's own cap (--scheduler-max-active-runs, docs/scheduling.md#the-operators-own-cap) on
// the real control plane: one operator over its own namespace, configured by its ConfigMap.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { eventsFor } from '../support/events.ts';
import { kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { stopRunningJobWatchesAfterAll, watchRunningJobs } from '../support/running-jobs.ts';
import { waitForSuite } from '../support/suites.ts';

const namespace = useNamespace('opcap');
stopOperatorsAfterAll();
stopRunningJobWatchesAfterAll();

const runner = {
  image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
  resources: { requests: { cpu: '10m' } },
};
const provider = (name: string) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name },
  spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid' },
});
const suite = (name: string) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name },
  spec: {
    runner,
    targets: [
      { name: 'l', providerRef: 'left', model: 'm' },
      { name: 'r', providerRef: 'right', model: 'm' },
    ],
    benchmarks: [{ name: 'a' }, { name: 'b' }],
  },
});

describe("the operator's own cap", () => {
  it("never runs more than the operator's own cap at once over every suite and provider (its --scheduler-config ConfigMap)", async () => {
    const ns = namespace();
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bench-scheduler' },
        data: { maxActiveRuns: '2' },
      },
      provider('left'),
      provider('right'),
      suite('one'),
      suite('two'),
    ];
    await kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: ns });
    const running = await watchRunningJobs(ns);
    startOperator({ namespaces: [ns], extraArgs: ['--scheduler-config=bench-scheduler'] });
    for (const name of ['one', 'two']) {
      const done = await waitForSuite(ns, name, (s) => s.phase === 'Succeeded', 90_000);
      expect(done.summary?.succeeded).toBe(4);
    }
    expect(running.peak, `peak of running Jobs over ${running.samples} samples`).toBe(2);
    const waits = (await Promise.all(['one', 'two'].map((name) => eventsFor('BenchmarkSuite', name, ns))))
      .flat()
      .filter((e) => e.reason === 'RunDeferred')
      .map((e) => e.note);
    expect(
      waits.some((note) => /waits \(OperatorCapacity\): 2 of 2 runs in use across the operator/.test(note)),
      waits.join('\n'),
    ).toBe(true);
  });
});
