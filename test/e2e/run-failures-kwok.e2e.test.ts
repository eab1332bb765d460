// The cases of docs/run-failures.md the real node cannot produce on demand, acted out on KWOK
// nodes by stages that write the pod status the kubelet would: a pod evicted under node pressure
// (hack/testenv/stages/pod-simulated-eviction.yaml), which the Job replaces, and a run that outlives
// its timeout. Neither is the provider's failure: its circuit, which opens on one, stays closed.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ProviderPolicy } from '../../operator/src/api/v1alpha1/index.ts';
import { eventsFor } from '../support/events.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';

const namespace = useNamespace('kwok-failures');
stopOperatorsAfterAll();

const apply = (ns: string, ...objects: object[]) =>
  kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: ns });

function suite(name: string, target: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', resources: { requests: { cpu: '10m' } } },
      targets: [{ name: 't', providerRef: 'fragile', model: 'm', ...target }],
      benchmarks: [{ name: 'b' }],
      retry: { limit: 0 },
      ...spec,
    },
  };
}

async function circuitOf(ns: string): Promise<NonNullable<ProviderPolicy['status']>> {
  return (
    (await kubectlGetJson<ProviderPolicy>(['providerpolicy', 'fragile'], { namespace: ns })).status ?? {}
  );
}

describe('pod failures KWOK acts out', () => {
  it('an evicted pod: the run shows Evicted with the kubelet words, the Job replaces the pod, the run succeeds', async () => {
    const ns = namespace();
    await apply(ns, {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'fragile' },
      spec: {
        provider: 'openai-compatible',
        endpoint: 'http://healthy.kwok.invalid',
        circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
      },
    });
    startOperator({ namespaces: [ns] });
    // Pods created in the next seconds are evicted; the replacement after that completes.
    const evictBefore = new Date(Date.now() + 8000).toISOString().replace(/\.\d+Z$/, 'Z');
    await apply(ns, suite('evicted', { parameters: { 'kwok.evict-before': evictBefore } }));
    // Pods are evicted for 8 s: the run shows it while its Job replaces them.
    const seen = await waitForSuite(ns, 'evicted', (s) => s.runs?.[0]?.reason === 'Evicted', 90_000);
    const done = await waitForSuite(
      ns,
      'evicted',
      (s) => s.phase === 'Succeeded' || s.phase === 'Failed',
      90_000,
    );
    expect(done.phase, JSON.stringify(done.runs)).toBe('Succeeded');
    // Still the first attempt: an eviction is not a failure of the run.
    expect(done.runs![0]!.attempt).toBe(1);
    const events = await eventsFor('BenchmarkSuite', 'evicted', ns);
    const evicted = events.find((e) => e.reason === 'Evicted');
    expect(evicted, JSON.stringify(events)).toBeDefined();
    expect(evicted!.note).toContain('The node was low on resource: memory');
    expect(evicted!.note).toContain('the Job replaced it');
    expect(seen.runs![0]).toMatchObject({ state: 'Running', attempt: 1 });
    expect(seen.runs![0]!.message).toContain('was evicted (The node was low on resource: memory');
  });

  it("a run that outlives its timeout: DeadlineExceeded, which does not move the provider's circuit", async () => {
    const ns = namespace();
    await apply(
      ns,
      suite(
        'slow',
        {},
        {
          benchmarks: [{ name: 'b', timeout: '3s' }],
          runner: {
            image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
            resources: { requests: { cpu: '10m' } },
            podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '10m' },
          },
        },
      ),
    );
    const done = await waitForSuite(
      ns,
      'slow',
      (s) => s.phase === 'Failed' || s.phase === 'Succeeded',
      90_000,
    );
    expect(done.runs![0], JSON.stringify(done.runs)).toMatchObject({
      state: 'Failed',
      reason: 'RetriesExhausted',
    });
    expect(done.runs![0]!.message).toMatch(/DeadlineExceeded|deadline/i);
    const status = await circuitOf(ns);
    expect(status.circuit?.state ?? 'Closed', JSON.stringify(status)).toBe('Closed');
    expect(status.circuit?.consecutiveFailures ?? 0, JSON.stringify(status)).toBe(0);
  });
});
