// Produces the generated files of operator/src/api/ from the CRDs under crds/. Pure apart from
// reading crds/: returns path → content, so that `main.ts` can write them or compare them (--check).
import { compile } from 'json-schema-to-typescript';
import { format, resolveConfig } from 'prettier';
import path from 'node:path';
import { loadCrds, toTypeSchema, toValidationSchema, type CrdFile, type Schema } from './crd-schema.ts';

export const OUTPUT_DIR = 'operator/src/api';

/** Names of the generated TypeScript types, by kind and schema path (see TypeNames). */
export const TYPE_NAMES: Record<string, Record<string, string>> = {
  BenchmarkSuite: {
    '': 'BenchmarkSuite',
    spec: 'BenchmarkSuiteSpec',
    status: 'BenchmarkSuiteStatus',
    'spec.runner': 'Runner',
    'spec.runner.env[]': 'EnvVar',
    'spec.runner.env[].valueFrom': 'EnvVarSource',
    'spec.runner.resources': 'ResourceRequirements',
    'spec.targets[]': 'Target',
    'spec.benchmarks[]': 'Benchmark',
    'spec.benchmarks[].env[]': 'EnvVar',
    'spec.benchmarks[].env[].valueFrom': 'EnvVarSource',
    'spec.benchmarks[].resources': 'ResourceRequirements',
    'spec.retry': 'RetryPolicy',
    'spec.retry.backoff': 'Backoff',
    'status.conditions[]': 'Condition',
    'status.summary': 'RunSummary',
    'status.runs[]': 'RunStatus',
    'status.runs[].result': 'RunResult',
    'status.runs[].result.usage': 'TokenUsage',
  },
  ProviderPolicy: {
    '': 'ProviderPolicy',
    spec: 'ProviderPolicySpec',
    status: 'ProviderPolicyStatus',
    'spec.credentialsSecretRef': 'CredentialsSecretRef',
    'spec.rateLimit': 'RateLimit',
    'spec.cost': 'Cost',
    'spec.budget': 'Budget',
    'spec.circuitBreaker': 'CircuitBreaker',
    'spec.failover[]': 'Failover',
    'status.conditions[]': 'Condition',
    'status.circuit': 'CircuitStatus',
    'status.spend': 'Spend',
  },
  SchedulePolicy: {
    '': 'SchedulePolicy',
    spec: 'SchedulePolicySpec',
    status: 'SchedulePolicyStatus',
    'spec.windows[]': 'TimeWindow',
    'spec.placement': 'Placement',
    'spec.placement.affinity': 'Affinity',
    'spec.placement.affinity.nodeAffinity': 'NodeAffinity',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution': 'NodeSelector',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[]':
      'NodeSelectorTerm',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchExpressions[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchFields[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[]':
      'PreferredSchedulingTerm',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchExpressions[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchFields[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference':
      'NodeSelectorTerm',
    'spec.placement.affinity.podAffinity': 'PodAffinity',
    'spec.placement.affinity.podAntiAffinity': 'PodAntiAffinity',
    ...Object.fromEntries(
      ['podAffinity', 'podAntiAffinity'].flatMap((a) => [
        [`spec.placement.affinity.${a}.requiredDuringSchedulingIgnoredDuringExecution[]`, 'PodAffinityTerm'],
        [
          `spec.placement.affinity.${a}.preferredDuringSchedulingIgnoredDuringExecution[]`,
          'WeightedPodAffinityTerm',
        ],
        [
          `spec.placement.affinity.${a}.preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm`,
          'PodAffinityTerm',
        ],
        ...[
          'requiredDuringSchedulingIgnoredDuringExecution[]',
          'preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm',
        ].flatMap((term) => [
          [`spec.placement.affinity.${a}.${term}.labelSelector`, 'LabelSelector'],
          [`spec.placement.affinity.${a}.${term}.namespaceSelector`, 'LabelSelector'],
          [
            `spec.placement.affinity.${a}.${term}.labelSelector.matchExpressions[]`,
            'LabelSelectorRequirement',
          ],
          [
            `spec.placement.affinity.${a}.${term}.namespaceSelector.matchExpressions[]`,
            'LabelSelectorRequirement',
          ],
        ]),
      ]),
    ),
    'spec.placement.tolerations[]': 'Toleration',
    'spec.resources': 'ResourceRequirements',
    'spec.history': 'History',
    'status.conditions[]': 'Condition',
  },
};

/** Types declared in several places get one neutral description. */
const SHARED_DESCRIPTIONS: Record<string, string> = {
  Condition:
    'Condition contains details for one aspect of the current state of an object (metav1.Condition).',
  EnvVar: 'An environment variable of the run container (core/v1 EnvVar).',
  EnvVarSource: "Source for an environment variable's value (core/v1 EnvVarSource).",
  ResourceRequirements:
    'Compute resources of the run container (core/v1 ResourceRequirements); quantities are integers or strings such as "500m" or "4Gi".',
  NodeSelectorTerm: 'A node selector term: its requirements are ANDed (core/v1 NodeSelectorTerm).',
  PodAffinityTerm: 'A set of pods this pod should (not) be co-located with (core/v1 PodAffinityTerm).',
  WeightedPodAffinityTerm: 'A pod affinity term with a weight (core/v1 WeightedPodAffinityTerm).',
  NodeSelectorRequirement: 'A requirement on a node label or field (core/v1 NodeSelectorRequirement).',
  LabelSelector: 'A label query over a set of objects (metav1.LabelSelector).',
  LabelSelectorRequirement: 'A requirement on a label (metav1.LabelSelectorRequirement).',
};

const HEADER = `// Code generated by hack/generate from crds/*.yaml. DO NOT EDIT.
// Edit the CRDs under crds/ and run \`npm run generate\`; \`npm run generate:check\` fails when this is stale.
`;

export interface GeneratedApi {
  group: string;
  version: string;
  files: Map<string, string>;
}

export async function generate(root: string): Promise<GeneratedApi> {
  const crds = loadCrds(root);
  if (crds.length === 0)
    throw new Error(`no CustomResourceDefinition found under ${path.join(root, 'crds')}`);
  const groups = new Set(crds.map((c) => c.crd.spec.group));
  if (groups.size !== 1) throw new Error(`expected one API group, found ${[...groups].join(', ')}`);
  const group = crds[0]!.crd.spec.group;
  const versions = new Set(crds.flatMap((c) => c.crd.spec.versions.map((v) => v.name)));
  const files = new Map<string, string>();
  const prettierConfig = (await resolveConfig(path.join(root, 'package.json'))) ?? {};
  const pretty = (source: string) => format(source, { ...prettierConfig, parser: 'typescript' });

  for (const version of [...versions].sort()) {
    const dir = `${OUTPUT_DIR}/${version}`;
    const served = crds.flatMap(({ file, crd }) => {
      const v = crd.spec.versions.find((x) => x.name === version);
      return v ? [{ file, crd, schema: v.schema.openAPIV3Schema }] : [];
    });
    const validation = Object.fromEntries(
      served.map(({ crd, schema }) => [crd.spec.names.kind, toValidationSchema(schema)]),
    );
    files.set(`${dir}/schemas.ts`, await pretty(schemasModule(group, version, validation)));
    files.set(`${dir}/types.ts`, await typesModule(group, version, validation, served, pretty));
    files.set(`${dir}/resources.ts`, await pretty(resourcesModule(group, version, served)));
    files.set(
      `${dir}/index.ts`,
      await pretty(`${HEADER}
export * from './types.ts';
export * from './resources.ts';
export { schemas } from './schemas.ts';
`),
    );
  }
  // The package entry point re-exports the newest version (the storage version of v1alpha1 today).
  const latest = [...versions].sort().at(-1)!;
  files.set(
    `${OUTPUT_DIR}/index.ts`,
    await pretty(`${HEADER}
export * from './${latest}/index.ts';
`),
  );
  return { group, version: latest, files };
}

function schemasModule(group: string, version: string, schemas: Record<string, Schema>): string {
  return `${HEADER}
// The JSON Schemas of the ${group}/${version} kinds, as the API server validates them structurally:
// objects are closed (additionalProperties: false) wherever the CRD does not keep them open. CEL rules
// (x-kubernetes-validations) are kept for reference; the API server evaluates them.

/** A JSON Schema (draft-07 subset with the x-kubernetes-* extensions of CRDs). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export const schemas: { readonly ${Object.keys(schemas)
    .map((k) => `${k}: JsonSchema`)
    .join('; ')} } = ${JSON.stringify(schemas, null, 2)};
`;
}

async function typesModule(
  group: string,
  version: string,
  validation: Record<string, Schema>,
  served: Array<{ crd: CrdFile['crd'] }>,
  pretty: (s: string) => Promise<string>,
): Promise<string> {
  const typeSchema = toTypeSchema(validation, {
    names: TYPE_NAMES,
    sharedDescriptions: SHARED_DESCRIPTIONS,
    metadataType: 'V1ObjectMeta',
    apiVersion: `${group}/${version}`,
  });
  const body = await compile(typeSchema as never, 'BenchDevObject', {
    bannerComment: '',
    additionalProperties: false,
    unreachableDefinitions: true,
    declareExternallyReferenced: true,
    // Plain arrays: a CRD's maxItems is a validation limit, not a tuple type.
    maxItems: -1,
    format: false,
  });
  const lists = served
    .map(({ crd }) => {
      const { kind, listKind } = crd.spec.names;
      return `/** A list of ${kind} objects, as the API server returns it. */
export interface ${listKind} {
  apiVersion: '${group}/${version}';
  kind: '${listKind}';
  metadata: V1ListMeta;
  items: ${kind}[];
}`;
    })
    .join('\n\n');
  // json-schema-to-typescript notes where a definition came from; that says nothing useful here.
  const cleaned = body.replace(
    /\n \*\n \* This interface was referenced by `BenchDevObject`'s JSON-Schema\n \* via the `definition` "[A-Za-z]+"\./g,
    '',
  );
  return pretty(`${HEADER}
// The TypeScript types of the ${group}/${version} kinds. apiVersion, kind, metadata and spec are
// required here because the API server always returns them (it defaults spec where the CRD does).
import type { V1ListMeta, V1ObjectMeta } from '@kubernetes/client-node';

${cleaned}

${lists}

/** One entry of a BenchmarkSuite's status.runs. */
export type RunStatusEntry = RunStatus;
/** The state of a run (one benchmark × one target). */
export type RunState = RunStatus['state'];
/** A condition's status. */
export type ConditionStatus = Condition['status'];
/** The provider API of a ProviderPolicy. */
export type ProviderType = ProviderPolicySpec['provider'];
/** The circuit breaker state of a ProviderPolicy. */
export type CircuitState = NonNullable<CircuitStatus['state']>;
/** The phase of a BenchmarkSuite. */
export type SuitePhase = NonNullable<BenchmarkSuiteStatus['phase']>;
`);
}

function resourcesModule(group: string, version: string, served: Array<{ crd: CrdFile['crd'] }>): string {
  const entries = served.map(({ crd }) => {
    const n = crd.spec.names;
    return `  ${n.kind}: {
    group: '${group}',
    version: '${version}',
    apiVersion: '${group}/${version}',
    kind: '${n.kind}',
    listKind: '${n.listKind}',
    plural: '${n.plural}',
    singular: '${n.singular}',
    shortNames: ${JSON.stringify(n.shortNames ?? [])},
    categories: ${JSON.stringify(n.categories ?? [])},
    namespaced: ${crd.spec.scope === 'Namespaced'},
  },`;
  });
  return `${HEADER}
// Names of the ${group}/${version} resources, for API paths, informers and RBAC.

export const GROUP = '${group}';
export const VERSION = '${version}';
export const API_VERSION = '${group}/${version}';

export interface ResourceInfo {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
}

export const resources = {
${entries.join('\n')}
} as const satisfies Record<string, ResourceInfo>;

export type Kind = keyof typeof resources;
export const KINDS = Object.keys(resources) as Kind[];
`;
}
