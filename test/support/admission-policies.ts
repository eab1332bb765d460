// The admission policies of config/policies, bound for a test as an administrator would bind them:
// the sample bindings (config/policies/samples/bindings.yaml), each renamed after the namespace it
// restricts and selecting that namespace alone, whose limits are its limits.bench.dev/ annotations.
// Bindings are cluster-scoped and files run in parallel: each test names its own and deletes them
// afterwards.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { dryRun } from './dry-run.ts';
import { kubectl, kubectlApply, kubectlGetJson } from './kubectl.ts';
import { repoRoot } from './paths.ts';
import { waitFor } from './wait.ts';

export const policiesDir = path.join(repoRoot, 'config/policies');
export const policySamplesDir = path.join(policiesDir, 'samples');

/** The prefix of the namespace annotations that are the policies' parameters. */
export const LIMITS_PREFIX = 'limits.bench.dev/';

interface Binding {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { policyName: string; matchResources: { namespaceSelector: unknown } };
}

/** Installs (or re-applies, unchanged) the three policies: other test files may have done so already. */
export async function installPolicies(): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', '-k', policiesDir]);
}

/** The limits of the sample namespace, config/policies/samples/namespace.yaml, by parameter. */
export function sampleLimits(): Record<string, string> {
  const namespace = parse(readFileSync(path.join(policySamplesDir, 'namespace.yaml'), 'utf8')) as {
    metadata: { annotations: Record<string, string> };
  };
  return Object.fromEntries(
    Object.entries(namespace.metadata.annotations)
      .filter(([key]) => key.startsWith(LIMITS_PREFIX))
      .map(([key, value]) => [key.slice(LIMITS_PREFIX.length), value]),
  );
}

/** Gives `namespace` exactly these limits (parameter → value): the others it had are removed. */
export async function setLimits(namespace: string, limits: Record<string, string>): Promise<void> {
  const current = await kubectlGetJson<{ metadata: { annotations?: Record<string, string> } }>([
    'namespace',
    namespace,
  ]);
  const removed = Object.keys(current.metadata.annotations ?? {})
    .filter((key) => key.startsWith(LIMITS_PREFIX) && !(key.slice(LIMITS_PREFIX.length) in limits))
    .map((key) => `${key}-`);
  const set = Object.entries(limits).map(([parameter, value]) => `${LIMITS_PREFIX}${parameter}=${value}`);
  if (removed.length + set.length === 0) return;
  await kubectl(['annotate', '--overwrite', 'namespace', namespace, ...set, ...removed]);
}

/** Binds every sample binding's policy to `namespace` alone. Returns the bindings' names, for unbindPolicies. */
export async function bindPolicies(namespace: string): Promise<string[]> {
  const samples = parseAllDocuments(readFileSync(path.join(policySamplesDir, 'bindings.yaml'), 'utf8')).map(
    (doc) => doc.toJS() as Binding,
  );
  const bindings = samples.map((binding) => ({
    ...binding,
    metadata: { ...binding.metadata, name: `${binding.spec.policyName}-${namespace}` },
    spec: {
      ...binding.spec,
      matchResources: {
        ...binding.spec.matchResources,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      },
    },
  }));
  await kubectlApply(bindings.map((b) => stringify(b)).join('---\n'));
  return bindings.map((b) => b.metadata.name);
}

export async function unbindPolicies(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await kubectl(['delete', 'validatingadmissionpolicybinding', ...names, '--ignore-not-found'], {
    allowFailure: true,
  });
}

/**
 * Waits until the API server refuses `yaml` in `namespace` (server-side dry run) with a message
 * containing `message`: a new binding, or a namespace's new limits, take a moment to be in force.
 */
export async function waitUntilRefused(yaml: string, namespace: string, message: string): Promise<void> {
  await waitFor(
    `the API server to refuse the object with "${message}" in namespace ${namespace}`,
    async () => {
      const answer = await dryRun(yaml, namespace);
      return {
        done: answer.code !== 0 && answer.stderr.includes(message),
        seen: answer.stderr || answer.stdout,
      };
    },
    { timeoutMs: 30_000 },
  );
}

/** Waits until the API server admits `yaml` in `namespace` (server-side dry run). */
export async function waitUntilAdmitted(yaml: string, namespace: string): Promise<void> {
  await waitFor(
    `the API server to admit the object in namespace ${namespace}`,
    async () => {
      const answer = await dryRun(yaml, namespace);
      return { done: answer.code === 0, seen: answer.stderr || answer.stdout };
    },
    { timeoutMs: 30_000 },
  );
}
