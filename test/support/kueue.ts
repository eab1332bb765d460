// Kueue, for real: its manager (built from the Go module proxy by hack/testenv/build-kueue.sh)
// runs as a local process against the local cluster, as the control plane and Flux run here, with
// its own CRDs. Kueue's manifests reach its webhook server through a Service and let it make its
// own certificate; here the certificate is the test's (openssl, test/support/tls.ts), the server
// listens on a free port of 127.0.0.1 (the API server runs on this machine), and the webhook
// configurations point at it by url with the test's CA as caBundle. The Job webhooks only see the
// test's namespaces, so Jobs of other tests are never sent to it.
//
// Two test files may each start one at the same time: the managers elect a leader (as Kueue's
// replicas do), so one of them admits workloads cluster-wide; whichever stops hands over at once
// (Kueue releases its lease on shutdown).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { kubectl, kubectlApply } from './kubectl.ts';
import { kubeconfigPath, repoRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { makeTestCertificates } from './tls.ts';
import { waitFor } from './wait.ts';

export const KUEUE_GROUP = 'kueue.x-k8s.io';
/** The label that puts a Job in a LocalQueue. */
export const QUEUE_NAME_LABEL = `${KUEUE_GROUP}/queue-name`;

/** Kueue's own namespace (its leader-election Lease lives there); Kueue leaves Jobs in it alone. */
const KUEUE_NAMESPACE = 'kueue-system';
/** The lease every test's manager competes for. */
const LEASE_NAME = 'kueue-e2e';

export interface KueueManager {
  /** Where its log goes: .cache/test-logs/kueue-<id>.log. */
  logFile: string;
  /**
   * A ResourceFlavor, a ClusterQueue admitting only `namespace`'s workloads with `quota` (by
   * resource name: `pods`, `cpu`, ...) and a LocalQueue `name` in `namespace` pointing at it.
   */
  queue(namespace: string, name: string, quota: Record<string, string | number>): Promise<void>;
  /**
   * Stops the manager (SIGTERM, SIGKILL after 10 s), removes its webhook configurations, and the
   * queues it made and the Workloads of its namespaces with Kueue's finalizers, which no Kueue would
   * remove any more, so that the namespaces can go.
   */
  stop(): Promise<void>;
}

/** Where hack/testenv/build-kueue.sh puts bin/, crds/ and webhook/, as hack/testenv/kueue/versions.sh says. */
const kueueCache = execFileSync(
  'bash',
  ['-c', 'source hack/testenv/kueue/versions.sh && echo "$KUEUE_CACHE"'],
  {
    cwd: repoRoot,
    encoding: 'utf8',
  },
).trim();

/** The build, complete; a test does not build it (minutes of compiling): make test-e2e does first. */
function kueueFolder(): string {
  if (!existsSync(path.join(kueueCache, '.complete')))
    throw new Error(`Kueue is not built in ${kueueCache}: run make testenv-kueue (make test-e2e does)`);
  return kueueCache;
}

/**
 * Installs the CRDs of the built release by server-side apply. They are the bases, without the
 * conversion webhook Kueue's kustomization adds: everything here reads and writes the storage
 * version (v1beta2), which needs no conversion.
 */
export async function installKueueCrds(): Promise<string> {
  const folder = kueueFolder();
  const crds = path.join(folder, 'crds');
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  return folder;
}

interface WebhookRule {
  apiGroups: string[];
}

interface Webhook {
  name: string;
  clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
  rules: WebhookRule[];
  namespaceSelector?: unknown;
  [field: string]: unknown;
}

interface WebhookConfiguration {
  apiVersion: string;
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  metadata: { name: string };
  webhooks: Webhook[];
}

/** What the tests run through Kueue: its own objects and batch Jobs (the one integration enabled). */
const SERVED_GROUPS = new Set([KUEUE_GROUP, 'batch']);

/**
 * Kueue's webhook configurations (config/components/webhook/manifests.yaml of the release), for the
 * manager on `port`: each webhook's Service path becomes a URL on 127.0.0.1 trusted through `ca`;
 * only the webhooks of Kueue's objects and of Jobs are kept (the disabled integrations' are left
 * out), and the Job webhooks see only `namespaces`.
 */
export function kueueWebhookConfigurations(
  manifests: string,
  options: { name: string; port: number; ca: string; namespaces: string[] },
): WebhookConfiguration[] {
  const caBundle = Buffer.from(options.ca).toString('base64');
  return parseAllDocuments(manifests)
    .map((document) => document.toJS() as WebhookConfiguration)
    .map((configuration) => ({
      ...configuration,
      metadata: {
        name: `${options.name}-${configuration.kind === 'MutatingWebhookConfiguration' ? 'm' : 'v'}`,
      },
      webhooks: configuration.webhooks
        .filter((webhook) => webhook.rules.every((rule) => rule.apiGroups.every((g) => SERVED_GROUPS.has(g))))
        .map((webhook) => ({
          ...webhook,
          clientConfig: {
            url: `https://127.0.0.1:${options.port}${webhook.clientConfig.service?.path ?? ''}`,
            caBundle,
          },
          ...(webhook.rules.some((rule) => rule.apiGroups.includes('batch'))
            ? {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'kubernetes.io/metadata.name', operator: 'In', values: options.namespaces },
                  ],
                },
              }
            : {}),
        })),
    }));
}

