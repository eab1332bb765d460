// The index modules: one per version re-exporting its types, resources and schemas, and the
// package entry point re-exporting a version.
import { StructureKind, type ExportDeclarationStructure } from 'ts-morph';

const reExport = (moduleSpecifier: string, namedExports?: string[]): ExportDeclarationStructure => ({
  kind: StructureKind.ExportDeclaration,
  moduleSpecifier,
  namedExports,
});

/** operator/src/api/<version>/index.ts */
export function versionIndexModule(): ExportDeclarationStructure[] {
  return [reExport('./types.ts'), reExport('./resources.ts'), reExport('./schemas.ts', ['schemas'])];
}

/** operator/src/api/index.ts: the package entry point re-exports `version`. */
export function packageIndexModule(version: string): ExportDeclarationStructure[] {
  return [reExport(`./${version}/index.ts`)];
}
