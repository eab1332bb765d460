// The v1alpha1 API on a real kube-apiserver: the CRDs install (their CEL rules fit the cost budget),
// the invalid corpus is rejected with the expected messages, the valid corpus and examples/ are
// accepted, the offline validator (schema and CEL rules) agrees with the server on every case, and kubectl
// explain / get / printer columns / the status subresource / defaulting work as documented.
import pLimit from 'p-limit';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkSuite } from '../../operator/src/api/index.ts';
import { applyDefaults, validateManifest } from '../../operator/src/validation/validate.ts';
import {
  examplesDir,
  isBenchDev,
  loadExamples,
  loadInvalidFixtures,
  loadValidFixtures,
  type InvalidFixture,
} from '../support/crd-fixtures.ts';
import { dryRun as dryRunIn, serverErrors } from '../support/dry-run.ts';
import { kubectl, kubectlApply, kubectlGetJson, type KubectlResult } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';

const namespace = useNamespace('crd');
const CRDS = [
  'benchmarkrounds.bench.dev',
  'benchmarksuites.bench.dev',
  'providerpolicies.bench.dev',
  'schedulepolicies.bench.dev',
];

const dryRun = (yaml: string) => dryRunIn(yaml, namespace());

beforeAll(async () => {
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', path.join(repoRoot, 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((c) => `crd/${c}`)]);
});

describe('the CRDs', () => {
  it('install with the kustomize base too (config/crd), as make install does', async () => {
    const { stdout } = await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--dry-run=server',
      '-k',
      path.join(repoRoot, 'config/crd'),
    ]);
    for (const crd of CRDS) expect(stdout).toContain(crd);
  });

  it('are Established and NamesAccepted, with short names and the benchmarks category', async () => {
    for (const name of CRDS) {
      const crd = await kubectlGetJson<{
        spec: { names: { shortNames?: string[]; categories?: string[] } };
        status: { conditions: Array<{ type: string; status: string }> };
      }>(['crd', name]);
      const status = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c.status]));
      expect(status).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      expect(crd.spec.names.categories).toEqual(['benchmarks']);
    }
    const { stdout } = await kubectl(['api-resources', '--api-group=bench.dev', '--no-headers']);
    expect(stdout).toMatch(/^benchmarkrounds\s+br\s+bench\.dev\/v1alpha1\s+true\s+BenchmarkRound$/m);
    expect(stdout).toMatch(/^benchmarksuites\s+bs,bsuite\s+bench\.dev\/v1alpha1\s+true\s+BenchmarkSuite$/m);
    expect(stdout).toMatch(/^providerpolicies\s+pp\s+bench\.dev\/v1alpha1\s+true\s+ProviderPolicy$/m);
    expect(stdout).toMatch(/^schedulepolicies\s+sp\s+bench\.dev\/v1alpha1\s+true\s+SchedulePolicy$/m);
  });

  it('explain their fields, defaults included', async () => {
    const { stdout } = await kubectl(['explain', 'benchmarksuite.spec.retry.backoff']);
    expect(stdout).toContain('The delay before each retry.');
    expect(stdout).toMatch(/initial\s+<string>\s+The delay before the first retry\. Defaults to "30s"\./);
    expect(stdout).toMatch(/jitterPercent\s+<integer>/);
    const policy = await kubectl(['explain', 'schedulepolicy.spec.placement.tolerations.effect']);
    expect(policy.stdout).toContain('NoSchedule');
  });
});

describe('the invalid corpus', () => {
  const fixtures = loadInvalidFixtures();
  const results = new Map<string, KubectlResult>();

  beforeAll(async () => {
    const answers = await pLimit(6).map(fixtures, (f) => dryRun(f.yaml));
    fixtures.forEach((f, i) => results.set(f.file, answers[i]!));
  });

  it.each(fixtures.map((f) => [f.file, f] as const))(
    '%s is rejected with the expected message',
    (_file, f) => {
      const { code, stderr, stdout } = results.get(f.file)!;
      expect(code, `${f.what}: accepted: ${stdout}`).not.toBe(0);
      expect(stderr).toContain(f.expect);
    },
  );

  it.each(fixtures.map((f) => [f.file, f] as const))(
    '%s: the offline validator (schema and CEL rules) reports exactly what the API server reports',
    (_file, f: InvalidFixture) => {
      const offline = validateManifest(f.manifest);
      expect(offline.valid).toBe(false);
      expect(offline.skipped).toEqual([]);
      const server = serverErrors(results.get(f.file)!.stderr);
      expect(offline.errors.map((e) => e.message).sort()).toEqual(server.sort());
      if (f.validatedBy === 'cel') expect(server.join('\n')).not.toContain('in body should');
    },
  );
});

// Differential testing of the offline validator against the API server: random single mistakes
// (a wrong value, a removed field, an unknown field, a duplicated list item) in rich valid manifests.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mutation = { base: number; path: number; op: 'set' | 'delete' | 'add' | 'dup'; value: Json };
const WRONG_VALUES: Json[] = [
  'X Y',
  '',
  'a'.repeat(300),
  '-1',
  1.5,
  -5,
  0,
  3_000_000_000,
  true,
  {},
  [],
  ['x'],
];

