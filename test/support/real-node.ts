/**
 * The real node of the local cluster (hack/testenv/node: kubelet, kube-proxy and containerd running
 * real containers), and what a test needs to run pods on it: its placement, the images built by
 * `make images`, and provider stand-ins its pods can reach.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  startOpenAICompatibleFake,
  type OpenAIFakeOptions,
} from '../../runner/test/fakes/openai-compatible.ts';
import type { FakeProvider } from '../../runner/test/fakes/core.ts';
import { kubectl } from './kubectl.ts';
import { repoRoot } from './paths.ts';
import { startS3Server, type S3Server } from './s3.ts';

function networkSetting(name: string): string {
  const file = path.join(repoRoot, 'hack/testenv/network.sh');
  const match = new RegExp(`^${name}=(\\S+)`, 'm').exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file} sets no ${name}`);
  return match[1]!;
}

export const REAL_NODE = networkSetting('REAL_NODE_NAME');
export const BRIDGE = networkSetting('REAL_NODE_BRIDGE');
/** The node's bridge address: where pods reach the API server's advertised address and stand-ins. */
export const BRIDGE_ADDRESS = networkSetting('REAL_NODE_GATEWAY');
export const KUBERNETES_SERVICE_IP = networkSetting('KUBERNETES_SERVICE_IP');

export const RUNNER_IMAGE = 'ghcr.io/bench-operator/bench-runner:0.1.0';
export const OPERATOR_IMAGE = 'ghcr.io/bench-operator/bench-operator:0.1.0';
/** The node's sandbox image, built from hack/testenv/node/pause: a container that only waits. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** Tolerates the real node's taint and selects it: a SchedulePolicy's `placement`. */
export const realNodePlacement = {
  nodeSelector: { 'bench.dev/node-pool': 'real' },
  tolerations: [{ key: 'bench.dev/real-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
};

/**
 * A SchedulePolicy that puts runs on the real node, with small requests and a memory limit: the
 * node has two CPUs, shared with the rest of the e2e run.
 */
export function realNodeSchedulePolicy(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name },
    spec: {
      placement: realNodePlacement,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      ...extra,
    },
  };
}

/** A ProviderPolicy of a bridge stand-in, its key in the Secret `stand-in-credentials` (key apiKey). */
export function standInProviderPolicy(
  name: string,
  standIn: FakeProvider,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name },
    spec: {
      provider: 'openai-compatible',
      endpoint: `${standIn.url}/v1`,
      credentialsSecretRef: { name: 'stand-in-credentials' },
      // The stand-in listens over plain http on the node's bridge.
      allowPlainHTTP: true,
      ...extra,
    },
  };
}

/** The Secret `stand-in-credentials` standInProviderPolicy's policies take their key from. */
export async function createStandInCredentials(namespace: string, apiKey: string): Promise<void> {
  await kubectl(['create', 'secret', 'generic', 'stand-in-credentials', `--from-literal=apiKey=${apiKey}`], {
    namespace,
  });
}

/**
 * An artifact store (versitygw) on the bridge address, where the node's runners reach it: its
 * credentials as the Secret `bench-artifacts` in `namespace`, and the operator's flags for it.
 */
export async function startBridgeArtifactStore(
  namespace: string,
): Promise<{ store: S3Server; operatorArgs: string[] }> {
  const store = await startS3Server({ host: BRIDGE_ADDRESS });
  await kubectl(
    [
      'create',
      'secret',
      'generic',
      'bench-artifacts',
      `--from-literal=AWS_ACCESS_KEY_ID=${store.accessKeyId}`,
      `--from-literal=AWS_SECRET_ACCESS_KEY=${store.secretAccessKey}`,
    ],
    { namespace },
  );
  return {
    store,
    operatorArgs: [
      `--artifacts-s3-endpoint=${store.endpoint}`,
      `--artifacts-s3-bucket=${store.bucket}`,
      `--artifacts-s3-region=${store.region}`,
      '--artifacts-secret=bench-artifacts',
    ],
  };
}

/** An OpenAI-compatible stand-in listening on the bridge address, so the node's pods reach it. */
export function startBridgeStandIn(options: OpenAIFakeOptions = {}): Promise<FakeProvider> {
  return startOpenAICompatibleFake({ ...options, host: BRIDGE_ADDRESS });
}

/** The images `make images` built (a prerequisite of test-e2e; warm, this only reads its cache). */
export function imageArchives(): string[] {
  const lines = execFileSync(path.join(repoRoot, 'hack/images/build.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return lines
    .split('\n')
    .filter((line) => /^bench-(operator|runner)=/.test(line))
    .map((line) => line.slice(line.indexOf('=') + 1));
}

/** Where dist/install.yaml puts the operator. */
export const OPERATOR_NAMESPACE = 'bench-operator-system';
export const OPERATOR_DEPLOYMENT = 'bench-operator-controller-manager';

/**
 * A kustomization over dist/install.yaml with what the local cluster needs and nothing else: the
 * Deployment placed on the real node and watching `watchNamespace` only (other tests and
 * benchmarks run operators of their own). Returns its folder, for `kubectl kustomize`.
 */
export function realNodeInstallKustomization(watchNamespace: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'install-'));
  copyFileSync(path.join(repoRoot, 'dist/install.yaml'), path.join(dir, 'install.yaml'));
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: OPERATOR_DEPLOYMENT, namespace: OPERATOR_NAMESPACE },
    spec: {
      template: {
        spec: {
          ...realNodePlacement,
          containers: [{ name: 'manager', env: [{ name: 'WATCH_NAMESPACES', value: watchNamespace }] }],
        },
      },
    },
  };
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    stringify({ resources: ['install.yaml'], patches: [{ patch: stringify(deployment) }] }),
  );
  return dir;
}
