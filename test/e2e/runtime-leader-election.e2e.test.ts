// Leader election between two manager processes on a real Lease with controller-runtime's timings
// (15 s lease, 10 s renew deadline, 2 s retry): only the leader reconciles; when it is killed
// with SIGKILL the standby takes over once the lease expires, within the lease duration; on SIGTERM
// it hands over at once.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';
import { programsKilledAfterEach, runProgram, type RunningProgram } from '../support/process.ts';
import { replicaArgs } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('rt-leader');
const copier = path.join(repoRoot, 'test/e2e/fixtures/runtime-copier.ts');
const leaseDurationMs = 15_000;
const retryPeriodMs = 2_000;

const programs = programsKilledAfterEach();

// Each test campaigns for its own Lease: a replica SIGKILLed by the previous test would otherwise hold it for 15 s.
function startReplica(leaseName: string, identity: string): RunningProgram {
  const program = runProgram(copier, replicaArgs(namespace(), leaseName, identity));
  programs.push(program);
  return program;
}

interface Lease {
  spec: {
    holderIdentity?: string;
    renewTime?: string;
    acquireTime?: string;
    leaseTransitions?: number;
    leaseDurationSeconds?: number;
  };
}

const lease = (name: string) => kubectlGetJson<Lease>(['lease', name], { namespace: namespace() });

async function source(name: string): Promise<void> {
  await kubectl(['create', 'configmap', name, '--from-literal=k=v'], { namespace: namespace() });
  await kubectl(['label', 'configmap', name, 'runtime-test=source'], { namespace: namespace() });
}

async function copiedBy(name: string, replica: RunningProgram): Promise<void> {
  await replica.waitForLog('copied', { copy: `${name}-copy` });
}

describe('leader election between two managers', () => {
  it('lets only the leader reconcile and hands over after the leader is killed', async () => {
    const a = startReplica('killed', 'replica-a');
    await a.waitForLog('became leader');
    const b = startReplica('killed', 'replica-b');
    await b.waitForLog('manager started');

    const held = await lease('killed');
    expect(held.spec).toMatchObject({ holderIdentity: 'replica-a', leaseDurationSeconds: 15 });
    expect(held.spec.renewTime, 'MicroTime: six fractional digits').toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
    );

    await source('before');
    await copiedBy('before', a);
    expect(
      b.logs.some((l) => l.msg === 'copied'),
      'the standby does not reconcile',
    ).toBe(false);

    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const takeover = await b.waitForLog('became leader', {}, 40_000);
    const handoverMs = (takeover.time as number) - killedAt;
    // The standby watches the Lease, so it sees the last renewal (at most a retry period before the
    // kill) within milliseconds, and attempts exactly a lease duration after seeing it, on its own
    // clock: no poll delay either side. 500 ms covers the kill, the attempt's two requests and the log.
    expect(handoverMs).toBeGreaterThanOrEqual(leaseDurationMs - retryPeriodMs - 500);
    expect(handoverMs).toBeLessThanOrEqual(leaseDurationMs + 500);
    console.info(`leader handover after SIGKILL took ${handoverMs} ms`);

    await source('after');
    await copiedBy('after', b);
    const taken = await lease('killed');
    expect(taken.spec.holderIdentity).toBe('replica-b');
    expect(taken.spec.leaseTransitions).toBe(1);
  });

  it('hands over within a retry period when the leader shuts down gracefully', async () => {
    const a = startReplica('graceful', 'graceful-a');
    await a.waitForLog('became leader');
    const b = startReplica('graceful', 'graceful-b');
    await b.waitForLog('manager started');
    await waitFor('replica a to hold the lease', async () => {
      const current = await lease('graceful');
      return { done: current.spec.holderIdentity === 'graceful-a', seen: current.spec };
    });

    const stoppedAt = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    const takeover = await b.waitForLog('became leader', {}, 20_000);
    const handoverMs = (takeover.time as number) - stoppedAt;
    // The released Lease reaches the standby by its watch, and it attempts at once.
    expect(handoverMs).toBeLessThanOrEqual(1_000);
    console.info(`leader handover after SIGTERM took ${handoverMs} ms`);
  });
});