function paths(node: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(node)) return [...here, ...node.flatMap((v, i) => paths(v, [...at, i]))];
  if (node !== null && typeof node === 'object') {
    return [...here, ...Object.entries(node).flatMap(([k, v]) => paths(v, [...at, k]))];
  }
  return here;
}

function mutate(manifest: Json, m: Mutation): Json {
  const copy = structuredClone(manifest) as { spec: Json };
  const all = paths(copy.spec, ['spec']);
  const at = all[m.path % all.length]!;
  const parent = at
    .slice(0, -1)
    .reduce<Json>((n, k) => (n as Record<string, Json>)[k as string]!, copy as Json) as
    Json[] | Record<string, Json>;
  const key = at.at(-1)!;
  const current = (parent as Record<string, Json>)[key as string]!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (m.op === 'add' && current !== null && typeof current === 'object' && !Array.isArray(current)) {
    current.unexpectedField = 'x';
  } else if (m.op === 'dup' && Array.isArray(current) && current.length > 0) {
    current.push(structuredClone(current[0]!));
  } else {
    (parent as Record<string, Json>)[key as string] = m.value;
  }
  return copy;
}

describe('the offline validator against the API server, on random mistakes', () => {
  const bases = ['bs-full', 'pp-full', 'sp-full'].map(
    (name) => loadValidFixtures().find((f) => f.file.endsWith(`/${name}.yaml`))!.manifests[0] as Json,
  );
  const mutations = fc.sample(
    fc.record({
      base: fc.nat({ max: bases.length - 1 }),
      path: fc.nat({ max: 10_000 }),
      op: fc.constantFrom<Mutation['op']>('set', 'set', 'delete', 'add', 'dup'),
      value: fc.constantFrom(...WRONG_VALUES),
    }),
    { numRuns: 120, seed: 20261122 },
  );

  it('reports exactly the errors the server reports, CEL rules included (120 cases, fixed seed)', async () => {
    const cases = mutations.map((m) => ({ m, manifest: mutate(bases[m.base]!, m) }));
    const answers = await pLimit(6).map(cases, ({ manifest }) => dryRun(stringify(manifest)));
    const disagreements: string[] = [];
    cases.forEach(({ m, manifest }, i) => {
      const { stderr } = answers[i]!;
      const offline = validateManifest(manifest).errors.map((e) => e.message);
      const serverLines = answers[i]!.code === 0 ? [] : serverErrors(stderr);
      const missingOnServer = offline.filter((msg) => !serverLines.includes(msg));
      const missingOffline = serverLines.filter((line) => !offline.includes(line));
      if (missingOnServer.length > 0 || missingOffline.length > 0) {
        disagreements.push(
          `${JSON.stringify(m)}\n  offline only: ${JSON.stringify(missingOnServer)}\n  server only: ${JSON.stringify(missingOffline)}`,
        );
      }
    });
    expect(disagreements).toEqual([]);
    // The sample exercises both outcomes.
    expect(answers.filter((a) => a.code !== 0).length).toBeGreaterThan(30);
  });
});

describe('the valid corpus', () => {
  it.each(loadValidFixtures().map((f) => [f.file, f] as const))('%s is accepted', async (_file, f) => {
    const result = await dryRun(f.yaml);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const m of f.manifests) expect(validateManifest(m).errors).toEqual([]);
  });
});

describe('examples/', () => {
  it('apply with kubectl apply -f examples/, and kubectl get benchmarks lists them', async () => {
    const { stdout } = await kubectl(['apply', '-f', examplesDir], { namespace: namespace() });
    const applied = loadExamples().flatMap((f) => f.manifests.filter(isBenchDev));
    for (const m of applied) {
      const kind = String(m.kind).toLowerCase();
      expect(stdout).toContain(`${kind}.bench.dev/${(m.metadata as { name: string }).name}`);
    }
    const list = await kubectlGetJson<{ items: Array<{ kind: string; metadata: { name: string } }> }>(
      ['benchmarks'],
      { namespace: namespace() },
    );
    expect(list.items.map((i) => `${i.kind}/${i.metadata.name}`).sort()).toEqual(
      applied.map((m) => `${String(m.kind)}/${(m.metadata as { name: string }).name}`).sort(),
    );
  });

  it('are stored with the CRD defaults that applyDefaults computes offline', async () => {
    const smoke = loadExamples()
      .flatMap((f) => f.manifests)
      .find((m) => m.kind === 'BenchmarkSuite' && (m.metadata as { name: string }).name === 'smoke');
    expect(smoke).toBeDefined();
    await kubectl(['apply', '-f', '-'], { input: stringify(smoke), namespace: namespace() });
    const stored = await kubectlGetJson<BenchmarkSuite>(['bs', 'smoke'], { namespace: namespace() });
    expect(stored.spec).toEqual(applyDefaults(smoke as unknown as BenchmarkSuite).spec);
    expect(stored.spec.retry?.backoff).toEqual({ initial: '30s', max: '10m', factor: 2, jitterPercent: 20 });
  });
});

