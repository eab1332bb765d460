// The generator of operator/src/api/: closed schemas, precise types, and a committed output that is
// what the generator produces from crds/ today.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Project, SyntaxKind } from 'ts-morph';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadCrds,
  toTypeSchema,
  toValidationSchema,
  type Crd,
  type Schema,
} from '../../hack/generate/crd-schema.ts';
import { OUTPUT_DIR, generate, type GeneratedApi } from '../../hack/generate/generate.ts';
import { HEADER, printModule } from '../../hack/generate/module.ts';
import { resourcesModule } from '../../hack/generate/resources-module.ts';
import { TYPE_NAMES } from '../../hack/generate/type-names.ts';
import { repoRoot } from '../support/paths.ts';

/** Every schema node under `node`, with its path. */
function* nodes(node: unknown, at = ''): Generator<[string, Schema]> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const schema = node as Schema;
  yield [at, schema];
  for (const [name, child] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
    yield* nodes(child, at ? `${at}.${name}` : name);
  }
  if (schema.items) yield* nodes(schema.items, `${at}[]`);
  if (typeof schema.additionalProperties === 'object') yield* nodes(schema.additionalProperties, `${at}{}`);
}

describe('toValidationSchema', () => {
  it('closes objects, keeps maps and preserve-unknown-fields open, and types int-or-string', () => {
    const converted = toValidationSchema({
      type: 'object',
      properties: {
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            qty: {
              anyOf: [{ type: 'integer' }, { type: 'string' }],
              'x-kubernetes-int-or-string': true,
              pattern: '^x$',
            },
            list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
          },
        },
      },
    });
    const spec = (converted.properties as Record<string, Schema>).spec!;
    const props = spec.properties as Record<string, Schema>;
    expect(converted.additionalProperties).toBe(false);
    expect((converted.properties as Record<string, Schema>).metadata).toEqual({ type: 'object' });
    expect(spec.additionalProperties).toBe(false);
    expect(props.labels!.additionalProperties).toEqual({ type: 'string' });
    expect(props.raw!.additionalProperties).toBeUndefined();
    expect(props.qty).toMatchObject({ type: ['integer', 'string'], pattern: '^x$' });
    expect(props.qty!.anyOf).toBeUndefined();
    expect((props.list!.items as Schema).additionalProperties).toBe(false);
  });
});

describe('toTypeSchema', () => {
  it('refuses a named type declared with two different shapes', () => {
    const kind = (extra: Schema): Schema => ({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'object', properties: extra } } } },
    });
    const options = {
      names: { A: { 'spec.a': 'Shared' }, B: { 'spec.a': 'Shared' } },
      metadataType: 'V1ObjectMeta',
      apiVersion: 'x/v1',
    };
    expect(() =>
      toTypeSchema({ A: kind({ x: { type: 'string' } }), B: kind({ x: { type: 'integer' } }) }, options),
    ).toThrow(/type Shared is declared at B\.spec\.a with a shape that differs/);
    const same = toTypeSchema(
      {
        A: kind({ x: { type: 'string', description: 'one' } }),
        B: kind({ x: { type: 'string', description: 'one' } }),
      },
      options,
    );
    expect(Object.keys(same.definitions as object)).toEqual(['Shared', 'A', 'B']);
  });
});

/** Parses `text` as a TypeScript module, failing the test on any syntax error. */
function parse(text: string) {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('module.ts', text);
  const errors = project.getProgram().getSyntacticDiagnostics(file);
  expect(
    errors.map((d) => d.getMessageText()),
    `syntax errors in:\n${text}`,
  ).toEqual([]);
  return file;
}

describe('printModule (ts-morph)', () => {
  it('writes the generated-code header, then the statements', () => {
    expect(printModule(['// a comment'])).toBe(`${HEADER}\n// a comment\n`);
  });

  it('escapes string literals: names with quotes and backslashes survive as written', () => {
    const odd = `it's a "name" \\ with \n breaks`;
    const crd = {
      spec: {
        group: 'bench.dev',
        scope: 'Cluster',
        names: { kind: 'Odd', listKind: 'OddList', plural: odd, singular: 'odd', shortNames: [odd] },
        versions: [],
      },
    } as unknown as Crd;
    const file = parse(printModule(resourcesModule('bench.dev', 'v1', [{ crd }])));
    const written = file
      .getVariableDeclarationOrThrow('resources')
      .getDescendantsOfKind(SyntaxKind.PropertyAssignment)
      .filter((p) => ['plural', 'shortNames'].includes(p.getName()))
      .flatMap((p) => p.getDescendantsOfKind(SyntaxKind.StringLiteral).map((l) => l.getLiteralValue()));
    expect(written).toEqual([odd, odd]);
    const namespaced = file
      .getDescendantsOfKind(SyntaxKind.PropertyAssignment)
      .find((p) => p.getName() === 'namespaced');
    expect(namespaced?.getInitializer()?.getText()).toBe('false');
  });
});

