// The types module: the TypeScript types of the served kinds. json-schema-to-typescript writes the
// kinds and their named sub-types from the JSON Schemas (it does that well: descriptions as doc
// comments, enums as unions, required as non-optional); ts-morph adds the import, the list types
// and the aliases the operator names.
import { compile } from 'json-schema-to-typescript';
import {
  StructureKind,
  type InterfaceDeclarationStructure,
  type TypeAliasDeclarationStructure,
} from 'ts-morph';
import { toTypeSchema, type Crd, type Schema } from './crd-schema.ts';
import { blankLine, quoted, type Statement } from './module.ts';
import { SHARED_DESCRIPTIONS, TYPE_NAMES } from './type-names.ts';

/** The name of the union of every kind, which json-schema-to-typescript declares first. */
const UNION_TYPE = 'BenchDevObject';

/** The list type of a kind, as the API server returns a list. */
function listInterface(apiVersion: string, crd: Crd): InterfaceDeclarationStructure {
  const { kind, listKind } = crd.spec.names;
  return {
    kind: StructureKind.Interface,
    isExported: true,
    name: listKind,
    docs: [`A list of ${kind} objects, as the API server returns it.`],
    properties: [
      { name: 'apiVersion', type: quoted(apiVersion) },
      { name: 'kind', type: quoted(listKind) },
      { name: 'metadata', type: 'V1ListMeta' },
      { name: 'items', type: `${kind}[]` },
    ],
  };
}

const alias = (name: string, doc: string, type: string): TypeAliasDeclarationStructure => ({
  kind: StructureKind.TypeAlias,
  isExported: true,
  name,
  docs: [doc],
  type,
});

/** Names the operator uses for parts of the generated types. */
const ALIASES = [
  alias('RunStatusEntry', "One entry of a BenchmarkSuite's status.runs.", 'RunStatus'),
  alias('RunState', 'The state of a run (one benchmark × one target).', "RunStatus['state']"),
  alias('ConditionStatus', "A condition's status.", "Condition['status']"),
  alias('ProviderType', 'The provider API of a ProviderPolicy.', "ProviderPolicySpec['provider']"),
  alias(
    'CircuitState',
    'The circuit breaker state of a ProviderPolicy.',
    "NonNullable<CircuitStatus['state']>",
  ),
  alias('SuitePhase', 'The phase of a BenchmarkSuite.', "NonNullable<BenchmarkSuiteStatus['phase']>"),
];

/** The declarations json-schema-to-typescript writes for the kinds and their named sub-types. */
async function compiledTypes(apiVersion: string, validation: Record<string, Schema>): Promise<string> {
  const typeSchema = toTypeSchema(validation, {
    names: TYPE_NAMES,
    sharedDescriptions: SHARED_DESCRIPTIONS,
    metadataType: 'V1ObjectMeta',
    apiVersion,
  });
  const body = await compile(typeSchema, UNION_TYPE, {
    bannerComment: '',
    additionalProperties: false,
    unreachableDefinitions: true,
    declareExternallyReferenced: true,
    // Plain arrays: a CRD's maxItems is a validation limit, not a tuple type.
    maxItems: -1,
    format: false,
  });
  // json-schema-to-typescript notes where a definition came from; that says nothing useful here.
  return body.replace(
    new RegExp(
      `\\n \\*\\n \\* This interface was referenced by \`${UNION_TYPE}\`'s JSON-Schema\\n \\* via the \`definition\` "[A-Za-z]+"\\.`,
      'g',
    ),
    '',
  );
}

export async function typesModule(
  group: string,
  version: string,
  validation: Record<string, Schema>,
  served: Array<{ crd: Crd }>,
): Promise<Statement[]> {
  const apiVersion = `${group}/${version}`;
  return [
    `// The TypeScript types of the ${apiVersion} kinds. apiVersion, kind, metadata and spec are
// required here because the API server always returns them (it defaults spec where the CRD does).`,
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namedImports: ['V1ListMeta', 'V1ObjectMeta'],
      moduleSpecifier: '@kubernetes/client-node',
    },
    blankLine,
    // Declarations as text: json-schema-to-typescript prints them itself.
    await compiledTypes(apiVersion, validation),
    ...served.map(({ crd }) => listInterface(apiVersion, crd)),
    ...ALIASES,
  ];
}
