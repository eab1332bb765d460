// Produces the generated files of operator/src/api/ from the CRDs under crds/. Pure apart from
// reading crds/: returns path → content, so that `main.ts` can write them or compare them (--check).
// Each module is built as ts-morph statements (see module.ts), printed, then formatted by prettier
// with the repository's configuration.
import { format, resolveConfig } from 'prettier';
import path from 'node:path';
import { loadCrds, toValidationSchema } from './crd-schema.ts';
import { packageIndexModule, versionIndexModule } from './index-modules.ts';
import { printModule, type Statement } from './module.ts';
import { resourcesModule } from './resources-module.ts';
import { schemasModule } from './schemas-module.ts';
import { typesModule } from './types-module.ts';

export const OUTPUT_DIR = 'operator/src/api';

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
  const emit = async (file: string, statements: Statement[]) => {
    files.set(file, await format(printModule(statements), { ...prettierConfig, parser: 'typescript' }));
  };

  for (const version of [...versions].sort()) {
    const dir = `${OUTPUT_DIR}/${version}`;
    const served = crds.flatMap(({ file, crd }) => {
      const v = crd.spec.versions.find((x) => x.name === version);
      return v ? [{ file, crd, schema: v.schema.openAPIV3Schema }] : [];
    });
    const validation = Object.fromEntries(
      served.map(({ crd, schema }) => [crd.spec.names.kind, toValidationSchema(schema)]),
    );
    await emit(`${dir}/schemas.ts`, schemasModule(group, version, validation));
    await emit(`${dir}/types.ts`, await typesModule(group, version, validation, served));
    await emit(`${dir}/resources.ts`, resourcesModule(group, version, served));
    await emit(`${dir}/index.ts`, versionIndexModule());
  }
  // The package entry point re-exports the newest version (the storage version of v1alpha1 today).
  const latest = [...versions].sort().at(-1)!;
  await emit(`${OUTPUT_DIR}/index.ts`, packageIndexModule(latest));
  return { group, version: latest, files };
}