describe('printer columns and the status subresource', () => {
  const suite = {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: 'columns' },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
      targets: [{ name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' }],
      benchmarks: [{ name: 'warmup' }, { name: 'mmlu', dependsOn: ['warmup'] }],
    },
  };
  const status = {
    observedGeneration: 1,
    phase: 'Running',
    round: 1,
    progress: '1/2',
    summary: { total: 2, queued: 0, running: 1, succeeded: 1, failed: 0, blocked: 0 },
    nextScheduleTime: '2026-11-23T01:00:00Z',
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'RoundInProgress',
        message: '1 of 2 runs finished',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-22T08:00:00Z',
      },
      {
        type: 'Reconciling',
        status: 'True',
        reason: 'RoundInProgress',
        message: '1 of 2 runs finished',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-22T08:00:00Z',
      },
    ],
    runs: [
      {
        name: 'warmup-gpt',
        benchmark: 'warmup',
        target: 'gpt',
        state: 'Succeeded',
        attempt: 1,
        job: 'columns-1-warmup-gpt',
        result: {
          score: 0.5,
          metrics: { accuracy: 0.5 },
          usage: { inputTokens: 100, outputTokens: 20 },
          cost: '0.00045',
        },
      },
      {
        name: 'mmlu-gpt',
        benchmark: 'mmlu',
        target: 'gpt',
        state: 'Running',
        attempt: 1,
        job: 'columns-1-mmlu-gpt',
      },
    ],
  };

  const patchStatus = (body: unknown) =>
    kubectl(['patch', 'bs', 'columns', '--subresource=status', '--type=merge', '-p', JSON.stringify(body)], {
      namespace: namespace(),
      allowFailure: true,
    });

  it('show PHASE, PROGRESS, READY, GATES, NEXT RUN and AGE for suites from the status the operator writes', async () => {
    await kubectlApply(stringify(suite), { namespace: namespace() });
    const patched = await patchStatus({ status });
    expect(patched.stderr).toBe('');
    const { stdout } = await kubectl(['get', 'bs', 'columns'], { namespace: namespace() });
    const [header, row] = stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'NAME',
      'PHASE',
      'PROGRESS',
      'READY',
      'GATES',
      'NEXT RUN',
      'AGE',
    ]);
    expect(row).toMatch(/^columns\s+Running\s+1\/2\s+False\s+\S+\s+\S+$/);
    const wide = await kubectl(['get', 'bsuite', 'columns', '-o', 'wide'], { namespace: namespace() });
    expect(wide.stdout.split('\n')[0]).toMatch(/ROUND\s+POLICY\s+SUSPENDED/);
  });

  it('reject a status that breaks the schema, and ignore status sent to the main resource', async () => {
    await kubectlApply(stringify(suite), { namespace: namespace() });
    const bad = await patchStatus({ status: { conditions: [{ ...status.conditions[0], status: 'Yes' }] } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('status.conditions[0].status: Unsupported value: "Yes"');
    const badRun = await patchStatus({
      status: { runs: [{ name: 'x', benchmark: 'x', target: 'y', state: 'Done', attempt: 1 }] },
    });
    expect(badRun.stderr).toContain('status.runs[0].state: Unsupported value: "Done"');

    await kubectlApply(stringify({ ...suite, status: { phase: 'Failed' } }), { namespace: namespace() });
    const stored = await kubectlGetJson<BenchmarkSuite>(['bs', 'columns'], { namespace: namespace() });
    expect(stored.status?.phase).not.toBe('Failed');
  });

  it('show PROVIDER, CIRCUIT, ACTIVE, READY, AGE for ProviderPolicies and SCHEDULE, PRIORITY, ACTIVE, QUEUED, AGE for SchedulePolicies', async () => {
    await kubectl(['apply', '-f', examplesDir], { namespace: namespace() });
    await kubectl(
      [
        'patch',
        'pp',
        'openai',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { circuit: { state: 'Open', consecutiveFailures: 5 }, activeRuns: 0 } }),
      ],
      { namespace: namespace() },
    );
    const pp = await kubectl(['get', 'pp', 'openai'], { namespace: namespace() });
    const [ppHeader, ppRow] = pp.stdout.trim().split('\n');
    expect(ppHeader!.split(/\s{2,}/)).toEqual(['NAME', 'PROVIDER', 'CIRCUIT', 'ACTIVE', 'READY', 'AGE']);
    expect(ppRow).toMatch(/^openai\s+openai\s+Open\s+0\s+/);
    const sp = await kubectl(['get', 'sp', 'nightly-gpu'], { namespace: namespace() });
    const [spHeader, spRow] = sp.stdout.trim().split('\n');
    expect(spHeader!.split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'PRIORITY', 'ACTIVE', 'QUEUED', 'AGE']);
    expect(spRow).toMatch(/^nightly-gpu\s+0 2 \* \* \*\s+100\s+/);
  });
});