/**
 * Kueue's configuration for a test: the batch/job integration alone, Jobs without a queue name
 * left alone, no certificate management of its own (the test's certificate is in `certDir`), every
 * server on 127.0.0.1, and leader election among the tests' managers.
 */
function kueueConfiguration(ports: { webhook: number; health: number }, certDir: string): string {
  return stringify({
    apiVersion: 'config.kueue.x-k8s.io/v1beta2',
    kind: 'Configuration',
    namespace: KUEUE_NAMESPACE,
    health: { healthProbeBindAddress: `127.0.0.1:${ports.health}` },
    // "0" turns the metrics server off: nothing here scrapes it.
    metrics: { bindAddress: '0' },
    webhook: { host: '127.0.0.1', port: ports.webhook, certDir },
    leaderElection: { leaderElect: true, resourceName: LEASE_NAME, resourceNamespace: KUEUE_NAMESPACE },
    internalCertManagement: { enable: false },
    manageJobsWithoutQueueName: false,
    integrations: { frameworks: ['batch/job'] },
  });
}

/**
 * With its own certificate management off, Kueue's manager loads a metrics certificate from this
 * fixed path at start, even with the metrics server off, and exits when there is none. Any pair
 * will do (nothing is served with it): one test's is written once and reused by every other.
 */
const METRICS_CERT_DIR = '/etc/kueue/metrics/certs';

function ensureMetricsCertificate(certificates: { cert: string; key: string }): void {
  if (existsSync(path.join(METRICS_CERT_DIR, 'tls.key'))) return;
  mkdirSync(METRICS_CERT_DIR, { recursive: true });
  writeFileSync(path.join(METRICS_CERT_DIR, 'tls.crt'), certificates.cert);
  writeFileSync(path.join(METRICS_CERT_DIR, 'tls.key'), certificates.key, { mode: 0o600 });
}

/**
 * Starts Kueue's manager with its CRDs and webhooks, for Jobs of `namespaces`. `logLevel` is its
 * --zap-log-level: 3 by default, for the tests' logs; a benchmark gives the one Kueue's manifests
 * ship (2), since logging costs CPU.
 */
