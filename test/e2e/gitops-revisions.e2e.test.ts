// Revisions from the GitOps objects managing suites (docs/gitops.md): a suite applied by a Flux
// Kustomization (its labels) or an Argo CD Application (its tracking id) gets that object's
// revision in status.sourceRevision, on its Jobs, in its RoundStarted Event and audit record,
// exactly as with the bench.dev/source-revision annotation, which wins when present. The
// Kustomizations and Applications are made with kubectl, their status written as the GitOps
// controllers write it. A kind the API server does not serve is found out by the probe.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSigningKey, startAuditedOperator } from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { eventsFor } from '../support/events.ts';
import { application, applyWithStatus, ensureGitOpsCrd, kustomization } from '../support/gitops-objects.ts';
import { kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { waitForSuite, type JobList, applyHealthyProvider } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('gitrev');
stopOperatorsAfterAll();
closeReceiversAfterAll();

const sha = (digit: string) => digit.repeat(40);
const FLUX_APPLIED = `main@sha1:${sha('a')}`;
const FLUX_ATTEMPTED = `main@sha1:${sha('b')}`;
const ARGO_SYNCED = sha('c');
const ANNOTATED = `v1.2.0@sha1:${sha('d')}`;

let receiver: AuditReceiver;
let operator: OperatorProcess;

const ready = (revision: string) => ({
  lastAppliedRevision: revision,
  lastAttemptedRevision: revision,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: `Applied revision: ${revision}`,
    },
  ],
});

function suite(
  name: string,
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> },
) {
  return (model: string) =>
    stringify({
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name, ...metadata },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          resources: { requests: { cpu: '10m' } },
        },
        targets: [{ name: 't', providerRef: 'solo', model }],
        benchmarks: [{ name: 'mmlu' }],
      },
    });
}

const fluxLabels = (ns: string) => ({
  'kustomize.toolkit.fluxcd.io/name': 'benchmarks',
  'kustomize.toolkit.fluxcd.io/namespace': ns,
});

beforeAll(async () => {
  const ns = namespace();
  await Promise.all([
    ensureGitOpsCrd('kustomizations.kustomize.toolkit.fluxcd.io'),
    ensureGitOpsCrd('applications.argoproj.io'),
  ]);
  await applyWithStatus(kustomization('benchmarks'), ready(FLUX_APPLIED), ns);
  await applyWithStatus(application('benchmarks'), { sync: { status: 'Synced', revision: ARGO_SYNCED } }, ns);
  await applyHealthyProvider(ns, 4);
  receiver = await AuditReceiver.start(await createSigningKey(ns));
  // The test namespace plays Flux's and Argo CD's namespaces.
  operator = startAuditedOperator(ns, receiver.url, {
    identity: `gitrev-${ns}`,
    extraArgs: [
      '--gitops-revision-sources=flux,argocd',
      `--gitops-flux-namespaces=${ns}`,
      `--gitops-argocd-namespaces=${ns}`,
    ],
  });
});

/** The round's revision everywhere the annotation's goes: status, Jobs, RoundStarted Event and audit record. */
async function expectRoundRevision(ns: string, name: string, round: number, revision: string): Promise<void> {
  const status = await waitForSuite(ns, name, (s) => s.round === round && s.phase === 'Succeeded', 90_000);
  expect(status.sourceRevision).toBe(revision);
  const jobs = await kubectlGetJson<JobList>(
    ['jobs', '-l', `bench.dev/suite=${name},bench.dev/round=${round}`],
    {
      namespace: ns,
    },
  );
  expect(jobs.items.length).toBeGreaterThan(0);
  for (const job of jobs.items)
    expect(job.metadata.annotations?.['bench.dev/source-revision']).toBe(revision);
  const started = (await eventsFor('BenchmarkSuite', name, ns)).filter((e) => e.reason === 'RoundStarted');
  expect(started.map((e) => e.note)).toContainEqual(expect.stringContaining(`round ${round} started`));
  expect(started.find((e) => e.note.includes(`round ${round} started`))?.note).toContain(
    `(revision ${revision})`,
  );
  const record = await waitFor(`the audit record of ${name} round ${round} starting`, () => {
    const found = receiver.records.find(
      (r) => r.type === 'dev.bench.round.started' && r.subject.endsWith(`/${name}`) && r.data.round === round,
    );
    return {
      done: found !== undefined,
      value: found,
      seen: receiver.records.map((r) => `${r.type} ${r.subject}`),
    };
  });
  expect(record?.data.revision).toBe(revision);
}

describe('revisions from the managing GitOps object', () => {
  it('come from the Flux Kustomization, and while it applies a new revision, from the attempted one', async () => {
    const ns = namespace();
    const flux = suite('flux-managed', { labels: fluxLabels(ns) });
    await kubectlApply(flux('m1'), { namespace: ns });
    await expectRoundRevision(ns, 'flux-managed', 1, FLUX_APPLIED);

    // kustomize-controller records the attempted revision before it applies the changed suite.
    await applyWithStatus(
      kustomization('benchmarks'),
      {
        lastAttemptedRevision: FLUX_ATTEMPTED,
        conditions: [
          { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'Building manifests' },
          { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' },
        ],
      },
      ns,
    );
    await waitFor('the Kustomization to show the attempted revision', async () => {
      const k = await kubectlGetJson<{ status?: { lastAttemptedRevision?: string } }>(
        ['kustomizations.kustomize.toolkit.fluxcd.io', 'benchmarks'],
        { namespace: ns },
      );
      return { done: k.status?.lastAttemptedRevision === FLUX_ATTEMPTED, seen: k.status };
    });
    await kubectlApply(flux('m2'), { namespace: ns });
    await expectRoundRevision(ns, 'flux-managed', 2, FLUX_ATTEMPTED);
  });

  it('come from the Argo CD Application of the tracking id', async () => {
    const ns = namespace();
    const argo = suite('argo-managed', {
      annotations: {
        'argocd.argoproj.io/tracking-id': `benchmarks:bench.dev/BenchmarkSuite:${ns}/argo-managed`,
      },
    });
    await kubectlApply(argo('m1'), { namespace: ns });
    await expectRoundRevision(ns, 'argo-managed', 1, ARGO_SYNCED);
  });

  it('give way to the bench.dev/source-revision annotation', async () => {
    const ns = namespace();
    const annotated = suite('annotated', {
      labels: fluxLabels(ns),
      annotations: { 'bench.dev/source-revision': ANNOTATED },
    });
    await kubectlApply(annotated('m1'), { namespace: ns });
    await expectRoundRevision(ns, 'annotated', 1, ANNOTATED);
  });

  it('are none for a suite whose managing object is not there', async () => {
    const ns = namespace();
    await kubectlApply(
      suite('orphan', {
        labels: { 'kustomize.toolkit.fluxcd.io/name': 'gone', 'kustomize.toolkit.fluxcd.io/namespace': ns },
      })('m1'),
      { namespace: ns },
    );
    const status = await waitForSuite(ns, 'orphan', (s) => s.phase === 'Succeeded', 90_000);
    expect(status.sourceRevision).toBeUndefined();
    expect(operator.child.exitCode).toBeNull();
  });
});
