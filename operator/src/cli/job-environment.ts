// The environment and arguments a Job's runner container starts with, resolved on the user's machine
// the way the kubelet resolves them in the cluster: values from ConfigMaps among the manifests,
// the API key from the user's own environment (benchctl never reads Secrets), Kubernetes' own
// JOB_COMPLETION_INDEX for Indexed Jobs, and $(VAR) references expanded.
import type { V1ConfigMap, V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import { findingError } from './errors.ts';
import type { Manifest } from './manifests.ts';

/** The variable the runner contract passes the provider's key in. */
export const API_KEY_VARIABLE = 'BENCH_API_KEY';

export interface LocalEnvironmentInput {
  job: V1Job;
  /** Manifests to find the ConfigMaps the container's env refers to. */
  manifests: Manifest[];
  /** The provider's key, from the user's environment; undefined leaves BENCH_API_KEY unset. */
  apiKey: string | undefined;
  /** The pod's completion index, for Indexed Jobs (sharded benchmarks). */
  index: number;
  /** Variables set or replaced by the user (--env), after everything else. */
  overrides: Record<string, string>;
}

export interface LocalEnvironment {
  env: Record<string, string>;
  args: string[];
}

/**
 * The kubelet's $(VAR) expansion: a reference to a defined variable is replaced, any other is left
 * as written, and $$ is a literal $ (so $$(VAR) stays $(VAR)).
 */
export function expandReferences(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : (lookup(name!) ?? match),
  );
}

/** The ConfigMap of that name in the namespace among the manifests (one without a namespace is in any). */
export function findConfigMap(
  manifests: Manifest[],
  namespace: string,
  name: string,
): V1ConfigMap | undefined {
  return manifests.find(
    (m) =>
      m.object.kind === 'ConfigMap' &&
      m.object.apiVersion === 'v1' &&
      (m.object.metadata as { name?: string } | undefined)?.name === name &&
      ((m.object.metadata as { namespace?: string }).namespace ?? namespace) === namespace,
  )?.object;
}

/** The value of a variable from a reference, or undefined for an optional one that is not there. */
function resolve(variable: V1EnvVar, input: LocalEnvironmentInput, namespace: string): string | undefined {
  const from = variable.valueFrom!;
  if (from.secretKeyRef && variable.name === API_KEY_VARIABLE) return input.apiKey;
  if (from.configMapKeyRef) {
    const { name, key, optional } = from.configMapKeyRef;
    const value = findConfigMap(input.manifests, namespace, name ?? '')?.data?.[key];
    if (value !== undefined || optional) return value;
    throw findingError(
      `${variable.name} comes from key ${key} of ConfigMap ${name}, which is not among the manifests: ` +
        `give its file with --policies, or the value with --env ${variable.name}=...`,
    );
  }
  const source = from.secretKeyRef
    ? `Secret ${from.secretKeyRef.name} (key ${from.secretKeyRef.key}), which benchctl does not read`
    : 'the pod (fieldRef or resourceFieldRef), which does not exist locally';
  throw findingError(`${variable.name} comes from ${source}: give it with --env ${variable.name}[=value]`);
}

/** The runner container of a rendered Job, with the environment and arguments it would start with. */
export function localEnvironment(input: LocalEnvironmentInput): LocalEnvironment {
  const container: V1Container = input.job.spec!.template.spec!.containers[0]!;
  const namespace = input.job.metadata!.namespace!;
  const env: Record<string, string> = {};
  // Kubernetes sets it for Indexed Jobs, before the container's own variables.
  if (input.job.spec!.completionMode === 'Indexed') env.JOB_COMPLETION_INDEX = String(input.index);
  for (const variable of container.env ?? []) {
    if (variable.name in input.overrides) continue;
    // A value may refer to the variables before it; values from elsewhere are taken as they are.
    const value = variable.valueFrom
      ? resolve(variable, input, namespace)
      : expandReferences(variable.value ?? '', (name) => env[name]);
    if (value !== undefined) env[variable.name] = value;
  }
  Object.assign(env, input.overrides);
  const args = (container.args ?? []).map((arg) => expandReferences(arg, (name) => env[name]));
  return { env, args };
}
