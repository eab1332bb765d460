// One namespace cannot stop another through the operator's shared gates: (a) with the audit
// webhook down, a namespace whose decisions fill its share of the audit backlog has its own runs
// held (AuditBacklogFull) while another namespace's runs are still admitted, and its own are
// admitted again once the webhook is back; (b) a namespace flooding the Event recorder loses only
// its own excess Events, never another namespace's.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EventRecorder } from '../../operator/src/runtime/events/recorder.ts';
import { createSigningKey, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { eventsFor } from '../support/events.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll } from '../support/operator.ts';
import { counterValue, runtimeClient, testLogger } from '../support/runtime.ts';
import { suiteStatus, waitForSuite, type JobList, type SuiteStatusView } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

// The operator's own namespace (Lease, audit outbox, signing key) and two teams'.
const operatorNamespace = useNamespace('tiso-op');
const busyNamespace = useNamespace('tiso-busy');
const calmNamespace = useNamespace('tiso-calm');
stopOperatorsAfterAll();
closeReceiversAfterAll();
let key = '';
beforeAll(async () => {
  key = await createSigningKey(operatorNamespace());
});

/** The bound and each namespace's share of it (50 %, the smallest share, 100 records). */
const MAX_BACKLOG = 200;
const SHARE = 100;

/**
 * A suite of `benchmarks` benchmarks on each of `targets` targets, all on one ProviderPolicy
 * capped at `cap`: its first scheduling pass records its round, `cap` admissions and a deferral
 * for every other run.
 */
function team(benchmarks: number, targets: number, cap: number): string {
  return [
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'p' },
      spec: {
        provider: 'openai-compatible',
        endpoint: 'http://healthy.kwok.invalid',
        maxConcurrentRuns: cap,
      },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: 'suite' },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
        },
        targets: Array.from({ length: targets }, (_, i) => ({ name: `t${i}`, providerRef: 'p', model: 'm' })),
        benchmarks: Array.from({ length: benchmarks }, (_, i) => ({ name: `b${i}` })),
      },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

async function jobCount(namespace: string): Promise<number> {
  return (await kubectlGetJson<JobList>(['jobs'], { namespace })).items.length;
}

const heldRuns = (status: SuiteStatusView) =>
  status.runs?.filter((r) => r.reason === 'AuditBacklogFull') ?? [];

describe('tenant isolation', () => {
  it('holds only the runs of a namespace that filled its share of the audit backlog, and admits them once the webhook is back', async () => {
    const [busy, calm] = [busyNamespace(), calmNamespace()];
    const receiver = await AuditReceiver.start(key, 'refusing');
    const identity = `tiso-${operatorNamespace()}`;
    startAuditedOperator(operatorNamespace(), receiver.url, {
      namespaces: [busy, calm],
      leaseNamespace: operatorNamespace(),
      identity,
      extraArgs: [`--audit-max-backlog=${MAX_BACKLOG}`, '--audit-namespace-share=50%'],
    });

    // 120 runs, 20 at a time: about 121 records in the first pass, past the share. Without a
    // share the namespace would go on until the whole bound is reached, after one more wave.
    await kubectlApply(team(60, 2, 20), { namespace: busy });
    const held = await waitForSuite(busy, 'suite', (s) => heldRuns(s).length > 0, 90_000);
    const busyJobs = await jobCount(busy);
    // The other namespace is admitted while the webhook is still down.
    await kubectlApply(team(3, 1, 3), { namespace: calm });
    await waitFor(`the 3 Jobs of namespace ${calm} while ${busy} is held`, async () => {
      const [jobs, status] = await Promise.all([jobCount(calm), suiteStatus(calm, 'suite')]);
      return {
        done: jobs === 3,
        seen: {
          jobs,
          runs: status.runs?.map((r) => `${r.name}: ${r.state} ${r.reason ?? ''} ${r.message ?? ''}`),
        },
      };
    });
    // Held by its share, not by the whole bound, which would hold the other namespace too.
    expect(heldRuns(held)[0]?.message).toBe(
      `the audit records of namespace ${busy} fill its share of the audit backlog (${SHARE} of the bound of ${MAX_BACKLOG} records): its runs are admitted again once the audit webhook has acknowledged records; other namespaces' runs still are`,
    );
    await waitFor(`an AuditBacklogFull Event on the operator's Pod naming namespace ${busy}`, async () => {
      const events = await eventsFor('Pod', identity, operatorNamespace());
      return {
        done: events.some(
          (e) => e.reason === 'AuditBacklogFull' && e.related?.name === busy && e.note.includes(busy),
        ),
        seen: events,
      };
    });
    const stillHeld = await suiteStatus(busy, 'suite');
    expect(heldRuns(stillHeld).length, `runs of ${busy} still held by its share`).toBeGreaterThan(0);
    expect(await jobCount(busy), `no Job of ${busy} created while it was held`).toBe(busyJobs);

    // The webhook is back: the busy namespace's records are delivered and its runs admitted again.
    await receiver.setMode('up');
    await waitFor(
      `new Jobs in namespace ${busy} once the audit webhook is back`,
      async () => {
        const jobs = await jobCount(busy);
        return { done: jobs > busyJobs, seen: { jobs, before: busyJobs, received: receiver.records.length } };
      },
      { timeoutMs: 120_000 },
    );
    await waitFor(
      `an AuditBacklogCleared Event for namespace ${busy}`,
      async () => {
        const events = await eventsFor('Pod', identity, operatorNamespace());
        return {
          done: events.some((e) => e.reason === 'AuditBacklogCleared' && e.related?.name === busy),
          seen: events,
        };
      },
      { timeoutMs: 120_000 },
    );
  });

  it('writes every Event of a quiet namespace while another floods the Event recorder', async () => {
    const [busy, calm] = [busyNamespace(), calmNamespace()];
    const { client, registry } = await runtimeClient();
    const recorder = new EventRecorder({
      client,
      reportingInstance: 'tiso-recorder',
      logger: testLogger(),
      registry,
      bufferSize: 20,
    });
    // Each Event about its own object, so the per-object spam filter lets every one through: all
    // are emitted before the first write returns, so the buffer is full of the flood.
    const emit = (namespace: string, reason: string, i: number) =>
      recorder.emit({
        regarding: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: `${reason.toLowerCase()}-${i}` },
        type: 'Normal',
        reason,
        action: 'Observe',
        note: `${reason} ${i}`,
      });
    for (let i = 0; i < 200; i++) emit(busy, 'Flood', i);
    for (let i = 0; i < 5; i++) emit(calm, 'Quiet', i);
    await recorder.flush();

    const written = async (namespace: string, reason: string) =>
      (
        await kubectlGetJson<{ items: Array<{ note: string }> }>(
          ['events.v1.events.k8s.io', '--field-selector', `reason=${reason}`],
          { namespace },
        )
      ).items
        .map((e) => e.note)
        .sort();
    expect(await written(calm, 'Quiet')).toEqual(['Quiet 0', 'Quiet 1', 'Quiet 2', 'Quiet 3', 'Quiet 4']);
    // One in flight and the buffer's 20, of which the quiet namespace's 5 took the place of the newest.
    expect(await written(busy, 'Flood')).toHaveLength(16);
    expect(await counterValue(registry, 'event_recorder_dropped_total', { reason: 'pushed_out' })).toBe(5);
    expect(await counterValue(registry, 'event_recorder_dropped_total', { reason: 'buffer_full' })).toBe(179);
  });
});
