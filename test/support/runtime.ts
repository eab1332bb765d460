import { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import { RestClient } from '../../operator/src/runtime/client/rest-client.ts';
import { kubeconfigPath } from './paths.ts';

/** The local cluster's kubeconfig, loaded as the operator would load it. */
export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

/** A runtime client against the local cluster, with its own metrics registry to count requests. */
export async function runtimeClient(): Promise<{ client: KubeClient; registry: Registry }> {
  const registry = new Registry();
  const rest = await RestClient.create(testKubeConfig(), { registry });
  return { client: new KubeClient(rest), registry };
}

/** Logs go to stderr only when BENCH_TEST_LOGS=1, so failing runs can be replayed with context. */
export function testLogger(): Logger {
  return pino({ level: process.env.BENCH_TEST_LOGS === '1' ? 'debug' : 'silent' }, pino.destination(2));
}

/** Sum of a counter's samples whose labels match, read from the registry. */
export async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => String(v.labels[key]) === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * The manager flags of a runtime fixture replica (test/e2e/fixtures) against the local cluster:
 * it watches `namespace` and campaigns for Lease `leaseName` there, probes and metrics on free ports.
 */
export function replicaArgs(namespace: string, leaseName: string, identity: string): string[] {
  return [
    '--kubeconfig',
    kubeconfigPath,
    '--namespaces',
    namespace,
    '--leader-election-namespace',
    namespace,
    '--leader-election-id',
    leaseName,
    '--identity',
    identity,
    '--health-probe-bind-address',
    '127.0.0.1:0',
    '--metrics-bind-address',
    '127.0.0.1:0',
  ];
}
