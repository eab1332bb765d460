// config/policies on the real API server, applied and bound with the real kubectl as an
// administrator would (the sample bindings, renamed for the test's namespaces, whose
// limits.bench.dev/ annotations are the limits): the three ValidatingAdmissionPolicies install; an
// object within every limit is admitted and, for each dimension, one that breaks it is refused
// with a message naming the field and the rule; the examples and config/samples are admitted
// under the sample namespace's limits; a missing parameter restricts nothing, an empty one allows
// nothing, a key-less toleration is refused unless allowed; require-secret-access checks the
// requester's own access; an object being deleted can always finish; the largest suite the CRD
// allows is judged within the API server's CEL cost budget.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseObjects } from '../../hack/release/release.ts';
import {
  bindPolicies,
  installPolicies,
  sampleLimits,
  setLimits,
  unbindPolicies,
  waitUntilAdmitted,
  waitUntilRefused,
} from '../support/admission-policies.ts';
import { examplesDir } from '../support/crd-fixtures.ts';
import { dryRun } from '../support/dry-run.ts';
import { kubectl, kubectlApply, kubectlGetJson, type KubectlOptions } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/wait.ts';

/** Restricted by the test's own limits (LIMITS). */
const restricted = useNamespace('vap');
/** Restricted by the sample namespace's limits (config/policies/samples/namespace.yaml). */
const sampled = useNamespace('vap-samples');

const LIMITS: Record<string, string> = {
  'allowed-image-registries': 'ghcr.io/bench-operator/, registry.example.com/team-a/',
  'allowed-service-accounts': 'bench-runner',
  'allowed-secrets': 'datasets-token, bench-*',
  'allowed-credential-secrets': 'openai-credentials',
  'require-secret-access': 'true',
  'allowed-volume-types': 'configMap, secret, csi, emptyDir',
  'allowed-csi-drivers': 'datasets.csi.example.com',
  'allowed-endpoint-hosts': 'api.openai.com, *.gateway.example.com',
  'allowed-pod-annotation-prefixes': 'bench.example.com/, kwok.x-k8s.io/',
  'allowed-priority-classes': 'bench-adhoc',
  'allowed-tolerations': 'nvidia.com/gpu',
};

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
};
type Runner = Record<string, unknown>;

const secretEnv = (name: string, secret: string) => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key: 'k' } },
});

/** A suite within every one of LIMITS; `runner` and `benchmark` replace fields of its runner and benchmark. */
function suite(name: string, runner: Runner = {}, benchmark: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      runner: {
        image: 'registry.example.com/team-a/runner:1',
        serviceAccountName: 'bench-runner',
        podAnnotations: { 'bench.example.com/team': 'a', 'kwok.x-k8s.io/delay': '1s' },
        env: [secretEnv('DATASET_TOKEN', 'datasets-token')],
        volumes: [
          { name: 'datasets', configMap: { name: 'bench-datasets' } },
          { name: 'certs', secret: { secretName: 'bench-ca' } },
          {
            name: 'remote',
            csi: { driver: 'datasets.csi.example.com', nodePublishSecretRef: { name: 'bench-csi' } },
          },
          { name: 'scratch', emptyDir: {} },
        ],
        ...runner,
      },
      targets: [{ name: 't', providerRef: 'openai', model: 'gpt-4o' }],
      benchmarks: [{ name: 'b', env: [secretEnv('EXTRA', 'bench-extra')], ...benchmark }],
    },
  };
}

/** A ProviderPolicy within LIMITS; `spec` replaces fields. */
function provider(name: string, spec: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name },
    spec: {
      provider: 'openai-compatible',
      endpoint: 'https://eu.gateway.example.com/v1',
      credentialsSecretRef: { name: 'openai-credentials' },
      ...spec,
    },
  };
}

const gpu = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/** A SchedulePolicy within LIMITS; `spec` replaces fields. */
function schedule(name: string, spec: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name },
    spec: { priorityClassName: 'bench-adhoc', placement: { tolerations: [gpu] }, ...spec },
  };
}

const yaml = (...objects: Manifest[]) => objects.map((o) => stringify(o)).join('---\n');
const volumes = (suite('x').spec.runner as { volumes: unknown[] }).volumes;

/** `kubectl apply` of the object in the namespace; a refusal is an answer, not an error. */
const apply = (object: Manifest, namespace: string, options: KubectlOptions = {}) =>
  kubectlApply(yaml(object), { namespace, allowFailure: true, ...options });

