// config/rbac is sufficient and least privilege: the operator runs with nothing but its own
// ServiceAccount's token (bound to the ClusterRole and leader-election Role exactly as
// config/default renders them) and takes a suite to Succeeded, with the audit trail on; the
// ServiceAccount can read no Secret but the audit signing key and the GitHub credentials, each by
// name, in its own namespace. Any 403 in the operator's log fails the test with that line. The
// opt-in config/rbac/gitops grants reading Kustomizations and Applications, and nothing else.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ensureGitOpsCrd } from '../support/gitops-objects.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/wait.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';

/** Where config/default puts the operator, and the ServiceAccount it runs as there. */
const systemNamespace = 'bench-operator-system';
const serviceAccount = 'bench-operator-controller-manager';
const subject = `system:serviceaccount:${systemNamespace}:${serviceAccount}`;
const rbacKinds = new Set([
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
]);

interface SuiteStatus {
  phase?: string;
  runs?: Array<{ name: string; state: string; reason?: string; message?: string }>;
}

interface RenderedObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template: { spec: { serviceAccountName?: string } } };
}

interface JobList {
  items: Array<{
    metadata: { name: string; labels?: Record<string, string> };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

const namespace = useNamespace('rbac');
stopOperatorsAfterAll();
closeReceiversAfterAll();
/** The audit signing key Secret config/rbac lets the operator read. */
const auditSecret = 'bench-operator-audit-signing-key';

let tokenKubeconfig = '';
let leaseName = '';

/**
 * The RBAC objects (and the namespace) of `kubectl kustomize config/default`: the names a real
 * install creates. Applied server-side, so reruns and parallel runs converge on the same objects;
 * the CRDs are already installed by the global setup and the Deployment is not wanted here.
 */
async function applyRbac(): Promise<string[]> {
  const rendered = await render(path.join(repoRoot, 'config/default'));
  // The Deployment runs as this ServiceAccount, in this namespace: what the token stands for.
  const deployment = rendered.find((o) => o?.kind === 'Deployment');
  expect(deployment?.metadata).toMatchObject({
    name: 'bench-operator-controller-manager',
    namespace: systemNamespace,
  });
  expect(deployment?.spec?.template.spec.serviceAccountName).toBe(serviceAccount);
  const objects = rendered.filter((o): o is RenderedObject => o !== null && rbacKinds.has(o.kind));
  await kubectl(['apply', '--server-side', '--field-manager=rbac-e2e', '-f', '-'], {
    input: objects.map((o) => stringify(o)).join('---\n'),
  });
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

async function render(kustomization: string): Promise<Array<RenderedObject | null>> {
  const { stdout } = await kubectl(['kustomize', kustomization]);
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as RenderedObject | null);
}

/**
 * config/rbac/gitops as config/default renders it once uncommented there: a kustomization with
 * config/default's namespace and name prefix over it and config/rbac, whose ServiceAccount its
 * binding names.
 */
async function renderGitOpsRbac(dir: string): Promise<RenderedObject[]> {
  const defaults = parse(readFileSync(path.join(repoRoot, 'config/default/kustomization.yaml'), 'utf8')) as {
    namespace: string;
    namePrefix: string;
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    stringify({
      namespace: defaults.namespace,
      namePrefix: defaults.namePrefix,
      resources: ['config/rbac', 'config/rbac/gitops'].map((p) => path.relative(dir, path.join(repoRoot, p))),
    }),
  );
  return (await render(dir)).filter(
    (o): o is RenderedObject => o !== null && o.metadata.name.includes('gitops-revisions'),
  );
}

/** A kubeconfig holding only a token of the ServiceAccount, against the local cluster's server and CA. */
async function writeTokenKubeconfig(file: string): Promise<void> {
  const admin = JSON.parse(
    (await kubectl(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'])).stdout,
  ) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  const cluster = admin.clusters[0]!.cluster;
  const token = (
    await kubectl(['create', 'token', serviceAccount, '-n', systemNamespace, '--duration=1h'])
  ).stdout.trim();
  expect(token.split('.')).toHaveLength(3);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'local',
        cluster: {
          server: cluster.server,
          'certificate-authority-data': cluster['certificate-authority-data'],
        },
      },
    ],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: serviceAccount } }],
    'current-context': 'operator',
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Lines of the operator's log that say the API server refused it. */
function forbiddenLines(operator: OperatorProcess): string[] {
  let log: string;
  try {
    log = readFileSync(operator.logFile, 'utf8');
  } catch {
    return [];
  }
  return log.split('\n').filter((line) => /\b403\b|forbidden/i.test(line));
}

