import { randomBytes } from 'node:crypto';
import { kubectl, kubectlGetJson } from './kubectl.ts';
import { startOperator, type OperatorOptions, type OperatorProcess } from './operator.ts';

/** The Secret (key `key`) the audited operators of a test namespace read their signing key from. */
export const SIGNING_SECRET = 'audit-signing-key';

/** A fresh random signing key, stored in the namespace's signing key Secret. */
export async function createSigningKey(namespace: string): Promise<string> {
  const key = randomBytes(32).toString('hex');
  await kubectl(['create', 'secret', 'generic', SIGNING_SECRET, `--from-literal=key=${key}`], { namespace });
  return key;
}

/**
 * The operator with auditing on, its outbox in the test namespace (its leader-election namespace)
 * and its signing key from the namespace's Secret.
 */
export function startAuditedOperator(
  namespace: string,
  webhookURL: string,
  options: Partial<OperatorOptions> = {},
): OperatorProcess {
  return startOperator({
    namespaces: [namespace],
    ...options,
    extraArgs: [
      `--audit-webhook-url=${webhookURL}`,
      `--audit-signing-key-secret=${SIGNING_SECRET}`,
      ...(options.extraArgs ?? []),
    ],
  });
}

/** The audit outbox's ConfigMaps (batches not yet fully acknowledged). */
export async function outboxBatches(namespace: string): Promise<string[]> {
  const list = await kubectlGetJson<{ items: Array<{ metadata: { name: string } }> }>(
    ['configmaps', '-l', 'bench.dev/audit-outbox=true'],
    { namespace },
  );
  return list.items.map((item) => item.metadata.name);
}

/** An outbox ConfigMap as `kubectl get -o json` shows it. */
export interface OutboxObject {
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** The audit outbox's ConfigMaps, in name order (the operator's: in sequence order). */
export async function outboxObjects(namespace: string): Promise<OutboxObject[]> {
  const list = await kubectlGetJson<{ items: OutboxObject[] }>(
    ['configmaps', '-l', 'bench.dev/audit-outbox=true'],
    { namespace },
  );
  return list.items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** The record ids an outbox ConfigMap holds. */
export function recordIds(batch: OutboxObject): string[] {
  return (batch.data?.['records.jsonl'] ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

/** One sample of a metric from the operator's /metrics (labels as `{a="b"}`), or undefined. */
export async function metricValue(operator: OperatorProcess, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${await operator.metricsPort()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