const policyOf: Record<string, string> = {
  BenchmarkSuite: 'bench-operator-benchmarksuites',
  ProviderPolicy: 'bench-operator-providerpolicies',
  SchedulePolicy: 'bench-operator-schedulepolicies',
};

/** What kubectl prints when `object`'s policy, bound to `namespace`, refuses it with `message`. */
const refusal = (object: Manifest, namespace: string, message: string) =>
  `ValidatingAdmissionPolicy '${policyOf[object.kind]}' with binding '${policyOf[object.kind]}-${namespace}' denied request: ${message}`;

/** One object of each kind breaking a limit of both LIMITS and the samples: refused once the bindings are in force. */
const probes = [
  suite('probe', { image: 'evil.example/runner:1' }),
  provider('probe', { credentialsSecretRef: { name: 'db-root' } }),
  schedule('probe', { priorityClassName: 'system-node-critical' }),
];
const probeMessages = [
  'spec.runner.image "evil.example/runner:1" is not from an allowed registry',
  'spec.credentialsSecretRef.name "db-root" is not an allowed credentials Secret',
  'spec.priorityClassName "system-node-critical" is not an allowed PriorityClass',
];

async function waitUntilInForce(namespace: string): Promise<void> {
  for (const [i, probe] of probes.entries())
    await waitUntilRefused(yaml(probe), namespace, probeMessages[i]!);
}

let bindings: string[] = [];

beforeAll(async () => {
  await installPolicies();
  await setLimits(restricted(), LIMITS);
  await setLimits(sampled(), sampleLimits());
  bindings = [...(await bindPolicies(restricted())), ...(await bindPolicies(sampled()))];
  await Promise.all([waitUntilInForce(restricted()), waitUntilInForce(sampled())]);
});

/** The finalizer the deletion test holds a suite with: released after the test whatever happened. */
const HOLD = 'e2e.bench.dev/hold';

