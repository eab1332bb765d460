// The schemas module: the closed JSON Schema of each served kind, for ajv.
import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import type { Schema } from './crd-schema.ts';
import { blankLine, type Statement } from './module.ts';

export function schemasModule(group: string, version: string, schemas: Record<string, Schema>): Statement[] {
  return [
    `// The JSON Schemas of the ${group}/${version} kinds, as the API server validates them structurally:
// objects are closed (additionalProperties: false) wherever the CRD does not keep them open. CEL rules
// (x-kubernetes-validations) are kept for reference; the API server evaluates them.`,
    blankLine,
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: 'JsonSchema',
      docs: ['A JSON Schema (draft-07 subset with the x-kubernetes-* extensions of CRDs).'],
      type: '{ readonly [keyword: string]: unknown }',
    },
    blankLine,
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [
        {
          name: 'schemas',
          // Written on one line, as prettier keeps an object type expanded only when its source is.
          // Only the first property is readonly, as in the output of the template-string generator
          // this replaced; making every property readonly is a visible change of operator/src/api.
          type: `{ readonly ${Object.keys(schemas)
            .map((kind) => `${kind}: JsonSchema`)
            .join('; ')} }`,
          // JSON is a valid expression with every string escaped; its line breaks after each `{` keep
          // prettier printing every schema object expanded, one keyword a line.
          initializer: JSON.stringify(schemas, null, 2),
        },
      ],
    },
  ];
}
