// A manager built on the runtime, run as its own process against the local cluster: probes and
// metrics on their ports, reconciles driven by informer events (for and owns), no writes once
// converged, and a graceful SIGTERM that releases the leader Lease.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';
import { runProgram, type RunningProgram } from '../support/process.ts';
import { replicaArgs } from '../support/runtime.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('rt-manager');
const copier = path.join(repoRoot, 'test/e2e/fixtures/runtime-copier.ts');

let program: RunningProgram | undefined;
afterEach(async () => {
  if (program && program.child.exitCode === null) await program.stop('SIGKILL');
  program = undefined;
});

function startCopier(identity: string): RunningProgram {
  return runProgram(copier, replicaArgs(namespace(), 'copier', identity));
}

/** Samples of one metric family from the Prometheus text format, as "labels value" pairs. */
function samples(text: string, name: string): Array<{ labels: string; value: number }> {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const space = line.lastIndexOf(' ');
      return { labels: line.slice(name.length, space), value: Number(line.slice(space + 1)) };
    });
}

const sum = (list: Array<{ value: number }>) => list.reduce((total, s) => total + s.value, 0);

async function copyData(name: string): Promise<Record<string, string> | undefined> {
  const result = await kubectl(['get', 'configmap', `${name}-copy`, '-o', 'json'], {
    namespace: namespace(),
    allowFailure: true,
  });
  return result.code === 0
    ? ((JSON.parse(result.stdout) as { data?: Record<string, string> }).data ?? {})
    : undefined;
}

describe('the runtime manager', () => {
  it('serves probes and metrics, reconciles changes, writes nothing when converged, and shuts down gracefully', async () => {
    await kubectl(['create', 'configmap', 'one', '--from-literal=k=v1'], { namespace: namespace() });
    await kubectl(['label', 'configmap', 'one', 'runtime-test=source'], { namespace: namespace() });

    program = startCopier('copier-a');
    const started = await program.waitForLog('manager started');
    const health = `http://127.0.0.1:${started.health as number}`;
    const metrics = `http://127.0.0.1:${started.metrics as number}/metrics`;
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    await waitFor('/readyz to report synced caches', async () => {
      const status = (await fetch(`${health}/readyz`)).status;
      return { done: status === 200, seen: status };
    });
    await program.waitForLog('became leader');

    await waitFor('the copy of one', async () => {
      const data = await copyData('one');
      return { done: data?.k === 'v1', seen: data };
    });
    await kubectl(['patch', 'configmap', 'one', '--type=merge', '-p', '{"data":{"k":"v2"}}'], {
      namespace: namespace(),
    });
    await waitFor('the copy to follow the source', async () => {
      const data = await copyData('one');
      return { done: data?.k === 'v2', seen: data };
    });
    // owns(): a change to the copy wakes its owner, which restores it.
    await kubectl(['patch', 'configmap', 'one-copy', '--type=merge', '-p', '{"data":{"k":"tampered"}}'], {
      namespace: namespace(),
    });
    await waitFor('the copy to be restored', async () => {
      const data = await copyData('one');
      return { done: data?.k === 'v2', seen: data };
    });
    await waitFor('the Copied events', async () => {
      const events = await eventsFor('ConfigMap', 'one', namespace());
      return { done: events.some((e) => e.reason === 'Copied'), seen: events };
    });

    // Converged: an event that changes nothing the reconciler cares about must cost a reconcile, not a write.
    const before = await (await fetch(metrics)).text();
    // Lease renewals (PUT, one per retry period) are the only writes an idle leader makes.
    const nonLeaseWrites = (text: string) =>
      sum(
        samples(text, 'rest_client_requests_total').filter(
          (s) => !s.labels.includes('method="GET"') && !s.labels.includes('method="PUT"'),
        ),
      );
    const reconciles = (text: string) => sum(samples(text, 'controller_runtime_reconcile_total'));
    await kubectl(['annotate', 'configmap', 'one', 'touched=yes'], { namespace: namespace() });
    const after = await waitFor('the no-op reconcile', async () => {
      const text = await (await fetch(metrics)).text();
      return { done: reconciles(text) > reconciles(before), value: text, seen: reconciles(text) };
    });
    expect(nonLeaseWrites(after)).toBe(nonLeaseWrites(before));

    expect(after).toContain('controller_runtime_reconcile_total{controller="copier",result="success"}');
    expect(samples(after, 'controller_runtime_max_concurrent_reconciles')).toEqual([
      { labels: '{controller="copier"}', value: 4 },
    ]);
    expect(
      samples(after, 'workqueue_adds_total').find((s) => s.labels.includes('name="copier"'))?.value,
    ).toBeGreaterThan(0);
    expect(samples(after, 'leader_election_master_status')).toEqual([
      { labels: '{name="copier"}', value: 1 },
    ]);
    for (const family of [
      'workqueue_depth',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
      'workqueue_retries_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds_bucket',
      'controller_runtime_active_workers',
      'rest_client_request_duration_seconds_bucket',
    ]) {
      expect(samples(after, family).length, family).toBeGreaterThan(0);
    }

    expect(await program.stop('SIGTERM')).toBe(0);
    expect(program.logs.map((l) => l.msg)).toContain('released the lease');
    const lease = await kubectlGetJson<{ spec: { holderIdentity?: string } }>(['lease', 'copier'], {
      namespace: namespace(),
    });
    expect(lease.spec.holderIdentity ?? '').toBe('');
  });
});
