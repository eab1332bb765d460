// The release artifacts (dist/install.yaml, the Helm chart dist/chart) against config/, with the
// pinned kubectl's kustomize and Helm's own CLI (hack/testenv/helm/build.sh: built from the Go
// module proxy, cached). No cluster: `helm lint` and `helm template` are offline.
//
// 1. The committed files are exactly what `make build-installer` generates from config/ today.
// 2. `helm template` with default values renders the objects `kubectl kustomize config/default`
//    renders, in the release namespace, but for the Namespace (Helm's --create-namespace makes it)
//    and Helm's labels; each value changes what it says it changes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  IMAGE_NAME,
  INSTALLER,
  kustomize,
  objectKey,
  parseObjects,
  renderRelease,
  type K8sObject,
} from '../../hack/release/release.ts';
import { builtTool } from '../support/built-tool.ts';
import { kubectlBinary, repoRoot } from '../support/paths.ts';

/** The CRDs of crds/, one per kind. */
const CRD_FILES = readdirSync(path.join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml'));

const NAMESPACE = 'bench-operator-system';
const RELEASE = 'bench-operator';
/** What Helm adds to each object (the chart's labels helper, the CRDs' keep policy). */
const HELM_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
];
const HELM_ANNOTATIONS = ['helm.sh/resource-policy'];

let helmBinary = '';
let helmHome = '';
let kustomized: K8sObject[] = [];

