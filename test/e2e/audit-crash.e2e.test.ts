// The audit trail survives the operator being killed: SIGKILL in the middle of a busy round (four
// suites sharing a capped provider, a slow sink keeping a backlog in the outbox), then a new
// operator process. Every decision either process logged reaches the receiver; the cluster's Jobs,
// statuses and Events cross-check it.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  expectNothingLost,
  loggedDecisions,
  stopOutboxWatchesAfterAll,
  waitForDelivery,
  watchOutbox,
} from '../support/audit-check.ts';
import { createSigningKey, outboxBatches, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('audit-crash');
stopOperatorsAfterAll();
closeReceiversAfterAll();
stopOutboxWatchesAfterAll();

const SUITES = ['alpha', 'beta', 'gamma', 'delta'];

function manifests(): string {
  return [
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'shared' },
      spec: { provider: 'openai-compatible', endpoint: 'http://healthy.kwok.invalid', maxConcurrentRuns: 6 },
    },
    ...SUITES.map((name) => ({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name, annotations: { 'bench.dev/source-revision': `main@sha1:${name}` } },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
        },
        targets: [
          { name: 'left', providerRef: 'shared', model: 'ml' },
          { name: 'right', providerRef: 'shared', model: 'mr' },
        ],
        benchmarks: Array.from({ length: 5 }, (_, i) => ({ name: `b${i}` })),
      },
    })),
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

async function jobCount(ns: string): Promise<number> {
  const jobs = await kubectlGetJson<{ items: unknown[] }>(
    ['jobs', '-l', 'app.kubernetes.io/managed-by=bench-operator'],
    {
      namespace: ns,
    },
  );
  return jobs.items.length;
}

describe('audit trail across a crash', () => {
  it('loses no record when the operator is killed with SIGKILL in the middle of a busy round', async () => {
    const ns = namespace();
    const key = await createSigningKey(ns);
    const receiver = await AuditReceiver.start(key);
    receiver.delayMs = 100;
    const { stored } = await watchOutbox(ns);
    const first = startAuditedOperator(ns, receiver.url, { identity: `audit-crash-1-${ns}` });
    await kubectlApply(manifests(), { namespace: ns });

    const atKill = await waitFor(
      'the first operator to be busy: Jobs running and records waiting in the outbox',
      async () => {
        const [jobs, batches] = await Promise.all([jobCount(ns), outboxBatches(ns)]);
        return {
          done: jobs >= 6 && batches.length > 0,
          value: { jobs, batches: batches.length },
          seen: { jobs, batches },
        };
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await first.kill();
    const pendingAtKill = (await outboxBatches(ns)).length;
    const receivedAtKill = receiver.ids().size;

    const second = startAuditedOperator(ns, receiver.url, { identity: `audit-crash-2-${ns}` });
    for (const suite of SUITES) {
      const done = await waitForSuite(ns, suite, (s) => s.phase === 'Succeeded', 180_000);
      expect(done.summary?.succeeded).toBe(10);
      expect(done.sourceRevision).toBe(`main@sha1:${suite}`);
    }
    await waitForDelivery(ns, receiver, stored);
    const logged = [first, second].map((o) => loggedDecisions([o.logFile]).size);
    console.info(
      `[audit crash] at the kill: ${atKill.jobs} Jobs, ${pendingAtKill} outbox batches pending, ${receivedAtKill} records received; decisions logged by the killed operator: ${logged[0]}, by its successor: ${logged[1]}`,
    );
    expect(pendingAtKill, 'records were pending in the outbox when the operator died').toBeGreaterThan(0);
    await expectNothingLost({
      name: 'crash',
      namespace: ns,
      suites: SUITES,
      receiver,
      stored,
      logFiles: [first.logFile, second.logFile],
      killed: true,
    });
    // Per suite, in order: its round started before any of its runs was admitted, and every run
    // was admitted before it finished.
    for (const suite of SUITES) {
      const order = receiver.records
        .filter((r) => r.subject.endsWith(`/benchmarksuites/${suite}`))
        .map((r) => r.id.split('/').slice(1).join('/'));
      const position = (suffix: string) => order.findIndex((id) => id.endsWith(suffix));
      expect(position('RoundStarted')).toBe(0);
      for (const run of ['b0-left', 'b4-right'])
        expect(position(`${run}/a1/RunAdmitted`)).toBeLessThan(position(`${run}/a1/RunSucceeded`));
    }
  });
});