afterAll(async () => {
  await unbindPolicies(bindings);
  // A suite still held would keep the namespace terminating forever; once unbound, nothing refuses
  // the release.
  await waitFor('the held suite to be released', async () => {
    const release = await kubectl(
      ['patch', 'benchmarksuite', 'legacy', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'],
      {
        namespace: restricted(),
        allowFailure: true,
      },
    );
    return { done: release.code === 0 || release.stderr.includes('NotFound'), seen: release.stderr };
  });
});

describe('the policies', () => {
  it('build with kustomize, leave the samples out, and are installed as written', async () => {
    const { stdout } = await kubectl(['kustomize', path.join(repoRoot, 'config/policies')]);
    const built = parseObjects(stdout);
    expect(built.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      Object.values(policyOf)
        .map((name) => `ValidatingAdmissionPolicy/${name}`)
        .sort(),
    );
    for (const policy of built) {
      const installed = await kubectlGetJson<{ spec: { validations: unknown[]; variables: unknown[] } }>([
        'validatingadmissionpolicy',
        policy.metadata.name,
      ]);
      const spec = policy.spec as { validations: unknown[]; variables: unknown[] };
      expect(installed.spec.validations).toEqual(spec.validations);
      expect(installed.spec.variables).toEqual(spec.variables);
    }
  });

  it('admit objects within every limit', async () => {
    for (const object of [suite('within'), provider('within'), schedule('within')]) {
      const answer = await apply(object, restricted());
      expect(answer.stderr, `${object.kind} within the limits`).toBe('');
      expect(answer.code).toBe(0);
    }
  });
});

describe('each dimension refuses what breaks it', () => {
  const cases: Array<{ what: string; object: Manifest; message: string }> = [
    {
      what: 'an image from another registry',
      object: suite('image', { image: 'evil.example/runner:1' }),
      message:
        'spec.runner.image "evil.example/runner:1" is not from an allowed registry (allowed: ghcr.io/bench-operator/, registry.example.com/team-a/)',
    },
    {
      what: 'an image whose registry path only starts like an allowed one',
      object: suite('image-prefix', { image: 'ghcr.io/bench-operator-evil/runner:1' }),
      message: 'spec.runner.image "ghcr.io/bench-operator-evil/runner:1" is not from an allowed registry',
    },
    {
      what: 'another ServiceAccount',
      object: suite('sa', { serviceAccountName: 'builder' }),
      message:
        'spec.runner.serviceAccountName "builder" is not an allowed ServiceAccount (allowed: default, bench-runner)',
    },
    {
      what: "a Secret in the runner's env",
      object: suite('env', { env: [secretEnv('DB', 'db-root')] }),
      message:
        'spec.runner.env[0].valueFrom.secretKeyRef.name "db-root" is not an allowed Secret (allowed: datasets-token, bench-*)',
    },
    {
      what: "a Secret in a benchmark's env",
      object: suite('benchmark-env', {}, { env: [secretEnv('A', 'bench-a'), secretEnv('DB', 'db-root')] }),
      message: 'spec.benchmarks[0].env[1].valueFrom.secretKeyRef.name "db-root" is not an allowed Secret',
    },
    {
      what: 'a Secret volume',
      object: suite('secret-volume', {
        volumes: [volumes[0], { name: 'certs', secret: { secretName: 'db-root' } }],
      }),
      message: 'spec.runner.volumes[1].secret.secretName "db-root" is not an allowed Secret',
    },
    {
      what: "a CSI volume's nodePublishSecretRef",
      object: suite('csi-secret', {
        volumes: [
          {
            name: 'remote',
            csi: { driver: 'datasets.csi.example.com', nodePublishSecretRef: { name: 'vault-token' } },
          },
        ],
      }),
      message: 'spec.runner.volumes[0].csi.nodePublishSecretRef.name "vault-token" is not an allowed Secret',
    },
    {
      what: 'a volume type',
      object: suite('volume-type', {
        volumes: [...volumes, { name: 'claim', persistentVolumeClaim: { claimName: 'data' } }],
      }),
      message:
        'spec.runner.volumes[4] ("claim") is a persistentVolumeClaim volume, which is not an allowed volume type (allowed: configMap, secret, csi, emptyDir)',
    },
    {
      what: 'a CSI driver',
      object: suite('csi-driver', {
        volumes: [{ name: 'store', csi: { driver: 'secrets-store.csi.k8s.io' } }],
      }),
      message:
        'spec.runner.volumes[0].csi.driver "secrets-store.csi.k8s.io" is not an allowed CSI driver (allowed: datasets.csi.example.com)',
    },
    {
      what: 'a pod annotation',
      object: suite('annotation', {
        podAnnotations: { 'bench.example.com/team': 'a', 'sidecar.istio.io/inject': 'false' },
      }),
      message:
        'spec.runner.podAnnotations["sidecar.istio.io/inject"] is not under an allowed annotation prefix (allowed prefixes: bench.example.com/, kwok.x-k8s.io/)',
    },
    {
      what: 'a credentials Secret',
      object: provider('credentials', { credentialsSecretRef: { name: 'db-root', key: 'password' } }),
      message:
        'spec.credentialsSecretRef.name "db-root" is not an allowed credentials Secret (allowed: openai-credentials)',
    },
    {
      what: 'an endpoint host',
      object: provider('endpoint', { endpoint: 'https://collector.evil.example/v1' }),
      message:
        'spec.endpoint "https://collector.evil.example/v1" has host "collector.evil.example", which is not an allowed endpoint host (allowed: api.openai.com, *.gateway.example.com)',
    },
    {
      what: 'an endpoint host behind an allowed host as user name',
      object: provider('endpoint-userinfo', { endpoint: 'https://api.openai.com@evil.example/v1' }),
      message:
        'spec.endpoint "https://api.openai.com@evil.example/v1" has host "evil.example", which is not an allowed endpoint host',
    },
    {
      what: 'an endpoint host that only starts like an allowed domain',
      object: provider('endpoint-suffix', { endpoint: 'https://eu.gateway.example.com.evil.example/v1' }),
      message:
        'spec.endpoint "https://eu.gateway.example.com.evil.example/v1" has host "eu.gateway.example.com.evil.example", which is not an allowed endpoint host',
    },
    {
      what: 'a PriorityClass',
      object: schedule('priority', { priorityClassName: 'system-node-critical' }),
      message:
        'spec.priorityClassName "system-node-critical" is not an allowed PriorityClass (allowed: bench-adhoc)',
    },
    {
      what: 'a toleration of another taint',
      object: schedule('toleration', {
        placement: {
          tolerations: [gpu, { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }],
        },
      }),
      message:
        'spec.placement.tolerations[1].key "node-role.kubernetes.io/control-plane" is not an allowed toleration (allowed keys: nvidia.com/gpu)',
    },
    {
      what: 'a toleration of every taint',
      object: schedule('tolerate-all', { placement: { tolerations: [gpu, { operator: 'Exists' }] } }),
      message:
        'spec.placement.tolerations[1] has no key and operator Exists: it tolerates every taint, which is not allowed (name the taint key, or have the namespace annotated limits.bench.dev/allow-tolerate-everything=true)',
    },
  ];

  it.each(cases)('$what', async ({ object, message }) => {
    const answer = await apply(object, restricted());
    expect(answer.code, `kubectl apply should have been refused; it printed ${answer.stdout}`).not.toBe(0);
    expect(answer.stderr).toContain(refusal(object, restricted(), message));
  });
});

describe('require-secret-access', () => {
  const user = 'e2e-alice';
  const asAlice = (object: Manifest) =>
    kubectl(['--as', user, 'apply', '--dry-run=server', '-f', '-'], {
      input: yaml(object),
      namespace: restricted(),
      allowFailure: true,
    });
  /** A suite naming only `secrets`, in its runner's env. */
  const suiteWith = (name: string, ...secrets: string[]) =>
    suite(name, { env: secrets.map((s, i) => secretEnv(`S${i}`, s)), volumes: [] }, { env: [] });

  beforeAll(async () => {
    // The user may write the three kinds and get one Secret by name, as a team member with
    // narrowed rights would.
    const rbac = (kind: string, name: string, spec: Record<string, unknown>) =>
      stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind,
        metadata: { name, namespace: restricted() },
        ...spec,
      });
    await kubectlApply(
      [
        rbac('Role', 'bench-author', {
          rules: [
            {
              apiGroups: ['bench.dev'],
              resources: ['benchmarksuites', 'providerpolicies', 'schedulepolicies'],
              verbs: ['*'],
            },
            { apiGroups: [''], resources: ['secrets'], resourceNames: ['bench-readable'], verbs: ['get'] },
          ],
        }),
        rbac('RoleBinding', 'bench-author', {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-author' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        }),
      ].join('---\n'),
    );
  });

  it('admits a suite naming only Secrets its author may get', async () => {
    await waitFor(`${user}'s Role to be in force`, async () => {
      const answer = await asAlice(suiteWith('readable', 'bench-readable'));
      return { done: answer.code === 0, seen: answer.stderr };
    });
  });

  it('refuses a suite naming a Secret its author may not get', async () => {
    const answer = await asAlice(suiteWith('hidden', 'bench-readable', 'bench-hidden'));
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain(
      'spec.runner.env[0].valueFrom.secretKeyRef.name "bench-readable", spec.runner.env[1].valueFrom.secretKeyRef.name "bench-hidden": e2e-alice may not get all of these Secrets (limits.bench.dev/require-secret-access: a suite may reference only Secrets that whoever applies it may get)',
    );
  });

  it('refuses more than 2 Secrets by name with a message that says so, not a cost error', async () => {
    const answer = await asAlice(suiteWith('many', 'bench-readable', 'bench-readable', 'bench-b', 'bench-c'));
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain(
      'the suite references more than 2 Secrets, and e2e-alice may not get every Secret of the namespace (only 2 are checked by name)',
    );
  });

  it("refuses a ProviderPolicy whose key its author may not get, and admits the administrator's", async () => {
    const answer = await asAlice(provider('alice'));
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain(
      'spec.credentialsSecretRef.name "openai-credentials" is a Secret that e2e-alice may not get (limits.bench.dev/require-secret-access',
    );
    expect((await dryRun(yaml(provider('admin')), restricted())).code).toBe(0);
  });
});

describe("the examples under the sample namespace's limits", () => {
  const files = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

  it.each(files)('examples/%s is admitted', async (file) => {
    const answer = await dryRun(readFileSync(path.join(examplesDir, file), 'utf8'), sampled());
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
  });

  it.each(['staging', 'production'])('examples/gitops/overlays/%s is admitted', async (overlay) => {
    const { stdout } = await kubectl(['kustomize', path.join(examplesDir, 'gitops/overlays', overlay)]);
    // Into the test's namespace: the overlay's own namespace is not bound.
    const objects = parseObjects(stdout)
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: undefined } }));
    const answer = await dryRun(objects.map((o) => stringify(o)).join('---\n'), sampled());
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
  });

  it('config/samples is admitted', async () => {
    const answer = await kubectl(['apply', '--dry-run=server', '-k', path.join(repoRoot, 'config/samples')], {
      namespace: sampled(),
      allowFailure: true,
    });
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
  });
});