/** A JSON log line as "msg: error message" (the stack and Status are noise here). */
function summarize(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? ''}: ${entry.err?.message ?? line}`;
  } catch {
    return line.slice(0, 500);
  }
}

function failOnForbidden(operator: OperatorProcess): void {
  const lines = forbiddenLines(operator);
  if (lines.length > 0) {
    throw new Error(
      `config/rbac is insufficient: the operator (${subject}) was refused by the API server:\n` +
        lines.slice(0, 5).map(summarize).join('\n'),
    );
  }
}

/** `kubectl auth can-i` with the given credentials: "yes" or "no". */
async function canI(args: string[], kubeconfig?: string): Promise<string> {
  const result = await kubectl(['auth', 'can-i', ...args], {
    allowFailure: true,
    ...(kubeconfig ? { kubeconfig } : {}),
  });
  return result.stdout.trim();
}

beforeAll(async () => {
  const applied = await applyRbac();
  expect(applied).toEqual(
    expect.arrayContaining([
      `ServiceAccount/${serviceAccount}`,
      'ClusterRole/bench-operator-manager-role',
      'ClusterRoleBinding/bench-operator-manager-rolebinding',
      'Role/bench-operator-leader-election-role',
      'RoleBinding/bench-operator-leader-election-rolebinding',
      'Role/bench-operator-audit-role',
      'RoleBinding/bench-operator-audit-rolebinding',
    ]),
  );
  tokenKubeconfig = path.join(repoRoot, '.cache/test-logs', `${namespace()}.kubeconfig`);
  await writeTokenKubeconfig(tokenKubeconfig);
  leaseName = `bench-operator-leader-${namespace()}`;
});

afterAll(async () => {
  if (leaseName) {
    await kubectl(['delete', 'lease', leaseName, '-n', systemNamespace, '--ignore-not-found'], {
      allowFailure: true,
    });
  }
});

describe('config/rbac', () => {
  it('grants no access to Secrets but the audit signing key and GitHub credentials, and nothing beyond what the operator does', async () => {
    const ns = namespace();
    const token = { kubeconfig: tokenKubeconfig };
    const checks: Array<[args: string[], options: { kubeconfig?: string }, expected: 'yes' | 'no']> = [
      // No Secrets, as seen by an administrator impersonating the ServiceAccount...
      ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map(
        (verb) => [[verb, 'secrets', '-A', `--as=${subject}`], {}, 'no'] as [string[], object, 'no'],
      ),
      // ...and by the token itself.
      [['get', 'secrets', '-n', ns], token, 'no'],
      [['list', 'secrets', '-n', systemNamespace], token, 'no'],
      // What it needs.
      [['create', 'jobs.batch', '-n', ns], token, 'yes'],
      [['patch', 'jobs.batch', '-n', ns], token, 'yes'],
      [['delete', 'jobs.batch', '-n', ns], token, 'yes'],
      [['watch', 'benchmarksuites.bench.dev', '-A'], token, 'yes'],
      [['update', 'benchmarksuites.bench.dev', '--subresource=status', '-n', ns], token, 'yes'],
      [['create', 'events.events.k8s.io', '-n', ns], token, 'yes'],
      [['update', 'leases.coordination.k8s.io', '-n', systemNamespace], token, 'yes'],
      // The audit outbox and its signing key, in its own namespace only; that one Secret by name.
      [['create', 'configmaps', '-n', systemNamespace], token, 'yes'],
      [['delete', 'configmaps', '-n', systemNamespace], token, 'yes'],
      [['get', 'secret/bench-operator-audit-signing-key', '-n', systemNamespace], token, 'yes'],
      // The GitHub credentials of commit statuses: that one Secret by name, get only.
      [['get', 'secret/bench-operator-github', '-n', systemNamespace], token, 'yes'],
      [['get', 'secret/bench-operator-github', '-n', ns], token, 'no'],
      [['get', 'secret/another-secret', '-n', systemNamespace], token, 'no'],
      [['create', 'configmaps', '-n', ns], token, 'no'],
      // What it must not do: users own the spec, the Job controller owns pods, leases only in its
      // own namespace, no privilege escalation.
      [['update', 'benchmarksuites.bench.dev', '-n', ns], token, 'no'],
      [['delete', 'providerpolicies.bench.dev', '-n', ns], token, 'no'],
      [['create', 'pods', '-n', ns], token, 'no'],
      [['delete', 'pods', '-n', ns], token, 'no'],
      [['create', 'leases.coordination.k8s.io', '-n', ns], token, 'no'],
      [['create', 'rolebindings.rbac.authorization.k8s.io', '-n', ns], token, 'no'],
      [['impersonate', 'serviceaccounts', '-A'], token, 'no'],
    ];
    const answers = await Promise.all(checks.map(([args, options]) => canI(args, options.kubeconfig)));
    const asked = (i: number) => `can-i ${checks[i]![0].join(' ')}`;
    expect(Object.fromEntries(answers.map((answer, i) => [asked(i), answer]))).toEqual(
      Object.fromEntries(checks.map((check, i) => [asked(i), check[2]])),
    );
  });

  it('is enough for the operator to elect itself leader, run a suite to Succeeded and deliver its audit records', async () => {
    const ns = namespace();
    await kubectlApply(
      stringify({
        apiVersion: 'bench.dev/v1alpha1',
        kind: 'ProviderPolicy',
        metadata: { name: 'openai' },
        spec: {
          provider: 'openai',
          credentialsSecretRef: { name: 'openai-credentials' },
          maxConcurrentRuns: 2,
        },
      }),
      { namespace: ns },
    );
    await kubectlApply(
      stringify({
        apiVersion: 'bench.dev/v1alpha1',
        kind: 'BenchmarkSuite',
        metadata: { name: 'least-privilege' },
        spec: {
          runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
          targets: [
            { name: 'gpt4o', providerRef: 'openai', model: 'gpt-4o' },
            { name: 'mini', providerRef: 'openai', model: 'gpt-4o-mini' },
          ],
          benchmarks: [{ name: 'mmlu' }],
        },
      }),
      { namespace: ns },
    );

    // With the audit trail on: its outbox and the one Secret it may read, in its own namespace.
    const signingKey = randomBytes(32).toString('hex');
    await kubectl(['apply', '-f', '-'], {
      input: stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: auditSecret, namespace: systemNamespace },
        stringData: { key: signingKey },
      }),
    });
    const receiver = await AuditReceiver.start(signingKey);

    const operator = startOperator({
      namespaces: [ns],
      kubeconfig: tokenKubeconfig,
      leaderElection: true,
      leaseNamespace: systemNamespace,
      identity: `rbac-${ns}`,
      extraArgs: [
        // A lease of its own, so parallel runs of this file do not wait for each other.
        `--leader-election-id=${leaseName}`,
        `--audit-webhook-url=${receiver.url}`,
        `--audit-signing-key-secret=${auditSecret}`,
      ],
    });

    // Leader through the Role in its own namespace. A refusal ends each wait at once.
    await waitFor(
      `Lease ${systemNamespace}/${leaseName} held by ${operator.identity}, or a 403 in the operator log`,
      async () => {
        if (forbiddenLines(operator).length > 0) return { done: true, seen: 'refused' };
        const lease = await kubectlGetJson<{ spec?: { holderIdentity?: string } }>([
          'lease',
          leaseName,
          '-n',
          systemNamespace,
        ]);
        return { done: lease.spec?.holderIdentity === operator.identity, seen: lease.spec };
      },
      { timeoutMs: 30_000 },
    );
    failOnForbidden(operator);

    // The suite runs to the end.
    await waitFor(
      `BenchmarkSuite ${ns}/least-privilege to reach phase Succeeded, or a 403 in the operator log`,
      async () => {
        if (forbiddenLines(operator).length > 0) return { done: true, seen: 'refused' };
        const suite = await kubectlGetJson<{ status?: SuiteStatus }>(['benchmarksuite', 'least-privilege'], {
          namespace: ns,
        });
        const { runs, ...summary } = suite.status ?? {};
        return {
          done: suite.status?.phase === 'Succeeded',
          seen: {
            ...summary,
            runs: runs?.map((r) => `${r.name}: ${r.state} ${r.reason ?? ''} ${r.message ?? ''}`),
          },
        };
      },
      { timeoutMs: 90_000 },
    );
    failOnForbidden(operator);

    const jobs = await kubectlGetJson<JobList>(['jobs', '-l', 'bench.dev/suite=least-privilege'], {
      namespace: ns,
    });
    expect(jobs.items.map((j) => j.metadata.labels?.['bench.dev/provider'])).toEqual(['openai', 'openai']);
    for (const job of jobs.items) {
      expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    }

    // Its Events were written too (events.k8s.io create/patch), as the ServiceAccount.
    const events = await kubectlGetJson<{ items: Array<{ reportingController?: string }> }>(
      ['events.v1.events.k8s.io'],
      { namespace: ns },
    );
    expect(events.items.length).toBeGreaterThan(0);

    // Its audit records went through the outbox (ConfigMaps created, watched, deleted) to the webhook.
    await waitFor('the records of the round to reach the audit webhook, or a 403 in the operator log', () => {
      if (forbiddenLines(operator).length > 0) return { done: true, seen: 'refused' };
      const types = receiver.records.map((r) => r.type);
      return { done: types.includes('dev.bench.round.completed'), seen: types };
    });
    failOnForbidden(operator);
    expect(receiver.records.filter((r) => r.type === 'dev.bench.run.succeeded')).toHaveLength(2);

    // A graceful stop releases the lease (update) without a refusal.
    expect(await operator.stop()).toBe(0);
    failOnForbidden(operator);
  });

  it('config/rbac/gitops (opt-in) lets the operator read Kustomizations and Applications, and nothing more', async () => {
    await Promise.all([
      ensureGitOpsCrd('kustomizations.kustomize.toolkit.fluxcd.io'),
      ensureGitOpsCrd('applications.argoproj.io'),
    ]);
    const token = tokenKubeconfig;
    const reads = ['get', 'list', 'watch'].flatMap((verb) => [
      [verb, 'kustomizations.kustomize.toolkit.fluxcd.io', '-A'],
      [verb, 'applications.argoproj.io', '-A'],
    ]);
    const beyond = [
      ['update', 'kustomizations.kustomize.toolkit.fluxcd.io', '-A'],
      ['patch', 'applications.argoproj.io', '-A'],
      ['get', 'secrets', '-A'],
    ];
    const answers = (checks: string[][]) =>
      Promise.all(checks.map(async (args) => [args.join(' '), await canI(args, token)]));
    // config/default alone grants none of it.
    expect(Object.fromEntries(await answers(reads))).toEqual(
      Object.fromEntries(reads.map((args) => [args.join(' '), 'no'])),
    );
    const objects = await renderGitOpsRbac(
      path.join(repoRoot, '.cache/test-logs', `${namespace()}-gitops-rbac`),
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ClusterRole/bench-operator-gitops-revisions-role',
      'ClusterRoleBinding/bench-operator-gitops-revisions-rolebinding',
    ]);
    const input = objects.map((o) => stringify(o)).join('---\n');
    await kubectl(['apply', '--server-side', '--field-manager=rbac-e2e', '-f', '-'], { input });
    try {
      await waitFor('the ServiceAccount to be allowed to list Kustomizations', async () => {
        const answer = await canI(['list', 'kustomizations.kustomize.toolkit.fluxcd.io', '-A'], token);
        return { done: answer === 'yes', seen: answer };
      });
      expect(Object.fromEntries(await answers([...reads, ...beyond]))).toEqual({
        ...Object.fromEntries(reads.map((args) => [args.join(' '), 'yes'])),
        ...Object.fromEntries(beyond.map((args) => [args.join(' '), 'no'])),
      });
    } finally {
      // Cluster-wide: removed, so config/default's own grants are what the other tests see.
      await kubectl(['delete', '--ignore-not-found', '-f', '-'], { input });
    }
  });
});
