// The resources module: the group, version and names of each served kind, for API paths,
// informers and RBAC.
import {
  StructureKind,
  VariableDeclarationKind,
  Writers,
  type VariableStatementStructure,
  type WriterFunction,
} from 'ts-morph';
import type { Crd } from './crd-schema.ts';
import { blankLine, quoted, type Statement } from './module.ts';

const exportedConst = (name: string, initializer: string | WriterFunction): VariableStatementStructure => ({
  kind: StructureKind.VariableStatement,
  isExported: true,
  declarationKind: VariableDeclarationKind.Const,
  declarations: [{ name, initializer }],
});

const stringArray =
  (items: readonly string[]): WriterFunction =>
  (writer) => {
    writer.write('[');
    items.forEach((item, i) => {
      if (i > 0) writer.write(', ');
      writer.quote(item);
    });
    writer.write(']');
  };

/** The ResourceInfo of one kind, as an object literal. */
function resourceInfo(group: string, version: string, crd: Crd): WriterFunction {
  const n = crd.spec.names;
  return Writers.object({
    group: quoted(group),
    version: quoted(version),
    apiVersion: quoted(`${group}/${version}`),
    kind: quoted(n.kind),
    listKind: quoted(n.listKind),
    plural: quoted(n.plural),
    singular: quoted(n.singular),
    shortNames: stringArray(n.shortNames ?? []),
    categories: stringArray(n.categories ?? []),
    namespaced: String(crd.spec.scope === 'Namespaced'),
  });
}

export function resourcesModule(group: string, version: string, served: Array<{ crd: Crd }>): Statement[] {
  const resources = Writers.object(
    Object.fromEntries(served.map(({ crd }) => [crd.spec.names.kind, resourceInfo(group, version, crd)])),
  );
  return [
    `// Names of the ${group}/${version} resources, for API paths, informers and RBAC.`,
    blankLine,
    exportedConst('GROUP', quoted(group)),
    exportedConst('VERSION', quoted(version)),
    exportedConst('API_VERSION', quoted(`${group}/${version}`)),
    {
      kind: StructureKind.Interface,
      isExported: true,
      name: 'ResourceInfo',
      properties: [
        ...['group', 'version', 'apiVersion', 'kind', 'listKind', 'plural', 'singular'].map((name) => ({
          name,
          type: 'string',
        })),
        { name: 'shortNames', type: 'readonly string[]' },
        { name: 'categories', type: 'readonly string[]' },
        { name: 'namespaced', type: 'boolean' },
      ],
    },
    // `as const` keeps each kind's names as literal types; `satisfies` checks them against ResourceInfo.
    exportedConst('resources', (writer) => {
      resources(writer);
      writer.write(' as const satisfies Record<string, ResourceInfo>');
    }),
    blankLine,
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: 'Kind',
      type: 'keyof typeof resources',
    },
    exportedConst('KINDS', 'Object.keys(resources) as Kind[]'),
  ];
}
