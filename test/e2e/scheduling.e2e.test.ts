// The scheduling engine on the real control plane, with run failures injected through the
// simulated provider of hack/testenv/stages/pod-simulated-provider-failure.yaml.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { stopRunningJobWatchesAfterAll, watchRunningJobs } from '../support/running-jobs.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('sched');
stopOperatorsAfterAll();
stopRunningJobWatchesAfterAll();

const runner = {
  image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
  resources: { requests: { cpu: '10m' } },
};
const fastRetry = { limit: 3, backoff: { initial: '1s', max: '2s', jitterPercent: 0 } };

function provider(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name },
    spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid', ...spec },
  };
}

function suite(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: { runner, ...spec },
  };
}

const apply = (ns: string, ...objects: object[]) =>
  kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: ns });

interface ProviderStatus {
  status?: {
    circuit?: { state?: string };
    conditions?: Array<{ type: string; status: string; reason: string }>;
  };
}

describe('scheduling engine on the cluster', () => {
  it('never runs more than a provider allows at once', async () => {
    const ns = namespace();
    await apply(
      ns,
      provider('capped', { maxConcurrentRuns: 2 }),
      suite('capped', {
        targets: [{ name: 't', providerRef: 'capped', model: 'm' }],
        benchmarks: Array.from({ length: 10 }, (_, i) => ({ name: `b${i}` })),
      }),
    );
    const running = await watchRunningJobs(ns);
    startOperator({ namespaces: [ns] });
    const done = await waitForSuite(ns, 'capped', (s) => s.phase === 'Succeeded', 90_000);
    expect(done.summary?.succeeded).toBe(10);
    expect(running.samples).toBeGreaterThan(20);
    expect(running.peak, `peak of running Jobs over ${running.samples} samples`).toBe(2);
  });

  it('opens the circuit on provider failures, fails over, and closes it after a successful probe', async () => {
    const ns = namespace();
    await apply(
      ns,
      provider('backup', {}),
      provider('flaky', {
        endpoint: 'http://unavailable.kwok.invalid',
        circuitBreaker: { failureThreshold: 2, cooldown: '15s', halfOpenMaxRuns: 1 },
        failover: [{ providerRef: 'backup', models: { 'gpt-4o': 'backup-large' } }],
      }),
      suite('resilient', {
        retry: fastRetry,
        targets: [{ name: 'main', providerRef: 'flaky', model: 'gpt-4o' }],
        benchmarks: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      }),
    );
    startOperator({ namespaces: [ns] });
    const done = await waitForSuite(ns, 'resilient', (s) => s.phase === 'Succeeded', 90_000);
    for (const run of done.runs ?? []) {
      expect(run, `run ${run.name} finished on the failover provider with the mapped model`).toMatchObject({
        provider: 'backup',
        model: 'backup-large',
      });
    }
    const flaky = await kubectlGetJson<ProviderStatus>(['providerpolicy', 'flaky'], { namespace: ns });
    expect(['Open', 'HalfOpen']).toContain(flaky.status?.circuit?.state);
    const policyEvents = (await eventsFor('ProviderPolicy', 'flaky', ns)).map((e) => e.reason);
    expect(policyEvents).toContain('CircuitOpened');
    const suiteEvents = (await eventsFor('BenchmarkSuite', 'resilient', ns)).map((e) => e.reason);
    expect(suiteEvents).toContain('FailedOver');

    // The provider recovers; after the cooldown a probe run goes to it and closes the circuit.
    await apply(
      ns,
      provider('flaky', {
        endpoint: 'http://healthy.kwok.invalid',
        circuitBreaker: { failureThreshold: 2, cooldown: '15s', halfOpenMaxRuns: 1 },
        failover: [{ providerRef: 'backup', models: { 'gpt-4o': 'backup-large' } }],
      }),
    );
    // While the circuit is open, new runs still fail over: re-run once the cooldown is over.
    await waitFor(
      'the circuit of flaky to become half-open after its cooldown',
      async () => {
        const p = await kubectlGetJson<ProviderStatus>(['providerpolicy', 'flaky'], { namespace: ns });
        return { done: p.status?.circuit?.state === 'HalfOpen', seen: p.status?.circuit };
      },
      { timeoutMs: 30_000 },
    );
    await kubectl(
      ['annotate', '--overwrite', 'benchmarksuite', 'resilient', `bench.dev/requested-at=${Date.now()}`],
      { namespace: ns },
    );
    const closed = await waitFor(
      'the circuit of flaky to close after a successful probe',
      async () => {
        const p = await kubectlGetJson<ProviderStatus>(['providerpolicy', 'flaky'], { namespace: ns });
        return { done: p.status?.circuit?.state === 'Closed', value: p.status, seen: p.status };
      },
      { timeoutMs: 60_000 },
    );
    expect(closed?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Available',
    });
    const second = await waitForSuite(
      ns,
      'resilient',
      (s) => s.round === 2 && s.phase === 'Succeeded',
      60_000,
    );
    expect(second.runs?.some((r) => r.provider === 'flaky')).toBe(true);
    expect((await eventsFor('ProviderPolicy', 'flaky', ns)).map((e) => e.reason)).toEqual(
      expect.arrayContaining(['CircuitHalfOpen', 'CircuitClosed']),
    );
  });

  it('retries a failed run with backoff and succeeds on the second attempt', async () => {
    const ns = namespace();
    await apply(
      ns,
      provider('p', {}),
      suite('retried', {
        retry: fastRetry,
        targets: [
          {
            name: 't',
            providerRef: 'p',
            model: 'm',
            parameters: { 'kwok.exit-code': '3', 'kwok.fail-until-attempt': '1' },
          },
        ],
        benchmarks: [{ name: 'once' }],
      }),
    );
    startOperator({ namespaces: [ns] });
    const done = await waitForSuite(ns, 'retried', (s) => s.phase === 'Succeeded', 60_000);
    expect(done.runs?.[0]).toMatchObject({ state: 'Succeeded', attempt: 2, job: 'retried-1-once-t-a2' });
    const events = (await eventsFor('BenchmarkSuite', 'retried', ns)).filter(
      (e) => e.reason === 'RunAdmitted',
    );
    expect(events.map((e) => e.note)).toEqual(
      expect.arrayContaining([expect.stringContaining('attempt 1'), expect.stringContaining('attempt 2')]),
    );
  });

  it('blocks the dependents of a run that failed for good, for that target only', async () => {
    const ns = namespace();
    await apply(
      ns,
      provider('p', {}),
      suite('chain', {
        retry: fastRetry,
        targets: [
          { name: 'broken', providerRef: 'p', model: 'm', parameters: { 'kwok.exit-code': '2' } },
          { name: 'fine', providerRef: 'p', model: 'm' },
        ],
        benchmarks: [{ name: 'setup' }, { name: 'eval', dependsOn: ['setup'] }],
      }),
    );
    startOperator({ namespaces: [ns] });
    const done = await waitForSuite(ns, 'chain', (s) => s.phase === 'Failed', 60_000);
    const byName = Object.fromEntries((done.runs ?? []).map((r) => [r.name, r]));
    expect(byName['setup-broken']).toMatchObject({ state: 'Failed', reason: 'BenchmarkError', attempt: 1 });
    expect(byName['eval-broken']).toMatchObject({ state: 'Blocked', reason: 'DependencyFailed' });
    expect(byName['eval-broken']?.job).toBeUndefined();
    expect(byName['eval-fine']).toMatchObject({ state: 'Succeeded' });
    expect(done.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'RoundFailed',
    });
  });
});