async function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      helmBinary,
      args,
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
        // Helm's own state away from the user's.
        env: {
          ...process.env,
          HELM_CACHE_HOME: path.join(helmHome, 'cache'),
          HELM_CONFIG_HOME: path.join(helmHome, 'config'),
          HELM_DATA_HOME: path.join(helmHome, 'data'),
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `helm template bench-operator dist/chart -n bench-operator-system ...args`, parsed. */
async function helmTemplate(...args: string[]): Promise<K8sObject[]> {
  const result = await helm(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, ...args]);
  if (result.code !== 0)
    throw new Error(`helm template ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return parseObjects(result.stdout);
}

/** The object without what Helm adds and kustomize's managed-by label: what both renderings share. */
function withoutHelm(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  const labels = copy.metadata.labels ?? {};
  for (const label of HELM_LABELS) delete labels[label];
  const annotations = copy.metadata.annotations ?? {};
  for (const annotation of HELM_ANNOTATIONS) delete annotations[annotation];
  if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  return copy;
}

function byKey(objects: K8sObject[]): Map<string, K8sObject> {
  return new Map(objects.map((o) => [objectKey(o), o]));
}

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env: Array<{ name: string; value?: string }>;
  resources: unknown;
  securityContext: unknown;
}
interface Pod {
  containers: Container[];
  securityContext: unknown;
  affinity?: unknown;
  nodeSelector?: unknown;
  tolerations?: unknown;
  imagePullSecrets?: unknown;
}

function deployment(objects: K8sObject[]): { replicas: number; pod: Pod; manager: Container } {
  const found = objects.filter((o) => o.kind === 'Deployment');
  expect(found).toHaveLength(1);
  const spec = found[0]!.spec as { replicas: number; template: { spec: Pod } };
  const manager = spec.template.spec.containers.find((c) => c.name === 'manager');
  if (!manager) throw new Error('no manager container');
  return { replicas: spec.replicas, pod: spec.template.spec, manager };
}

beforeAll(async () => {
  helmHome = mkdtempSync(path.join(tmpdir(), 'helm-home-'));
  kustomized = parseObjects(await kustomize(kubectlBinary, path.join(repoRoot, 'config/default')));
  helmBinary = await builtTool('hack/testenv/helm/build.sh');
}, 30 * 60_000); // a cold Helm build (see hack/testenv/helm/build.sh)

describe('the committed release artifacts', () => {
  it('are what `make build-installer` generates from config/ today', async () => {
    const files = await renderRelease(repoRoot, { kubectl: kubectlBinary });
    const stale: string[] = [];
    for (const [file, content] of files) {
      const abs = path.join(repoRoot, file);
      if (!existsSync(abs)) stale.push(`missing: ${file}`);
      else if (readFileSync(abs, 'utf8') !== content) stale.push(`differs: ${file}`);
    }
    const committed = readdirSync(path.join(repoRoot, CHART_DIR), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)));
    for (const file of committed) if (!files.has(file)) stale.push(`not generated: ${file}`);
    expect(stale, 'dist/ is out of date with config/: run `make build-installer` and commit dist/').toEqual(
      [],
    );
  });

  it('dist/install.yaml is config/default, with the image of the version the project ships', () => {
    const installer = parseObjects(readFileSync(path.join(repoRoot, INSTALLER), 'utf8'));
    expect(installer).toEqual(kustomized);
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(deployment(installer).manager.image).toBe(`${IMAGE_NAME}:${version}`);
    const chart = parse(readFileSync(path.join(repoRoot, CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<
      string,
      string
    >;
    expect(chart).toMatchObject({ name: 'bench-operator', version, appVersion: version });
  });
});

describe('helm lint', () => {
  it('passes, warnings counted as errors', async () => {
    const result = await helm(['lint', '--strict', CHART_DIR]);
    expect(result.stdout + result.stderr).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(result.code).toBe(0);
  });
});

describe('helm template with the default values', () => {
  let rendered: K8sObject[] = [];
  beforeAll(async () => {
    rendered = await helmTemplate();
  });

  it('renders the objects of config/default, in the release namespace, but the Namespace itself', async () => {
    const expected = kustomized
      .filter((o) => o.kind !== 'Namespace')
      .map(objectKey)
      .sort();
    expect(rendered.map(objectKey).sort()).toEqual(expected);
    expect(kustomized.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([NAMESPACE]);
    // Namespaced objects, and the bindings' subjects, are in the release namespace.
    const other = await helmTemplateIn('elsewhere');
    for (const o of other.filter((o) => o.metadata.namespace !== undefined))
      expect(o.metadata.namespace).toBe('elsewhere');
    const subjects = other.flatMap((o) => (o.subjects as Array<{ namespace: string }> | undefined) ?? []);
    expect(subjects.length).toBeGreaterThan(0);
    for (const s of subjects) expect(s.namespace).toBe('elsewhere');
  });

  it("renders each object as kustomize does, but for Helm's labels and the CRDs' keep policy", () => {
    const helmObjects = byKey(rendered);
    for (const o of kustomized.filter((o) => o.kind !== 'Namespace')) {
      expect(withoutHelm(helmObjects.get(objectKey(o))!), objectKey(o)).toEqual(withoutHelm(o));
    }
  });

  it('gives the Deployment the same container args, security contexts, resources, image and replicas', () => {
    const fromHelm = deployment(rendered);
    const fromKustomize = deployment(kustomized);
    expect(fromHelm.manager.args).toEqual(fromKustomize.manager.args);
    expect(fromHelm.manager.args).toContain('--leader-elect=true');
    expect(fromHelm.manager.securityContext).toEqual(fromKustomize.manager.securityContext);
    expect(fromHelm.pod.securityContext).toEqual(fromKustomize.pod.securityContext);
    expect(fromHelm.pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(fromHelm.manager.resources).toEqual(fromKustomize.manager.resources);
    expect(fromHelm.manager.image).toBe(fromKustomize.manager.image);
    expect(fromHelm.replicas).toBe(fromKustomize.replicas);
  });

  it('labels every object for Helm and keeps the CRDs on uninstall', () => {
    for (const o of rendered) {
      expect(o.metadata.labels, objectKey(o)).toMatchObject({
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/part-of': 'bench-operator',
        'helm.sh/chart': expect.stringMatching(/^bench-operator-\d+\.\d+\.\d+/) as unknown,
      });
    }
    const crds = rendered.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds).toHaveLength(CRD_FILES.length);
    for (const crd of crds) expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  it('tells, after install, to label the namespace for the restricted Pod Security Standard', async () => {
    const result = await helm(['install', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--dry-run=client']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `kubectl label namespace ${NAMESPACE} pod-security.kubernetes.io/enforce=restricted --overwrite`,
    );
    const namespace = kustomized.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
});

/** helm template into another namespace. */
async function helmTemplateIn(namespace: string, ...args: string[]): Promise<K8sObject[]> {
  const result = await helm(['template', RELEASE, CHART_DIR, '--namespace', namespace, ...args]);
  if (result.code !== 0) throw new Error(`helm template exited ${result.code}: ${result.stderr}`);
  return parseObjects(result.stdout);
}

describe('the values', () => {
  it('set the image, pull policy, replicas, resources and placement', async () => {
    const resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } };
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' };
    const d = deployment(
      await helmTemplate(
        '--set',
        'image.repository=registry.example/ops/bench-operator',
        '--set',
        'image.tag=0.2.0-rc.1',
        '--set',
        'image.pullPolicy=Always',
        '--set',
        'replicas=3',
        '--set-json',
        `resources=${JSON.stringify(resources)}`,
        '--set-json',
        'nodeSelector={"kubernetes.io/os":"linux"}',
        '--set-json',
        `tolerations=[${JSON.stringify(toleration)}]`,
        '--set-json',
        'imagePullSecrets=[{"name":"my-registry"}]',
        '--set-json',
        'affinity=null',
      ),
    );
    expect(d.manager.image).toBe('registry.example/ops/bench-operator:0.2.0-rc.1');
    expect(d.manager.imagePullPolicy).toBe('Always');
    expect(d.replicas).toBe(3);
    expect(d.manager.resources).toEqual(resources);
    expect(d.pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(d.pod.tolerations).toEqual([toleration]);
    expect(d.pod.imagePullSecrets).toEqual([{ name: 'my-registry' }]);
    expect(d.pod.affinity).toBeUndefined();
  });

  it('append extra args and set the watched namespaces', async () => {
    const d = deployment(
      await helmTemplate(
        '--set-json',
        'extraArgs=["--gitops-revision-sources=flux,argocd","--log-level=debug"]',
        '--set-json',
        'watchNamespaces=["team-a","team-b"]',
      ),
    );
    expect(d.manager.args).toEqual([
      ...deployment(kustomized).manager.args,
      '--gitops-revision-sources=flux,argocd',
      '--log-level=debug',
    ]);
    expect(d.manager.env.find((e) => e.name === 'WATCH_NAMESPACES')?.value).toBe('team-a,team-b');
    expect(deployment(kustomized).manager.env.find((e) => e.name === 'WATCH_NAMESPACES')?.value).toBe('');
  });

  it('turn leader election off (flag and Lease RBAC) for a single replica, and refuse it for more', async () => {
    const objects = await helmTemplate('--set', 'leaderElection.enabled=false', '--set', 'replicas=1');
    expect(deployment(objects).manager.args).toContain('--leader-elect=false');
    expect(objects.map(objectKey).filter((k) => k.includes('leader-election'))).toEqual([]);
    expect((await helmTemplate()).map(objectKey).filter((k) => k.includes('leader-election'))).toHaveLength(
      2,
    );

    const refused = await helm(['template', RELEASE, CHART_DIR, '--set', 'leaderElection.enabled=false']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('replicas > 1 needs leaderElection.enabled=true');
  });

  it('leave the CRDs out, or unprotected', async () => {
    const without = await helmTemplate('--set', 'crds.install=false');
    expect(without.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(without).toHaveLength(kustomized.length - 1 - CRD_FILES.length);
    const unkept = await helmTemplate('--set', 'crds.keep=false');
    for (const crd of unkept.filter((o) => o.kind === 'CustomResourceDefinition'))
      expect(crd.metadata.annotations).toBeUndefined();
  });

  it('refuse a misspelled or mistyped value (values.schema.json)', async () => {
    const misspelled = await helm(['template', RELEASE, CHART_DIR, '--set', 'replica=1']);
    expect(misspelled.code).not.toBe(0);
    expect(misspelled.stderr).toMatch(/replica/);
    const mistyped = await helm(['template', RELEASE, CHART_DIR, '--set', 'watchNamespaces=team-a']);
    expect(mistyped.code).not.toBe(0);
    expect(mistyped.stderr).toMatch(/watchNamespaces/);
  });

  it("render config/default's opt-in parts (config/prometheus, config/rbac/gitops) as kustomize does", async () => {
    // config/default with its commented-out resources turned on, as its comments say to do.
    const dir = mkdtempSync(path.join(tmpdir(), 'default-opt-in-'));
    const kustomization = parse(
      readFileSync(path.join(repoRoot, 'config/default/kustomization.yaml'), 'utf8'),
    ) as {
      resources: string[];
    };
    const resources = [...kustomization.resources, '../prometheus', '../rbac/gitops'].map((r) =>
      path.relative(dir, path.resolve(repoRoot, 'config/default', r)),
    );
    writeFileSync(path.join(dir, 'kustomization.yaml'), stringify({ ...kustomization, resources }));
    const withOptIns = parseObjects(await kustomize(kubectlBinary, dir));
    const optIns = withOptIns.filter((o) => !kustomized.some((k) => objectKey(k) === objectKey(o)));
    expect(optIns.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'PrometheusRule',
      'Service',
      'ServiceMonitor',
    ]);

    const rendered = byKey(
      await helmTemplate('--set', 'prometheus.enable=true', '--set', 'rbac.gitops.enable=true'),
    );
    expect(rendered.size).toBe(withOptIns.length - 1); // all but the Namespace
    for (const o of optIns)
      expect(withoutHelm(rendered.get(objectKey(o))!), objectKey(o)).toEqual(withoutHelm(o));
    // The alerting rules' own templates ({{ $labels.controller }}) come through Helm untouched.
    const rule = JSON.stringify(optIns.find((o) => o.kind === 'PrometheusRule'));
    expect(rule).toContain('{{ $labels.controller }}');
  });
});
