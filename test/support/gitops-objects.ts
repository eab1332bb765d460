// Flux Kustomizations and Argo CD Applications as the GitOps tools leave them: created and given
// a status with kubectl, as their controllers would write it.
import path from 'node:path';
import { stringify } from 'yaml';
import { kubectl } from './kubectl.ts';
import { repoRoot } from './paths.ts';

const CRDS = {
  'kustomizations.kustomize.toolkit.fluxcd.io': 'test/fixtures/gitops/kustomization-crd.yaml',
  'applications.argoproj.io': 'test/fixtures/gitops/application-crd.yaml',
} as const;

/**
 * The CRD, installed from the test fixture unless a CRD of that name is there already (the real
 * one, installed by the Flux loop test, is used as it is).
 */
export async function ensureGitOpsCrd(name: keyof typeof CRDS): Promise<void> {
  const present = await kubectl(['get', 'crd', name], { allowFailure: true });
  if (present.code !== 0) {
    const created = await kubectl(['create', '-f', path.join(repoRoot, CRDS[name])], { allowFailure: true });
    if (created.code !== 0 && !/AlreadyExists/.test(created.stderr))
      throw new Error(`creating CRD ${name}: ${created.stderr}`);
  }
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${name}`]);
}

/** The real Kustomization CRD requires every condition's lastTransitionTime, as Flux always writes it. */
function withTransitionTimes(status: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(status.conditions)) return status;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    ...status,
    conditions: (status.conditions as Array<Record<string, unknown>>).map((c) => ({
      lastTransitionTime: now,
      ...c,
    })),
  };
}

/** Creates (or updates) the object, then writes its status through the status subresource. */
export async function applyWithStatus(
  object: { apiVersion: string; kind: string; metadata: { name: string }; spec?: unknown },
  status: Record<string, unknown>,
  namespace: string,
): Promise<void> {
  await kubectl(['apply', '-f', '-'], { namespace, input: stringify({ spec: {}, ...object }) });
  const resource =
    object.kind === 'Kustomization'
      ? 'kustomizations.kustomize.toolkit.fluxcd.io'
      : 'applications.argoproj.io';
  await kubectl(
    [
      'patch',
      resource,
      object.metadata.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: withTransitionTimes(status) }),
    ],
    { namespace },
  );
}

/** With the fields the real CRD requires (no Flux controller watches the tests' namespaces but the loop test's own). */
export function kustomization(name: string) {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name } },
  };
}

export function application(name: string) {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name } };
}
