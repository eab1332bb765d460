// Converts the OpenAPI v3 schemas of the CRDs under crds/ into JSON Schemas: closed ones for ajv
// (the API server prunes or, with strict field validation, rejects unknown fields; a CRD may not say
// `additionalProperties: false`, so the conversion closes every object the CRD does not keep open),
// and titled, de-duplicated ones for json-schema-to-typescript.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Schema = { [key: string]: unknown };

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: Schema };
}

export interface Crd {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: CrdVersion[];
  };
}

/** A CRD file of crds/, with its path relative to the repository root. */
export interface CrdFile {
  file: string;
  crd: Crd;
}

/** Reads every CustomResourceDefinition in `dir` (*.yaml), sorted by kind for a stable output. */
export function loadCrds(root: string, dir = 'crds'): CrdFile[] {
  const out: CrdFile[] = [];
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
    const file = path.join(dir, name);
    for (const doc of parseAllDocuments(readFileSync(path.join(root, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const value = doc.toJS() as Partial<Crd> | null;
      if (value?.kind === 'CustomResourceDefinition') out.push({ file, crd: value as Crd });
    }
  }
  return out.sort((a, b) => a.crd.spec.names.kind.localeCompare(b.crd.spec.names.kind));
}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The JSON Schema ajv validates with, from a CRD's openAPIV3Schema:
 * - objects with `properties` get `additionalProperties: false`, unless the CRD keeps them open with
 *   `x-kubernetes-preserve-unknown-fields`; maps (an `additionalProperties` schema) stay maps;
 *   objects with neither are empty objects (the API server prunes all their fields), except
 *   `metadata` at the root, which the API server validates itself;
 * - `x-kubernetes-int-or-string` becomes `type: [integer, string]` (the pattern applies to strings
 *   only, as in the API server);
 * - everything else (formats among them: the validator registers int32 and int64) is kept.
 * The x-kubernetes-* keywords stay: the validator implements x-kubernetes-list-type itself.
 */
export function toValidationSchema(openapi: Schema): Schema {
  return convert(openapi, true);
}

function convert(node: Schema, isRoot: boolean): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [
          name,
          isRoot && name === 'metadata' ? { type: 'object' } : convert(child as Schema, false),
        ]),
      );
    } else if (key === 'items' && isObject(value)) {
      out.items = convert(value, false);
    } else if (key === 'additionalProperties' && isObject(value)) {
      out.additionalProperties = convert(value, false);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      if (node['x-kubernetes-int-or-string'] === true) continue;
      out[key] = value.map((v) => convert(v as Schema, false));
    } else if (key === 'not' && isObject(value)) {
      out.not = convert(value, false);
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  const open = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node.type === 'object' && !open && !('additionalProperties' in node)) {
    out.additionalProperties = false;
  }
  return out;
}

/** Where a named TypeScript type is declared: a dotted path of property names, `[]` for list items. */
export type TypeNames = Record<string, string>;

export interface TypeSchemaOptions {
  /** Kind → (path → type name); '' is the kind's root. */
  names: Record<string, TypeNames>;
  /** Descriptions for types declared in several places, which may describe each use differently. */
  sharedDescriptions?: Record<string, string>;
  /** The TypeScript type of the root's metadata. */
  metadataType: string;
  apiVersion: string;
}

/**
 * One JSON Schema whose `definitions` hold every kind and every named sub-type, for
 * json-schema-to-typescript. A sub-type named in several places (Condition, EnvVar,
 * ResourceRequirements, ...) becomes one definition, referenced by `$ref`; the places must agree on
 * its shape (descriptions aside), else this throws, so a diverging copy in a CRD cannot go unnoticed.
 */
export function toTypeSchema(kinds: Record<string, Schema>, options: TypeSchemaOptions): Schema {
  const definitions: Record<string, Schema> = {};
  const shapes = new Map<string, string>();
  const hoist = (name: string, node: Schema, where: string): Schema => {
    const { description, ...shape } = node;
    const key = JSON.stringify(shape);
    const seen = shapes.get(name);
    if (seen !== undefined && seen !== key) {
      throw new Error(
        `type ${name} is declared at ${where} with a shape that differs from its other declarations`,
      );
    }
    if (seen === undefined) {
      shapes.set(name, key);
      const shared = options.sharedDescriptions?.[name];
      definitions[name] = {
        ...shape,
        title: name,
        ...((shared ?? description) ? { description: shared ?? description } : {}),
      };
    }
    return { $ref: `#/definitions/${name}` };
  };

  const walk = (node: Schema, at: string, kind: string): Schema => {
    const names = options.names[kind] ?? {};
    const out: Schema = { ...node };
    if (isObject(node.properties)) {
      out.properties = Object.fromEntries(
        Object.entries(node.properties).map(([name, child]) => [
          name,
          walk(child as Schema, at === '' ? name : `${at}.${name}`, kind),
        ]),
      );
    }
    if (isObject(node.items)) out.items = walk(node.items, `${at}[]`, kind);
    if (isObject(node.additionalProperties))
      out.additionalProperties = walk(node.additionalProperties, `${at}{}`, kind);
    const name = names[at];
    return name !== undefined && at !== '' ? hoist(name, out, `${kind}.${at}`) : out;
  };

  for (const [kind, schema] of Object.entries(kinds)) {
    const root = walk(schema, '', kind);
    const properties = { ...(root.properties as Record<string, Schema>) };
    properties.apiVersion = { ...properties.apiVersion, tsType: `'${options.apiVersion}'` };
    properties.kind = { ...properties.kind, tsType: `'${kind}'` };
    properties.metadata = { tsType: options.metadataType };
    const required = new Set([
      ...((root.required as string[] | undefined) ?? []),
      'apiVersion',
      'kind',
      'metadata',
      'spec',
    ]);
    definitions[kind] = {
      ...root,
      title: options.names[kind]?.[''] ?? kind,
      properties,
      required: [...required],
    };
  }
  return {
    title: 'BenchDevObject',
    description: `Any object of the ${options.apiVersion} API.`,
    anyOf: Object.keys(kinds).map((kind) => ({ $ref: `#/definitions/${kind}` })),
    definitions,
  };
}
