// No secret value reaches a log, Event, status or audit record: neither a provider's API key (the
// operator only references its Secret; the kubelet resolves it for the run) nor the audit signing
// key (the one Secret the operator reads). Checked with debug logging, a run whose credentials the
// provider rejects, and the audit trail on (configured by a ConfigMap, --audit-config).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loggedDecisions } from '../support/audit-check.ts';
import { createSigningKey, metricValue, outboxBatches, SIGNING_SECRET } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { kubectl, kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('secrets');
stopOperatorsAfterAll();
closeReceiversAfterAll();

function provider(name: string, endpoint: string) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name },
    spec: {
      provider: 'openai-compatible',
      endpoint,
      credentialsSecretRef: { name: 'provider-credentials', key: 'apiKey' },
      // The simulated provider's endpoints are plain http.
      allowPlainHTTP: true,
    },
  };
}

describe('secret values', () => {
  it('appear in no operator log, Event, status or audit record', async () => {
    const ns = namespace();
    const apiKey = `sk-${randomBytes(24).toString('hex')}`;
    await kubectl(
      ['create', 'secret', 'generic', 'provider-credentials', `--from-literal=apiKey=${apiKey}`],
      {
        namespace: ns,
      },
    );
    const signingKey = await createSigningKey(ns);
    const receiver = await AuditReceiver.start(signingKey);
    await kubectlApply(
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bench-audit' },
        data: { webhookURL: receiver.url, signingKeySecret: SIGNING_SECRET, timeout: '5s' },
      }),
      { namespace: ns },
    );
    const operator = startOperator({
      namespaces: [ns],
      identity: `audit-secrets-${ns}`,
      extraArgs: ['--log-level=debug', '--audit-config=bench-audit'],
    });
    await kubectlApply(
      [
        provider('accepting', 'http://healthy.kwok.invalid'),
        // The simulated provider rejects the credentials: exit 12, CredentialsRejected.
        provider('rejecting', 'http://bad-credentials.kwok.invalid'),
        {
          apiVersion: 'bench.dev/v1alpha1',
          kind: 'BenchmarkSuite',
          metadata: { name: 'keyed' },
          spec: {
            runner: {
              image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
              resources: { requests: { cpu: '10m' } },
            },
            targets: [
              { name: 'ok', providerRef: 'accepting', model: 'm' },
              { name: 'denied', providerRef: 'rejecting', model: 'm' },
            ],
            benchmarks: [{ name: 'b' }],
          },
        },
      ]
        .map((o) => stringify(o))
        .join('---\n'),
      { namespace: ns },
    );
    const done = await waitForSuite(ns, 'keyed', (s) => s.completionTime !== undefined, 90_000);
    expect(done.runs?.find((r) => r.name === 'b-denied')).toMatchObject({
      state: 'Failed',
      reason: 'CredentialsRejected',
    });
    await waitFor('every decision to reach the receiver', async () => {
      const missing = [...loggedDecisions([operator.logFile])].filter((id) => !receiver.ids().has(id));
      const batches = await outboxBatches(ns);
      // The delivery keeps the last delivered batch (docs/audit.md).
      return { done: missing.length === 0 && batches.length <= 1, seen: { missing, batches } };
    });
    const types = receiver.records.map((r) => r.type);
    expect(types).toContain('dev.bench.provider.credentialsrejected');
    expect(types).toContain('dev.bench.run.failed');

    const places: Record<string, string> = {
      'the operator log': readFileSync(operator.logFile, 'utf8'),
      'the Events': (await kubectl(['get', 'events.v1.events.k8s.io', '-o', 'json'], { namespace: ns }))
        .stdout,
      'the status of suites and policies': (
        await kubectl(['get', 'benchmarksuites,providerpolicies,schedulepolicies', '-o', 'json'], {
          namespace: ns,
        })
      ).stdout,
      'the audit records': receiver.records.map((r) => `${JSON.stringify(r.data)}\n${r.body}`).join('\n'),
      'the audit outbox': (await kubectl(['get', 'configmaps', '-o', 'json'], { namespace: ns })).stdout,
      'the metrics': await (await fetch(`http://127.0.0.1:${await operator.metricsPort()}/metrics`)).text(),
    };
    // Not vacuous: the places hold the story of the run and its rejected credentials.
    expect(places['the operator log']).toContain('CredentialsRejected');
    expect(places['the operator log']).toContain('"level":20');
    expect(places['the Events']).toContain('CredentialsRejected');
    expect(await metricValue(operator, 'bench_audit_deliveries_total{result="success"}')).toBeGreaterThan(0);
    const secrets = {
      'the provider API key': apiKey,
      'the provider API key (base64)': Buffer.from(apiKey).toString('base64'),
      'the audit signing key': signingKey,
      'the audit signing key (base64)': Buffer.from(signingKey).toString('base64'),
    };
    const leaks = Object.entries(places).flatMap(([place, text]) =>
      Object.entries(secrets).flatMap(([secret, value]) =>
        text.includes(value) ? [`${secret} in ${place}`] : [],
      ),
    );
    expect(leaks).toEqual([]);
  });
});
