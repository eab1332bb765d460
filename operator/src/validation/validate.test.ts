import { describe, expect, it } from 'vitest';
import {
  isBenchDev,
  loadExamples,
  loadInvalidFixtures,
  loadValidFixtures,
} from '../../../test/support/crd-fixtures.ts';
import type { BenchmarkSuite, ProviderPolicy } from '../api/index.ts';
import { applyDefaults, kindOf, validateManifest } from './validate.ts';

const suite = (spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'smoke' },
  spec: {
    runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
    targets: [{ name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' }],
    benchmarks: [{ name: 'mmlu' }],
    ...spec,
  },
  ...extra,
});

const NOT_CHECKED =
  '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
/** The messages of the structural errors (without the server's line saying CEL rules were not checked). */
const messages = (manifest: unknown) =>
  validateManifest(manifest)
    .errors.map((e) => e.message)
    .filter((m) => m !== NOT_CHECKED);

describe('validateManifest', () => {
  it('accepts a minimal suite', () => {
    expect(validateManifest(suite())).toEqual({ valid: true, errors: [], skipped: [] });
  });

  it('reports a missing required field as the API server does', () => {
    expect(messages(suite({ runner: {} }))).toEqual(['spec.runner.image: Required value']);
    expect(validateManifest(suite({ runner: {} })).errors[0]).toMatchObject({
      path: 'spec.runner.image',
      type: 'FieldValueRequired',
    });
  });

  it('reports a pattern mismatch with the value and the pattern', () => {
    const targets = [{ name: 'X', providerRef: 'openai', model: 'gpt-4o' }];
    expect(messages(suite({ targets }))).toEqual([
      `spec.targets[0].name: Invalid value: "X": spec.targets[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`,
    ]);
  });

  it('reports an enum mismatch as Unsupported value with the supported values', () => {
    const pp = {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'p' },
      spec: { provider: 'x' },
    };
    expect(messages(pp)[0]).toMatch(
      /^spec\.provider: Unsupported value: "x": supported values: "openai", "anthropic", /,
    );
  });

  it('reports too long strings in bytes and too many items with the count', () => {
    const targets = Array.from({ length: 51 }, (_, i) => ({ name: `t${i}`, providerRef: 'p', model: 'm' }));
    expect(messages(suite({ targets }))).toEqual(['spec.targets: Too many: 51: must have at most 50 items']);
    const long = [{ name: 'a'.repeat(21), providerRef: 'p', model: 'm' }];
    expect(messages(suite({ targets: long }))).toEqual([
      'spec.targets[0].name: Too long: may not be more than 20 bytes',
    ]);
    // Like kube-openapi, a string that is too long is not also checked against its pattern.
    const longAndBad = [{ name: 'A'.repeat(21), providerRef: 'p', model: 'm' }];
    expect(messages(suite({ targets: longAndBad }))).toEqual([
      'spec.targets[0].name: Too long: may not be more than 20 bytes',
    ]);
  });

  it('reports ranges and types with the bad value', () => {
    expect(messages(suite({ priority: 1001 }))).toEqual([
      'spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000',
    ]);
    expect(messages(suite({ priority: 'high' }))).toEqual([
      'spec.priority: Invalid value: "string": spec.priority in body must be of type integer: "string"',
    ]);
    expect(messages(suite({ priority: 1.5 }))).toEqual([
      'spec.priority: Invalid value: "float64": spec.priority in body must be of type int32: "float64"',
      '<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.priority',
    ]);
    expect(messages(suite({ priority: 3_000_000_000 })).sort()).toEqual([
      '<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.priority',
      'spec.priority: Invalid value: 3000000000: spec.priority in body should be less than or equal to 1000',
    ]);
    // kube-openapi names the Go format of non-string values when the field has a format.
    expect(messages(suite({ priority: {} }))).toEqual([
      'spec.priority: Invalid value: "": spec.priority in body must be of type int32: ""',
    ]);
    expect(messages(suite({ priority: [1] }))).toEqual([
      'spec.priority: Invalid value: "array": spec.priority in body must be of type integer: "array"',
    ]);
  });

  it('reports duplicate keys of map lists and duplicate values of set lists', () => {
    const targets = [
      { name: 'a', providerRef: 'p', model: 'm' },
      { name: 'b', providerRef: 'p', model: 'm' },
      { name: 'a', providerRef: 'q', model: 'n' },
    ];
    expect(messages(suite({ targets }))).toEqual(['spec.targets[2]: Duplicate value: {"name":"a"}']);
    const benchmarks = [{ name: 'w' }, { name: 'm', dependsOn: ['w', 'w'] }];
    expect(messages(suite({ benchmarks }))).toEqual([
      'spec.benchmarks[1].dependsOn[1]: Duplicate value: "w"',
    ]);
    // Like the server, once per duplicated value, at its second occurrence.
    const thrice = [{ name: 'w' }, { name: 'm', dependsOn: ['w', 'w', 'w'] }];
    expect(messages(suite({ benchmarks: thrice }))).toEqual([
      'spec.benchmarks[1].dependsOn[1]: Duplicate value: "w"',
    ]);
  });

  it('reports the first item of a map list that is not an object, as the server does', () => {
    const targets = [{ name: 'a', providerRef: 'p', model: 'm' }, 'b', 3];
    expect(messages(suite({ targets }))).toContain(
      'spec.targets[1]: Invalid value: "b": must be an object for an array of list-type map',
    );
    expect(messages(suite({ targets })).join('\n')).not.toContain(
      'spec.targets[2]: Invalid value: 3: must be',
    );
  });

  it('reports unknown fields as strict field validation does, and drops null fields', () => {
    expect(messages(suite({ timeout: '5m' }))).toEqual(['unknown field "spec.timeout"']);
    expect(messages(suite({ runner: { image: 'x', imagePullSecret: 'y' } }))).toEqual([
      'unknown field "spec.runner.imagePullSecret"',
    ]);
    expect(validateManifest(suite({ priority: null })).valid).toBe(true);
  });

  it('reports a wrong int-or-string value with the lines of the first anyOf branch, as the API server does', () => {
    const resources = { limits: { 'nvidia.com/gpu': 0.5 } };
    expect(messages(suite({ runner: { image: 'x', resources } }))).toEqual([
      'spec.runner.resources.limits.nvidia.com/gpu: Invalid value: "number": spec.runner.resources.limits.nvidia.com/gpu in body must be of type integer,string: "number"',
      '<nil>: Invalid value: "": "spec.runner.resources.limits.nvidia.com/gpu" must validate at least one schema (anyOf)',
      'spec.runner.resources.limits.nvidia.com/gpu: Invalid value: "number": spec.runner.resources.limits.nvidia.com/gpu in body must be of type integer: "number"',
      '<nil>: Invalid value: "": Checked value must be of type integer (default format) in spec.runner.resources.limits.nvidia.com/gpu',
    ]);
  });

  it('keeps maps and int-or-string quantities open where the CRD does', () => {
    const resources = { requests: { cpu: 2, memory: '4Gi', 'nvidia.com/gpu': '1' } };
    expect(validateManifest(suite({ runner: { image: 'x', resources } })).valid).toBe(true);
    const bad = { requests: { cpu: '2 cores' } };
    expect(messages(suite({ runner: { image: 'x', resources: bad } }))[0]).toMatch(
      /^spec\.runner\.resources\.requests\.cpu: Invalid value: "2 cores": spec\.runner\.resources\.requests\.cpu in body should match '/,
    );
  });

  it('checks metadata.name as the API server does', () => {
    expect(messages(suite({}, { metadata: {} }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(messages(suite({}, { metadata: { name: 'Smoke' } }))[0]).toMatch(
      /^metadata\.name: Invalid value: "Smoke": a lowercase RFC 1123 subdomain/,
    );
    expect(validateManifest(suite({}, { metadata: { generateName: 'smoke-' } })).valid).toBe(true);
  });

  it('rejects objects of other APIs', () => {
    expect(messages({ apiVersion: 'v1', kind: 'Secret' })).toEqual([
      'apiVersion: Unsupported value: "v1": supported values: "bench.dev/v1alpha1"',
    ]);
    expect(messages({ apiVersion: 'bench.dev/v1alpha1', kind: 'Benchmark' })[0]).toMatch(
      /^kind: Unsupported value: "Benchmark": supported values: "BenchmarkRound", "BenchmarkSuite", "ProviderPolicy", "SchedulePolicy"$/,
    );
    expect(kindOf(suite())).toBe('BenchmarkSuite');
    expect(kindOf({ kind: 'BenchmarkSuite' })).toBeUndefined();
  });

  it('evaluates the CEL rules, with the messages the API server gives', () => {
    const benchmarks = [{ name: 'mmlu', dependsOn: ['warmup'] }];
    expect(validateManifest(suite({ benchmarks }))).toEqual({
      valid: false,
      errors: [
        {
          path: 'spec.benchmarks',
          type: 'FieldValueInvalid',
          message:
            "spec.benchmarks: Invalid value: benchmarks[0].dependsOn names 'warmup', which is not a benchmark of this suite",
        },
      ],
      skipped: [],
    });
  });

  it('evaluates the CEL rules on the defaulted object, as the server does after decoding', () => {
    // backoff.max defaults to 10m, shorter than the initial delay.
    expect(messages(suite({ retry: { backoff: { initial: '20m' } } }))).toEqual([
      'spec.retry.backoff.initial: Invalid value: backoff.initial (20m) must not be longer than backoff.max (10m)',
    ]);
  });

  it('does not evaluate CEL rules after an error that makes the object unfit for them, and says so', () => {
    const reserved = { image: 'x', env: [{ name: 'BENCH_X', value: 'y' }] };
    expect(
      validateManifest(suite({ runner: reserved, priority: 'high' })).errors.map((e) => e.message),
    ).toEqual([
      'spec.priority: Invalid value: "string": spec.priority in body must be of type integer: "string"',
      NOT_CHECKED,
    ]);
    // A pattern mismatch does not block them.
    const targets = [{ name: 'X', providerRef: 'p', model: 'm' }];
    expect(messages(suite({ runner: reserved, targets }))).toEqual([
      `spec.targets[0].name: Invalid value: "X": spec.targets[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`,
      'spec.runner.env[0].name: Invalid value: env BENCH_X is reserved: names starting with BENCH_ are set by the operator (see the runner contract); choose another name',
    ]);
  });

  it('reports nothing but unknown fields when there are any, as strict decoding fails the request first', () => {
    const benchmarks = [{ name: 'mmlu', dependsOn: ['warmup'] }];
    expect(messages(suite({ benchmarks, priority: 'high', extra: 1 }))).toEqual([
      'unknown field "spec.extra"',
    ]);
  });
});

describe('applyDefaults', () => {
  it('fills in the CRD defaults, nested ones included, without changing its argument', () => {
    const input = suite() as unknown as BenchmarkSuite;
    const defaulted = applyDefaults(input);
    expect(defaulted.spec.retry).toEqual({
      limit: 2,
      backoff: { initial: '30s', max: '10m', factor: 2, jitterPercent: 20 },
    });
    expect(defaulted.spec.benchmarks[0].shards).toBe(1);
    expect(defaulted.spec.suspend).toBe(false);
    expect(input.spec.retry).toBeUndefined();
  });

  it('keeps values that are set', () => {
    const pp = {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'p' },
      spec: { provider: 'openai', credentialsSecretRef: { name: 's' }, circuitBreaker: { cooldown: '1m' } },
    } as ProviderPolicy;
    const defaulted = applyDefaults(pp);
    expect(defaulted.spec.circuitBreaker).toEqual({
      failureThreshold: 5,
      cooldown: '1m',
      halfOpenMaxRuns: 1,
    });
    expect(defaulted.spec.credentialsSecretRef).toEqual({ name: 's', key: 'apiKey' });
  });
});

describe('examples/', () => {
  it('holds two ProviderPolicies (one failing over to the other), two SchedulePolicies and two suites', () => {
    const all = loadExamples().flatMap((f) => f.manifests.filter(isBenchDev));
    const of = (kind: string) => all.filter((m) => m.kind === kind);
    expect(of('ProviderPolicy')).toHaveLength(2);
    expect(of('SchedulePolicy')).toHaveLength(2);
    expect(of('BenchmarkSuite')).toHaveLength(2);
    const names = new Set(of('ProviderPolicy').map((m) => (m.metadata as { name: string }).name));
    const failover = of('ProviderPolicy').flatMap(
      (m) => (m as unknown as ProviderPolicy).spec.failover ?? [],
    );
    expect(failover.length).toBeGreaterThan(0);
    for (const f of failover) expect(names.has(f.providerRef)).toBe(true);
    const benchmarks = of('BenchmarkSuite').flatMap((m) => (m as unknown as BenchmarkSuite).spec.benchmarks);
    expect(benchmarks.some((b) => (b.shards ?? 1) > 1)).toBe(true);
    expect(benchmarks.some((b) => (b.dependsOn ?? []).length > 0)).toBe(true);
  });
});

describe('the fixture corpus, offline', () => {
  const invalid = loadInvalidFixtures();

  it('has at least 30 invalid manifests, each kind covered, both by schema and by CEL', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
    for (const kind of ['BenchmarkSuite', 'ProviderPolicy', 'SchedulePolicy']) {
      expect(
        invalid.some((f) => f.manifest.kind === kind && f.validatedBy === 'schema'),
        kind,
      ).toBe(true);
      expect(
        invalid.some((f) => f.manifest.kind === kind && f.validatedBy === 'cel'),
        kind,
      ).toBe(true);
    }
  });

  it.each(invalid.filter((f) => f.validatedBy === 'schema').map((f) => [f.file, f] as const))(
    'rejects %s with the expected message',
    (_file, fixture) => {
      const result = validateManifest(fixture.manifest);
      expect(result.valid).toBe(false);
      expect(result.errors.map((e) => e.message).join('\n')).toContain(fixture.expect);
      const fields = new Set(result.errors.map((e) => e.path).filter((at) => at !== ''));
      expect(fields.size, 'one mistake per fixture').toBe(1);
    },
  );

  it.each(invalid.filter((f) => f.validatedBy === 'cel').map((f) => [f.file, f] as const))(
    'rejects %s by its CEL rule alone, with the expected message',
    (_file, fixture) => {
      const result = validateManifest(fixture.manifest);
      expect(result.skipped).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.message).toContain(fixture.expect);
      expect(result.errors[0]!.message).not.toContain('in body should');
    },
  );

  const accepted = [...loadValidFixtures(), ...loadExamples()].filter((f) => f.manifests.some(isBenchDev));
  it.each(accepted.map((f) => [f.file, f] as const))('accepts %s', (_file, f) => {
    const manifests = f.manifests.filter(isBenchDev);
    for (const m of manifests)
      expect(validateManifest(m).errors, `${String(m.kind)} ${JSON.stringify(m.metadata)}`).toEqual([]);
  });
});