describe('the largest suite the CRD allows', () => {
  // 100 benchmarks × 64 env variables, each from a Secret, 64 more in the runner, 16 volumes and
  // 32 annotations, against limits listing 201 Secret names besides the prefix.
  const manySecrets = [
    ...Array.from({ length: 200 }, (_, i) => `listed-${i}`),
    'datasets-token',
    'bench-*',
  ].join(', ');
  const env = (prefix: string) =>
    Array.from({ length: 64 }, (_, i) => secretEnv(`${prefix}${i}`, `bench-s${i}`));
  const largest = (lastSecret: string) => {
    const object = suite('largest', {
      env: env('R'),
      podAnnotations: Object.fromEntries(
        Array.from({ length: 32 }, (_, i) => [`bench.example.com/a${i}`, 'v']),
      ),
      volumes: Array.from({ length: 16 }, (_, i) => ({ name: `v${i}`, configMap: { name: 'c' } })),
    });
    object.spec.benchmarks = Array.from({ length: 100 }, (_, j) => ({ name: `b${j}`, env: env('B') }));
    (object.spec.benchmarks as Array<{ env: unknown[] }>)[99]!.env[63] = secretEnv('B63', lastSecret);
    return object;
  };
  // kubectl create: apply would add the whole object as an annotation, over the 256 KiB limit.
  const create = (object: Manifest) =>
    kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: yaml(object),
      namespace: restricted(),
      allowFailure: true,
    });

  beforeAll(async () => {
    await setLimits(restricted(), { ...LIMITS, 'allowed-secrets': manySecrets });
    await waitUntilAdmitted(yaml(suite('probe', {}, { env: [secretEnv('L', 'listed-199')] })), restricted());
  });

  afterAll(async () => {
    await setLimits(restricted(), LIMITS);
  });

  it('is admitted within the CEL cost budget', async () => {
    const answer = await create(largest('bench-s63'));
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
  });

  it('is refused for its last Secret reference, with the message of the rule', async () => {
    const answer = await create(largest('db-root'));
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain(
      'spec.benchmarks[99].env[63].valueFrom.secretKeyRef.name "db-root" is not an allowed Secret',
    );
  });
});