describe('the CRDs under crds/', () => {
  const crds = loadCrds(repoRoot);

  it('are the four kinds of bench.dev/v1alpha1, namespaced; all but the BenchmarkRound record with a status subresource', () => {
    expect(crds.map((c) => c.crd.spec.names.kind)).toEqual([
      'BenchmarkRound',
      'BenchmarkSuite',
      'ProviderPolicy',
      'SchedulePolicy',
    ]);
    for (const { crd } of crds) {
      expect(crd.spec.group).toBe('bench.dev');
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.names.categories).toEqual(['benchmarks']);
      expect(crd.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
      expect((crd.spec.versions[0] as unknown as { subresources: unknown }).subresources).toEqual(
        crd.spec.names.kind === 'BenchmarkRound' ? undefined : { status: {} },
      );
    }
  });

  it('describe every field, so that kubectl explain explains it', () => {
    for (const { crd } of crds) {
      for (const [at, node] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema)) {
        if (at === 'metadata' || at.endsWith('[]') || at.endsWith('{}')) continue;
        expect(typeof node.description, `${crd.spec.names.kind}.${at} has no description`).toBe('string');
      }
    }
  });

  it('bound every string, list and map that CEL rules may walk, and no CRD says additionalProperties: false', () => {
    for (const { crd } of crds) {
      for (const [at, node] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema)) {
        const where = `${crd.spec.names.kind}.${at}`;
        expect(node.additionalProperties, where).not.toBe(false);
        if (!at.startsWith('spec')) continue;
        if (node.type === 'array') expect(node.maxItems, where).toBeTypeOf('number');
        if (node.type === 'object' && node.additionalProperties)
          expect(node.maxProperties, where).toBeTypeOf('number');
        if (node.type === 'string' && !node.enum) expect(node.maxLength, where).toBeTypeOf('number');
      }
    }
  });

  it('give every CEL rule a message', () => {
    for (const { crd } of crds) {
      for (const [at, node] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema)) {
        for (const rule of (node['x-kubernetes-validations'] as Array<Record<string, string>>) ?? []) {
          expect(
            rule.message ?? rule.messageExpression,
            `${crd.spec.names.kind}.${at}: ${rule.rule}`,
          ).toBeTruthy();
        }
      }
    }
  });
});

describe('generate()', () => {
  let generated: GeneratedApi;
  // json-schema-to-typescript and prettier take a few seconds.
  beforeAll(async () => {
    generated = await generate(repoRoot);
  }, 60_000);

  it('produces what is committed under operator/src/api/ (npm run generate:check)', () => {
    const { files } = generated;
    expect([...files.keys()].sort()).toEqual(
      [
        'index.ts',
        'v1alpha1/index.ts',
        'v1alpha1/resources.ts',
        'v1alpha1/schemas.ts',
        'v1alpha1/types.ts',
      ].map((f) => `${OUTPUT_DIR}/${f}`),
    );
    for (const [file, content] of files) {
      expect(
        content.startsWith('// Code generated by hack/generate from crds/*.yaml. DO NOT EDIT.\n'),
        file,
      ).toBe(true);
      expect(readFileSync(path.join(repoRoot, file), 'utf8'), `${file} is stale: run npm run generate`).toBe(
        content,
      );
    }
  });

  it('declares precise types: index signatures only for maps, one declaration per named type', () => {
    const { files } = generated;
    const types = files.get(`${OUTPUT_DIR}/v1alpha1/types.ts`)!;
    // Index signatures come only from the maps of the CRDs: resource quantities, parameters,
    // nodeSelector, labelSelector.matchLabels, failover models, result metrics.
    const signatures = types.match(/\[k: string\]: [^;]+;/g) ?? [];
    expect([...new Set(signatures)].sort()).toEqual([
      '[k: string]: number | string;',
      '[k: string]: number;',
      '[k: string]: string;',
    ]);
    expect(types).not.toContain('[k: string]: unknown');
    for (const name of new Set(Object.values(TYPE_NAMES).flatMap((n) => Object.values(n)))) {
      expect(types.match(new RegExp(`^export interface ${name} \\{`, 'gm'))?.length, name).toBe(1);
      expect(types, `${name} got a numbered duplicate`).not.toMatch(new RegExp(`\\b${name}1\\b`));
    }
    expect(types).toContain("apiVersion: 'bench.dev/v1alpha1';");
    expect(types).toContain("kind: 'BenchmarkSuite';");
    expect(types).toMatch(/targets: \[Target, \.\.\.Target\[\]\];/);
  });

  it('declares a list type per kind, whose items are that kind', () => {
    const types = parse(generated.files.get(`${OUTPUT_DIR}/v1alpha1/types.ts`)!);
    for (const kind of ['BenchmarkSuite', 'ProviderPolicy', 'SchedulePolicy']) {
      const list = types.getInterfaceOrThrow(`${kind}List`);
      expect(list.isExported(), kind).toBe(true);
      expect(
        list.getProperties().map((p) => `${p.getName()}: ${p.getTypeNode()?.getText()}`),
        kind,
      ).toEqual([
        "apiVersion: 'bench.dev/v1alpha1'",
        `kind: '${kind}List'`,
        'metadata: V1ListMeta',
        `items: ${kind}[]`,
      ]);
    }
  });

  it('writes every generated file as valid TypeScript', () => {
    for (const content of generated.files.values()) parse(content);
  });
});
