// The operator as a process that dies: SIGKILL in the middle of creating Jobs loses no run and
// duplicates no Job; with two replicas, the follower takes over when the leader dies.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { waitForSuite, type JobList } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('resilience');
stopOperatorsAfterAll();

const LEASE_DURATION_MS = 15_000;
/** The follower's retry period is 2 s with client-go's jitter factor 1.2: at most 4.4 s. */
const MAX_RETRY_MS = 4_400;

function manifests(suiteName: string, benchmarks: number, targets: number): string {
  return [
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'local' },
      spec: { provider: 'openai-compatible', endpoint: 'http://127.0.0.1:8000/v1' },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: suiteName },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
        },
        targets: Array.from({ length: targets }, (_, i) => ({
          name: `t${i}`,
          providerRef: 'local',
          model: `m${i}`,
        })),
        benchmarks: Array.from({ length: benchmarks }, (_, i) => ({ name: `b${i}` })),
      },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

async function jobsOf(ns: string, suite: string): Promise<JobList['items']> {
  return (await kubectlGetJson<JobList>(['jobs', '-l', `bench.dev/suite=${suite}`], { namespace: ns })).items;
}

interface Lease {
  spec: { holderIdentity?: string };
}

async function leaseHolder(ns: string, lease: string): Promise<string> {
  const { spec } = await kubectlGetJson<Lease>(['lease', lease], { namespace: ns });
  return spec.holderIdentity ?? '';
}

/** Two replicas electing a leader on their own Lease (tests in this file share a namespace). */
function replicasOn(ns: string, lease: string): OperatorProcess[] {
  return [0, 1].map((i) =>
    startOperator({
      namespaces: [ns],
      identity: `${lease}-${i}`,
      leaderElection: true,
      leaseNamespace: ns,
      extraArgs: [`--leader-election-id=${lease}`],
    }),
  );
}

async function leaderOf(ns: string, lease: string, replicas: OperatorProcess[]): Promise<OperatorProcess> {
  const holder = await waitFor(`one replica to hold the lease ${lease}`, async () => {
    const name = await leaseHolder(ns, lease);
    return { done: name !== '', value: name, seen: name || '(no holder)' };
  });
  const leader = replicas.find((r) => r.identity === holder);
  if (!leader) throw new Error(`the lease ${lease} is held by ${holder}, which is none of the replicas`);
  return leader;
}

async function waitForHolder(ns: string, lease: string, identity: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `replica ${identity} to take the lease ${lease}`,
    async () => {
      const holder = await leaseHolder(ns, lease);
      return { done: holder === identity, seen: holder };
    },
    { timeoutMs, intervalMs: 100 },
  );
}

describe('operator resilience', () => {
  it('loses no run and creates no duplicate Job when killed with SIGKILL while creating Jobs', async () => {
    const ns = namespace();
    await kubectlApply(manifests('crash', 20, 10), { namespace: ns });
    const first = startOperator({ namespaces: [ns], identity: `crash-1-${ns}` });
    const createdBeforeKill = await waitFor(
      'the first operator to have created some, but not all, of 200 Jobs',
      async () => {
        const count = (await jobsOf(ns, 'crash')).length;
        return { done: count > 0, value: count, seen: `${count} Jobs` };
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await first.kill();
    const afterKill = (await jobsOf(ns, 'crash')).length;
    expect(afterKill, 'the operator was killed before it finished creating Jobs').toBeLessThan(200);

    startOperator({ namespaces: [ns], identity: `crash-2-${ns}` });
    const done = await waitForSuite(ns, 'crash', (s) => s.phase === 'Succeeded', 180_000);
    expect(done.summary).toMatchObject({ total: 200, succeeded: 200 });
    const jobs = await jobsOf(ns, 'crash');
    const runs = jobs.map((j) => j.metadata.labels?.['bench.dev/run']);
    expect(new Set(runs).size, 'one Job per run').toBe(200);
    expect(jobs).toHaveLength(200);
    expect(jobs.every((j) => j.metadata.labels?.['bench.dev/attempt'] === '1')).toBe(true);
    console.info(
      `SIGKILL test: ${createdBeforeKill} Jobs seen before the kill, ${afterKill} after it; 200/200 after restart`,
    );
    // Longer than the waits above together: the test's own timeout must never be what fails it.
  }, 240_000);

  it('hands leadership to the second replica once the lease of the dead leader expires', async () => {
    const ns = namespace();
    const lease = 'handover';
    const replicas = replicasOn(ns, lease);
    const leader = await leaderOf(ns, lease, replicas);
    const follower = replicas.find((r) => r !== leader)!;

    // Only the leader reconciles: a suite runs to completion under it.
    await kubectlApply(manifests('before', 1, 2), { namespace: ns });
    await waitForSuite(ns, 'before', (s) => s.phase === 'Succeeded');

    const killedAt = Date.now();
    await leader.kill();
    await waitForHolder(ns, lease, follower.identity, LEASE_DURATION_MS + 3 * MAX_RETRY_MS);
    const handoverMs = Date.now() - killedAt;
    console.info(`leader handover after SIGKILL: ${handoverMs} ms`);
    // A killed leader cannot release its lease: the follower may take it only once it has expired,
    // a lease duration after the follower last saw it renewed. The follower watches the Lease and
    // attempts at that very moment, so the handover takes at most the lease duration, plus 1 s for
    // the kill signal and this test's polling.
    expect(handoverMs).toBeGreaterThanOrEqual(LEASE_DURATION_MS - MAX_RETRY_MS);
    expect(handoverMs).toBeLessThanOrEqual(LEASE_DURATION_MS + 1_000);

    await kubectlApply(manifests('after', 1, 2), { namespace: ns });
    await waitForSuite(ns, 'after', (s) => s.phase === 'Succeeded');
  });

  it('releases the lease on SIGTERM, so the follower takes over at once', async () => {
    const ns = namespace();
    const lease = 'graceful';
    const replicas = replicasOn(ns, lease);
    const leader = await leaderOf(ns, lease, replicas);
    const follower = replicas.find((r) => r !== leader)!;
    const stoppedAt = Date.now();
    expect(await leader.stop()).toBe(0);
    await waitForHolder(ns, lease, follower.identity, 2 * MAX_RETRY_MS);
    const handoverMs = Date.now() - stoppedAt;
    console.info(`leader handover after SIGTERM: ${handoverMs} ms`);
    expect(handoverMs).toBeLessThan(LEASE_DURATION_MS / 2);
  });
});