export async function startKueue(namespaces: string[], { logLevel = 3 } = {}): Promise<KueueManager> {
  const folder = await installKueueCrds();
  await kubectl(['create', 'namespace', KUEUE_NAMESPACE], { allowFailure: true });
  const id = `${namespaces[0]}-${randomBytes(3).toString('hex')}`;
  const logDir = path.join(repoRoot, '.cache/test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `kueue-${id}.log`);
  const work = await mkdtemp(path.join(tmpdir(), 'bench-kueue-'));
  const certificates = makeTestCertificates();
  // controller-runtime's webhook server reads tls.crt and tls.key from its certDir.
  writeFileSync(path.join(work, 'tls.crt'), certificates.cert);
  writeFileSync(path.join(work, 'tls.key'), certificates.key);
  ensureMetricsCertificate(certificates);
  const [webhookPort, healthPort] = await Promise.all([freePort(), freePort()]);
  const configFile = path.join(work, 'config.yaml');
  writeFileSync(configFile, kueueConfiguration({ webhook: webhookPort, health: healthPort }, work));

  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(
    path.join(folder, 'bin', 'kueue'),
    // The visibility API server would be one more server (an aggregated API) nothing here reads.
    [`--config=${configFile}`, '--feature-gates=VisibilityOnDemand=false', `--zap-log-level=${logLevel}`],
    { env: { ...process.env, KUBECONFIG: kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let tail = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));

  const configurations = kueueWebhookConfigurations(
    readFileSync(path.join(folder, 'webhook/manifests.yaml'), 'utf8'),
    {
      name: `kueue-${id}`,
      port: webhookPort,
      ca: certificates.ca,
      namespaces,
    },
  );
  const made: Array<{ kind: string; name: string }> = [];

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    for (const configuration of configurations) {
      await kubectl(
        ['delete', configuration.kind.toLowerCase(), configuration.metadata.name, '--ignore-not-found'],
        {
          allowFailure: true,
        },
      );
    }
    for (const namespace of namespaces) await release([`workloads.${KUEUE_GROUP}`], namespace);
    for (const { kind, name } of [...made].reverse()) await release([kind, name]);
    await rm(work, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitFor(
        `Kueue to be ready on 127.0.0.1:${healthPort}/readyz`,
        async () => {
          const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
          return { done: response.ok, seen: `${response.status}; ${tail.slice(-1000)}` };
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      ),
      exited.then(() => {
        throw new Error(`Kueue exited ${child.exitCode ?? child.signalCode} before it was ready: ${tail}`);
      }),
    ]);
    await kubectlApply(configurations.map((c) => stringify(c)).join('---\n'));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    logFile,
    async queue(namespace, name, quota) {
      const flavor = `${namespace}-${name}`;
      const clusterQueue = `${namespace}-${name}`;
      made.push(
        { kind: `resourceflavors.${KUEUE_GROUP}`, name: flavor },
        { kind: `clusterqueues.${KUEUE_GROUP}`, name: clusterQueue },
      );
      const resources = Object.keys(quota);
      await kubectlApply(
        [
          { apiVersion: `${KUEUE_GROUP}/v1beta2`, kind: 'ResourceFlavor', metadata: { name: flavor } },
          {
            apiVersion: `${KUEUE_GROUP}/v1beta2`,
            kind: 'ClusterQueue',
            metadata: { name: clusterQueue },
            spec: {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
              resourceGroups: [
                {
                  coveredResources: resources,
                  flavors: [
                    {
                      name: flavor,
                      resources: resources.map((resource) => ({
                        name: resource,
                        nominalQuota: quota[resource],
                      })),
                    },
                  ],
                },
              ],
            },
          },
          {
            apiVersion: `${KUEUE_GROUP}/v1beta2`,
            kind: 'LocalQueue',
            metadata: { name, namespace },
            spec: { clusterQueue },
          },
        ]
          .map((object) => stringify(object))
          .join('---\n'),
      );
      await waitFor(`ClusterQueue ${clusterQueue} to be active`, async () => {
        const { stdout } = await kubectl([
          'get',
          `clusterqueues.${KUEUE_GROUP}`,
          clusterQueue,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Active")].status}',
        ]);
        return { done: stdout === 'True', seen: stdout || 'no Active condition' };
      });
    },
    stop,
  };
}

/** Deletes objects whose Kueue finalizers no running Kueue removes: the finalizers go first. */
async function release(selection: string[], namespace?: string): Promise<void> {
  const options = namespace ? { namespace, allowFailure: true } : { allowFailure: true };
  const { stdout } = await kubectl(['get', ...selection, '-o', 'name', '--ignore-not-found'], options);
  for (const name of stdout.split('\n').filter(Boolean)) {
    await kubectl(['patch', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], options);
    await kubectl(['delete', name, '--ignore-not-found', '--wait=false'], options);
  }
}