describe('the limits', () => {
  const legacy = suite('legacy', { image: 'evil.example/runner:1' });

  it('restrict nothing where a key is missing; a toleration of every taint stays refused', async () => {
    await setLimits(restricted(), {});
    await waitUntilAdmitted(yaml(probes[0]!), restricted());
    for (const probe of probes) expect((await dryRun(yaml(probe), restricted())).code, probe.kind).toBe(0);
    const everything = schedule('tolerate-all', { placement: { tolerations: [{ operator: 'Exists' }] } });
    const answer = await dryRun(yaml(everything), restricted());
    expect(answer.stderr).toContain(
      refusal(
        everything,
        restricted(),
        'spec.placement.tolerations[0] has no key and operator Exists: it tolerates every taint',
      ),
    );
    await setLimits(restricted(), { 'allow-tolerate-everything': 'true' });
    await waitUntilAdmitted(yaml(everything), restricted());
  });

  it('allow nothing where a key is empty', async () => {
    await setLimits(restricted(), { 'allowed-image-registries': '' });
    await waitUntilRefused(
      yaml(suite('empty', { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' })),
      restricted(),
      'spec.runner.image "ghcr.io/bench-operator/bench-runner:0.1.0" is not from an allowed registry (allowed: none)',
    );
  });

  it('let an object that breaks them be deleted, though not changed', async () => {
    await setLimits(restricted(), {});
    await waitUntilAdmitted(yaml(legacy), restricted());
    await kubectlApply(
      yaml({ ...legacy, metadata: { ...legacy.metadata, finalizers: [HOLD] } } as Manifest),
      {
        namespace: restricted(),
      },
    );
    await setLimits(restricted(), LIMITS);
    await waitUntilInForce(restricted());

    const annotate = await kubectl(['annotate', 'benchmarksuite', 'legacy', 'bench.dev/requested-at=now'], {
      namespace: restricted(),
      allowFailure: true,
    });
    expect(annotate.stderr).toContain(
      'spec.runner.image "evil.example/runner:1" is not from an allowed registry',
    );

    await kubectl(['delete', 'benchmarksuite', 'legacy', '--wait=false'], { namespace: restricted() });
    const release = await kubectl(
      [
        'patch',
        'benchmarksuite',
        'legacy',
        '--type=json',
        '-p',
        '[{"op": "remove", "path": "/metadata/finalizers"}]',
      ],
      { namespace: restricted(), allowFailure: true },
    );
    expect(release.stderr, 'removing the finalizer of a suite being deleted').toBe('');
    await waitFor('the suite to be gone', async () => {
      const got = await kubectl(['get', 'benchmarksuite', 'legacy', '--ignore-not-found', '-o', 'name'], {
        namespace: restricted(),
      });
      return { done: got.stdout.trim() === '', seen: got.stdout };
    });
  });
});
