// The audit webhook with a real receiver on 127.0.0.1 that verifies every signature with the
// verifier docs/audit.md documents: (a) signatures; (b) the sink refusing connections, then
// answering 503, then back: every record arrives, and at its bound the backlog holds admissions.
// In each case the record ids received equal the decisions the operator logged, cross-checked
// against the Jobs, statuses and Events in the cluster.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  expectNothingLost,
  stopOutboxWatchesAfterAll,
  waitForDelivery,
  watchOutbox,
} from '../support/audit-check.ts';
import {
  createSigningKey,
  metricValue,
  outboxBatches,
  startAuditedOperator,
} from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { documentedVerifier } from '../support/audit-verifier.ts';
import { eventsFor } from '../support/events.ts';
import { kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('audit');
stopOperatorsAfterAll();
closeReceiversAfterAll();
stopOutboxWatchesAfterAll();
let key = '';
beforeAll(async () => {
  key = await createSigningKey(namespace());
});

function manifests(suite: string, runs: number, cap: number): string {
  return [
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: `${suite}-provider` },
      spec: {
        provider: 'openai-compatible',
        endpoint: 'http://healthy.kwok.invalid',
        maxConcurrentRuns: cap,
      },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: suite, annotations: { 'bench.dev/source-revision': 'main@sha1:0123abcd' } },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
        },
        targets: [{ name: 't', providerRef: `${suite}-provider`, model: 'm' }],
        benchmarks: Array.from({ length: runs }, (_, i) => ({ name: `b${i}` })),
      },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

describe('audit webhook', () => {
  it('signs every record; the documented verifier rejects a tampered body or an old timestamp', async () => {
    const ns = namespace();
    const receiver = await AuditReceiver.start(key);
    const { stored } = await watchOutbox(ns);
    const operator = startAuditedOperator(ns, receiver.url, { identity: `audit-sign-${ns}` });
    await kubectlApply(manifests('signed', 3, 2), { namespace: ns });
    await waitForSuite(ns, 'signed', (s) => s.phase === 'Succeeded', 90_000);
    await waitForDelivery(ns, receiver, stored);
    await expectNothingLost({
      name: 'signatures',
      namespace: ns,
      suites: ['signed'],
      receiver,
      stored,
      logFiles: [operator.logFile],
    });
    expect(new Set(receiver.records.map((r) => r.type))).toEqual(
      new Set([
        'dev.bench.round.started',
        'dev.bench.run.admitted',
        'dev.bench.run.deferred',
        'dev.bench.run.succeeded',
        'dev.bench.round.completed',
      ]),
    );

    const verify = await documentedVerifier();
    const { body, signature } = receiver.records[0]!;
    const t = Number(/t=(\d+)/.exec(signature!)![1]);
    expect(() => verify(body, signature, key, { now: t * 1000 })).not.toThrow();
    expect(() => verify(body.replace('"specversion":"1.0"', '"specversion":"1.0" '), signature, key)).toThrow(
      /does not match/,
    );
    expect(() => verify(body, signature, key, { now: (t + 301) * 1000 })).toThrow(/replay window/);
    expect(() => verify(body, signature, 'not the key', { now: t * 1000 })).toThrow(/does not match/);
    // The receiver answers a request signed with another key 401 and keeps nothing of it.
    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'x-bench-signature': signature!.replace(/v1=\w{4}/, 'v1=0000') },
      body,
    });
    expect(forged.status).toBe(401);
    expect(receiver.forged).toBe(1);
    expect(await operator.stop()).toBe(0);
  });

  it('delivers every record after the sink refused connections and then answered 503; at its bound the backlog holds admissions back', async () => {
    const ns = namespace();
    const receiver = await AuditReceiver.start(key, 'refusing');
    const { stored } = await watchOutbox(ns);
    const identity = `audit-down-${ns}`;
    const operator = startAuditedOperator(ns, receiver.url, {
      identity,
      extraArgs: ['--audit-max-backlog=6'],
    });
    await kubectlApply(manifests('patient', 6, 2), { namespace: ns });

    // The sink refuses: the records stay in the outbox, and at the bound no run is admitted.
    const held = await waitForSuite(
      ns,
      'patient',
      (s) => s.runs?.some((r) => r.reason === 'AuditBacklogFull') ?? false,
      60_000,
    );
    expect(held.runs?.find((r) => r.reason === 'AuditBacklogFull')?.message).toContain(
      'audit backlog is at its bound',
    );
    expect((await outboxBatches(ns)).length).toBeGreaterThan(0);
    expect(await metricValue(operator, 'bench_audit_backlog')).toBeGreaterThanOrEqual(6);
    expect(await metricValue(operator, 'bench_audit_deliveries_total{result="error"}')).toBeGreaterThan(0);
    await waitFor('an AuditBacklogFull Event on the operator', async () => {
      const events = await eventsFor('Pod', identity, ns);
      return {
        done: events.some((e) => e.reason === 'AuditBacklogFull' && e.type === 'Warning'),
        seen: events,
      };
    });

    // It answers 503 for a while, then is back.
    await receiver.setMode('failing');
    await waitFor('the sink to have answered 503 three times', () => ({
      done: receiver.failed >= 3,
      seen: receiver.failed,
    }));
    await receiver.setMode('up');
    const done = await waitForSuite(ns, 'patient', (s) => s.phase === 'Succeeded', 120_000);
    expect(done.summary?.succeeded).toBe(6);
    await waitForDelivery(ns, receiver, stored);
    await expectNothingLost({
      name: 'sink down',
      namespace: ns,
      suites: ['patient'],
      receiver,
      stored,
      logFiles: [operator.logFile],
    });
    expect(await metricValue(operator, 'bench_audit_backlog')).toBe(0);
    expect(
      await metricValue(operator, 'bench_audit_deliveries_total{result="rejected"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await metricValue(operator, 'bench_audit_deliveries_total{result="success"}'),
    ).toBeGreaterThanOrEqual(receiver.records.length);
  });

  it('keeps the operator from starting with a broken audit configuration, saying what is wrong', async () => {
    const ns = namespace();
    const operator = startOperator({
      namespaces: [ns],
      identity: `audit-broken-${ns}`,
      extraArgs: [
        '--audit-webhook-url=http://127.0.0.1:9/audit',
        '--audit-signing-key-secret=no-such-secret',
      ],
    });
    const code = await waitFor('the operator to exit', () => ({
      done: operator.child.exitCode !== null,
      value: operator.child.exitCode,
      seen: 'still running',
    }));
    expect(code).toBe(1);
    expect(readFileSync(operator.logFile, 'utf8')).toContain(
      `reading the audit signing key Secret ${ns}/no-such-secret`,
    );
  });
});
