// The release artifacts, generated from config/ so that they cannot drift from it:
//
//   dist/install.yaml  kubebuilder's `make build-installer`: `kubectl kustomize config/default`, in one file
//   dist/chart/        a Helm chart whose templates are that same rendering, split by source file,
//                      with the values users expect put in (image, replicas, resources, args, ...)
//
// Pure apart from running the pinned kubectl's kustomize: returns path → content, so that main.ts
// can write them or compare them (--check), and the release-artifacts e2e test can compare them.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';

export const INSTALLER = 'dist/install.yaml';
export const CHART_DIR = 'dist/chart';
/** The operator's image name in config/manager (the name `kustomize edit set image` matches). */
export const IMAGE_NAME = 'ghcr.io/bench-operator/bench-operator';
export const CHART_NAME = 'bench-operator';

/** Kustomize's label on objects of config/; Helm's labels (chart helper below) replace it. */
const KUSTOMIZE_MANAGED_BY = 'app.kubernetes.io/managed-by';
const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';

/**
 * The opt-in parts that config/default leaves commented out, each gated in the chart by a value
 * that is off by default (so that the chart's defaults render what config/default renders).
 */
const OPTIONAL_RESOURCES: ReadonlyArray<{ dir: string; value: string }> = [
  { dir: 'config/prometheus', value: 'prometheus.enable' },
  { dir: 'config/rbac/gitops', value: 'rbac.gitops.enable' },
];

export interface ReleaseOptions {
  /** The kubectl whose kustomize renders config/ (the pinned one: its kustomize formats the output). */
  kubectl: string;
  /** `<repository>:<tag>` for the operator's image; default: what config/manager pins. */
  image?: string;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** Runs `kubectl kustomize dir`. */
export async function kustomize(kubectl: string, dir: string): Promise<string> {
  const { stdout } = await promisify(execFile)(kubectl, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The objects of a multi-document YAML stream (empty documents left out). */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      const [error] = doc.errors;
      if (error) throw error;
      return doc.toJS({ maxAliasCount: -1 }) as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** kind/namespace/name, the identity of an object in a rendering. */
export function objectKey(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Splits `repo:tag` (a registry port is not a tag). */
export function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(':');
  if (colon < 0 || image.indexOf('/', colon) >= 0) throw new Error(`image "${image}" has no tag`);
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** Renders config/default and config/default with its opt-in parts (origins annotated). */
async function renderConfig(
  root: string,
  options: ReleaseOptions,
): Promise<{ installer: string; defaults: K8sObject[]; all: Array<{ object: K8sObject; origin: string }> }> {
  const defaultDir = path.join(root, 'config/default');
  const kustomization = parse(await readFile(path.join(defaultDir, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
    [key: string]: unknown;
  };
  const images = options.image
    ? [
        {
          name: IMAGE_NAME,
          newName: splitImage(options.image).repository,
          newTag: splitImage(options.image).tag,
        },
      ]
    : undefined;
  const tmp = await mkdtemp(path.join(tmpdir(), 'bench-release-'));
  try {
    // dist/install.yaml: config/default as it is; with another image, through an overlay setting it.
    let installer: string;
    if (images) {
      const dir = path.join(tmp, 'installer');
      await writeOverlay(dir, { resources: [path.relative(dir, defaultDir)], images });
      installer = await kustomize(options.kubectl, dir);
    } else {
      installer = await kustomize(options.kubectl, defaultDir);
    }

    // The chart: config/default's kustomization with the opt-in parts added, each object annotated
    // with the file it comes from.
    const dir = path.join(tmp, 'all');
    const inDefault = kustomization.resources.map((r) => path.resolve(defaultDir, r));
    for (const optional of OPTIONAL_RESOURCES) {
      if (inDefault.includes(path.join(root, optional.dir)))
        throw new Error(
          `config/default now includes ${optional.dir}: make it a default in hack/release/release.ts`,
        );
    }
    await writeOverlay(dir, {
      ...kustomization,
      resources: [...inDefault, ...OPTIONAL_RESOURCES.map((o) => path.join(root, o.dir))].map((r) =>
        path.relative(dir, r),
      ),
      ...(images ? { images: [...((kustomization.images as unknown[]) ?? []), ...images] } : {}),
      buildMetadata: ['originAnnotations'],
    });
    const all = parseObjects(await kustomize(options.kubectl, dir)).map((object) => {
      const annotations = object.metadata.annotations ?? {};
      const origin = (parse(annotations[ORIGIN_ANNOTATION] ?? '{}') as { path?: string }).path;
      if (!origin) throw new Error(`${objectKey(object)}: kustomize gave no origin`);
      delete annotations[ORIGIN_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
      return { object, origin: path.relative(root, path.resolve(dir, origin)) };
    });
    return { installer, defaults: parseObjects(installer), all };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function writeOverlay(dir: string, kustomization: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'kustomization.yaml'),
    stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...kustomization }),
  );
}

// ---------------------------------------------------------------------------------------------
// Templates. An object becomes a template by putting tokens where Helm expressions go, writing
// it as YAML, escaping what Helm would read as template actions, and replacing the tokens:
// a scalar token by an expression, a token on a line of its own (a mapping key or a list item) by
// lines of template at that line's indentation.

class Tokens {
  private readonly inline = new Map<string, string>();
  private readonly blocks = new Map<string, (indent: string) => string[]>();

  /** A scalar replaced by `expression` (in the middle of a string too). */
  scalar(expression: string): string {
    const token = `__helm_${this.inline.size + this.blocks.size}__`;
    this.inline.set(token, expression);
    return token;
  }

  /** A mapping key or list item whose line is replaced by lines(indent). */
  block(lines: (indent: string) => string[]): string {
    const token = `__helm_${this.inline.size + this.blocks.size}__`;
    this.blocks.set(token, lines);
    return token;
  }

  /** YAML of the object, with Helm's action delimiters in its text escaped and the tokens replaced. */
  render(object: unknown): string {
    const text = escapeActions(stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
    const lines = text.split('\n').flatMap((line) => {
      const m = /^(\s*)(- )?(__helm_\d+__)(: null)?$/.exec(line);
      const block = m && this.blocks.get(m[3]!);
      if (!block) return [line];
      this.blocks.delete(m[3]!);
      return block(m[1]!);
    });
    if (this.blocks.size > 0)
      throw new Error(`tokens not on a line of their own: ${[...this.blocks.keys()].join(', ')}`);
    return lines.join('\n').replace(/__helm_\d+__/g, (token) => {
      const expression = this.inline.get(token);
      if (expression === undefined) throw new Error(`unknown token ${token}`);
      return expression;
    });
  }
}

/** `{{` and `}}` in the objects' own text (alerting rules' `{{ $labels.x }}`) print themselves. */
export function escapeActions(text: string): string {
  return text.replace(/\{\{|\}\}/g, (d) => `{{ "${d}" }}`);
}

/** `{{- with .Values.<value> }} key: ... {{- end }}`: the key only when the value is set. */
function optionalBlock(key: string, value: string): (indent: string) => string[] {
  return (i) => [
    `${i}{{- with .Values.${value} }}`,
    `${i}${key}:`,
    `${i}  {{- toYaml . | nindent ${i.length + 2} }}`,
    `${i}{{- end }}`,
  ];
}

/** Replaces every string equal to `from` (the namespace config/default sets) by a token. */
function replaceStrings(node: unknown, from: string, to: string): unknown {
  if (node === from) return to;
  if (Array.isArray(node)) return node.map((n) => replaceStrings(n, from, to));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replaceStrings(v, from, to)]));
  return node;
}

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  resources?: unknown;
  [key: string]: unknown;
}

interface PodSpec {
  containers: Container[];
  affinity?: unknown;
  [key: string]: unknown;
}

/** What the chart's values default to: read from config/'s rendering of the manager Deployment. */
export interface ChartDefaults {
  image: { repository: string; tag: string; pullPolicy: string };
  replicas: number;
  leaderElection: boolean;
  watchNamespaces: string[];
  resources: unknown;
  affinity: unknown;
}

function managerContainer(deployment: K8sObject): Container {
  const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
  const container = pod.containers.find((c) => c.name === 'manager');
  if (!container) throw new Error(`${objectKey(deployment)} has no container "manager"`);
  return container;
}

function chartDefaults(deployment: K8sObject): ChartDefaults {
  const spec = deployment.spec as { replicas: number; template: { spec: PodSpec } };
  const container = managerContainer(deployment);
  const leaderElect = (container.args ?? []).find((a) => a.startsWith('--leader-elect='));
  const watch = (container.env ?? []).find((e) => e.name === 'WATCH_NAMESPACES');
  if (!leaderElect) throw new Error('the manager container has no --leader-elect= argument');
  if (!watch || watch.value === undefined)
    throw new Error('the manager container has no WATCH_NAMESPACES value');
  return {
    image: { ...splitImage(container.image), pullPolicy: container.imagePullPolicy ?? 'IfNotPresent' },
    replicas: spec.replicas,
    leaderElection: leaderElect === '--leader-elect=true',
    watchNamespaces: watch.value.split(',').filter(Boolean),
    resources: container.resources ?? {},
    affinity: spec.template.spec.affinity ?? {},
  };
}

/** The Deployment's template: values in place of the image, replicas, args, env, resources, placement. */
function templateDeployment(deployment: K8sObject, tokens: Tokens): K8sObject {
  const spec = deployment.spec as { replicas: unknown; template: { spec: PodSpec } };
  spec.replicas = tokens.scalar('{{ .Values.replicas }}');
  const pod = spec.template.spec;
  const container = managerContainer(deployment);
  container.image = tokens.scalar('"{{ .Values.image.repository }}:{{ .Values.image.tag }}"');
  container.imagePullPolicy = tokens.scalar('{{ .Values.image.pullPolicy }}');
  container.args = [
    ...(container.args ?? []).map((a) =>
      a.startsWith('--leader-elect=')
        ? `--leader-elect=${tokens.scalar('{{ .Values.leaderElection.enabled }}')}`
        : a,
    ),
    tokens.block((i) => [`${i}{{- range .Values.extraArgs }}`, `${i}- {{ . | quote }}`, `${i}{{- end }}`]),
  ];
  for (const env of container.env ?? []) {
    if (env.name === 'WATCH_NAMESPACES')
      env.value = tokens.scalar('{{ join "," .Values.watchNamespaces | quote }}');
  }
  const containerEntries = Object.entries(container).map(([k, v]): [string, unknown] =>
    k === 'resources'
      ? [
          tokens.block((i) => [
            `${i}resources:`,
            `${i}  {{- toYaml .Values.resources | nindent ${i.length + 2} }}`,
          ]),
          null,
        ]
      : [k, v],
  );
  if (!('resources' in container)) throw new Error('the manager container has no resources');
  pod.containers = pod.containers.map((c) =>
    c === container ? (Object.fromEntries(containerEntries) as Container) : c,
  );
  // Placement: affinity defaults to config's; nodeSelector, tolerations and pull secrets when set.
  const podEntries = Object.entries(pod).filter(([k]) => k !== 'affinity');
  spec.template.spec = Object.fromEntries([
    ...podEntries,
    [tokens.block(optionalBlock('affinity', 'affinity')), null],
    [tokens.block(optionalBlock('nodeSelector', 'nodeSelector')), null],
    [tokens.block(optionalBlock('tolerations', 'tolerations')), null],
    [tokens.block(optionalBlock('imagePullSecrets', 'imagePullSecrets')), null],
  ]) as PodSpec;
  return deployment;
}

/** The template of the objects of one source file, or undefined when the chart leaves them out. */
function templateFile(
  objects: K8sObject[],
  source: string,
  namespace: string,
): { file: string; text: string } | undefined {
  const kept = objects.filter((o) => o.kind !== 'Namespace'); // the release namespace instead
  if (kept.length === 0) return undefined;
  const isCrd = source.startsWith('crds/');
  const file = isCrd
    ? `templates/crd/${path.basename(source)}`
    : `templates/${path.relative('config', source)}`;
  const gate = isCrd
    ? '.Values.crds.install'
    : /^config\/rbac\/leader_election_role(_binding)?\.yaml$/.test(source)
      ? '.Values.leaderElection.enabled'
      : OPTIONAL_RESOURCES.filter((o) => source.startsWith(`${o.dir}/`)).map((o) => `.Values.${o.value}`)[0];

  const docs = kept.map((original) => {
    const tokens = new Tokens();
    let object = structuredClone(original);
    if (object.kind === 'Deployment') object = templateDeployment(object, tokens);
    object = replaceStrings(object, namespace, tokens.scalar('{{ .Release.Namespace }}')) as K8sObject;
    const { [KUSTOMIZE_MANAGED_BY]: _, ...labels } = object.metadata.labels ?? {};
    const metadata: Record<string, unknown> = {
      ...object.metadata,
      labels: {
        ...labels,
        [tokens.block((i) => [`${i}{{- include "${CHART_NAME}.labels" . | nindent ${i.length} }}`])]: null,
      },
    };
    if (isCrd) {
      if (object.metadata.annotations)
        throw new Error(`${source}: the CRD's annotations would be overwritten`);
      // Kept on `helm uninstall` (and so every suite and policy in the cluster), unless crds.keep=false.
      metadata[
        tokens.block((i) => [
          `${i}{{- if .Values.crds.keep }}`,
          `${i}annotations:`,
          `${i}  helm.sh/resource-policy: keep`,
          `${i}{{- end }}`,
        ])
      ] = null;
    }
    return tokens.render({ ...object, metadata });
  });
  const header = `# Generated from ${source} by hack/release (make build-installer): edit config/, not this file.\n`;
  let text = header + docs.join('---\n');
  if (kept.some((o) => o.kind === 'Deployment')) {
    text =
      '{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}\n' +
      '{{- fail "replicas > 1 needs leaderElection.enabled=true: without a leader every replica reconciles" }}\n' +
      '{{- end }}\n' +
      text;
  }
  if (gate) text = `{{- if ${gate} }}\n${text}{{- end }}\n`;
  return { file: path.join(CHART_DIR, file), text };
}

function helpers(): string {
  return `{{/* Generated by hack/release (make build-installer). */}}

{{/* The chart label's value: name-version. */}}
{{- define "${CHART_NAME}.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Helm's labels, on every object next to those config/ gives it (app.kubernetes.io/name and part-of;
kustomize's managed-by is replaced). Not on the Deployment's selector, which must not change.
*/}}
{{- define "${CHART_NAME}.labels" -}}
helm.sh/chart: {{ include "${CHART_NAME}.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
`;
}

/** values.yaml: every default from config/, each value explained. */
function valuesYaml(d: ChartDefaults): string {
  const block = (value: unknown, indent: string): string =>
    stringify(value, { lineWidth: 0 })
      .trimEnd()
      .split('\n')
      .map((l) => indent + l)
      .join('\n');
  const inline = (value: unknown): string => stringify(value, { lineWidth: 0 }).trimEnd();
  return `# Values of the ${CHART_NAME} chart. Generated by hack/release (make build-installer) from config/:
# the defaults render what \`kubectl kustomize config/default\` renders. Edit config/, not this file.
#
# Everything goes into the release namespace, which the chart does not create (helm install
# --create-namespace does): label it for the restricted Pod Security Standard the operator's pods meet,
# as config/default's Namespace is (see the chart's NOTES). Object names are fixed (bench-operator-...):
# the operator, its ClusterRoles and the CRDs are one per cluster.

image:
  # The operator's image (config/manager/kustomization.yaml pins it).
  repository: ${inline(d.image.repository)}
  tag: ${inline(d.image.tag)}
  pullPolicy: ${inline(d.image.pullPolicy)}

# Pull secrets for a private registry, e.g. [{ name: my-registry }].
imagePullSecrets: []

# One leader reconciles; a standby takes its Lease over within 15 s. More than one needs leader election.
replicas: ${inline(d.replicas)}

leaderElection:
  # --leader-elect, and the Role and RoleBinding for its Lease in the release namespace.
  enabled: ${inline(d.leaderElection)}

# Namespaces whose suites and policies the operator watches (WATCH_NAMESPACES); empty: every
# namespace. The ClusterRole still applies: narrow it to RoleBindings per namespace if you do.
watchNamespaces: ${inline(d.watchNamespaces)}

# More flags of the operator, after the chart's own. For example the audit webhook (docs/audit.md;
# the Secret in the release namespace):
#   - --audit-webhook-url=https://siem.example.com/bench-operator
#   - --audit-signing-key-secret=bench-operator-audit-signing-key
# commit statuses on GitHub (docs/gitops.md):
#   - --gitops-github-secret=bench-operator-github
#   - --gitops-github-repository=my-org/benchmarks
# revisions from Flux or Argo CD (docs/gitops.md; with rbac.gitops.enable):
#   - --gitops-revision-sources=flux,argocd
# run artifacts in an S3-compatible store (docs/results.md#artifacts; the Secret in each suite's
# namespace):
#   - --artifacts-s3-bucket=bench-artifacts
#   - --artifacts-secret=bench-artifacts
extraArgs: []

# The operator container's resources.
resources:
${block(d.resources, '  ')}

# The pod's placement. The default affinity spreads the replicas over nodes.
affinity:
${block(d.affinity, '  ')}
nodeSelector: {}
tolerations: []

crds:
  # The three CRDs, as templates so that \`helm upgrade\` updates their schemas too. Off when
  # they are installed another way (kubectl apply -k config/crd).
  install: true
  # helm.sh/resource-policy: keep, so that \`helm uninstall\` leaves the CRDs, and with them
  # every BenchmarkSuite, ProviderPolicy and SchedulePolicy in the cluster.
  keep: true

rbac:
  gitops:
    # Read access to Flux Kustomizations and Argo CD Applications, for --gitops-revision-sources
    # (config/rbac/gitops). Off by default: an Application may carry Helm values kept private.
    enable: false

prometheus:
  # A Service and ServiceMonitor for /metrics, and the alerting rules as a PrometheusRule
  # (config/prometheus). Needs the Prometheus Operator's CRDs.
  enable: false
`;
}

/** values.schema.json: the types of the values, so that `helm install` refuses a misspelled one. */
function valuesSchema(): string {
  const bool = { type: 'boolean' };
  const strings = { type: 'array', items: { type: 'string' } };
  const object = { type: 'object' };
  const closed = (properties: Record<string, unknown>) => ({
    type: 'object',
    additionalProperties: false,
    properties,
  });
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...closed({
      global: object,
      image: closed({
        repository: { type: 'string', minLength: 1 },
        tag: { type: 'string', minLength: 1 },
        pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
      }),
      imagePullSecrets: { type: 'array', items: object },
      replicas: { type: 'integer', minimum: 0 },
      leaderElection: closed({ enabled: bool }),
      watchNamespaces: strings,
      extraArgs: strings,
      resources: object,
      affinity: object,
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
      tolerations: { type: 'array', items: object },
      crds: closed({ install: bool, keep: bool }),
      rbac: closed({ gitops: closed({ enable: bool }) }),
      prometheus: closed({ enable: bool }),
    }),
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

function notes(namespaceLabels: Record<string, string>): string {
  const podSecurity = Object.entries(namespaceLabels)
    .filter(([k]) => k.startsWith('pod-security.kubernetes.io/'))
    .map(([k, v]) => `${k}=${v}`);
  return `{{- /* Generated by hack/release (make build-installer). */ -}}
bench-operator {{ .Chart.AppVersion }} is installed in the namespace {{ .Release.Namespace }}.

The operator's pods meet the restricted Pod Security Standard. Enforce it on the namespace, as
config/default's Namespace does (Helm's --create-namespace creates it without labels):

  kubectl label namespace {{ .Release.Namespace }} ${podSecurity.join(' ')} --overwrite

Then: kubectl apply -f examples/ (or -k config/samples) in a namespace of yours, and
kubectl get benchmarks -A.
`;
}

/** Every file of dist/install.yaml and dist/chart, by path from the repository root. */
export async function renderRelease(root: string, options: ReleaseOptions): Promise<Map<string, string>> {
  const { installer, defaults, all } = await renderConfig(root, options);
  const files = new Map<string, string>();
  files.set(
    INSTALLER,
    '# bench-operator: CRDs, RBAC and the operator in bench-operator-system. Generated from config/default by\n' +
      '# `make build-installer`: edit config/, not this file. kubectl apply -f dist/install.yaml\n' +
      installer,
  );

  // The objects config/default renders must be exactly those of the chart's rendering that are not opt-in.
  const optional = (origin: string) => OPTIONAL_RESOURCES.some((o) => origin.startsWith(`${o.dir}/`));
  const chartDefaultsSet = all.filter((a) => !optional(a.origin)).map((a) => a.object);
  for (const object of defaults) {
    const same = chartDefaultsSet.find((o) => objectKey(o) === objectKey(object));
    if (!same || !isDeepStrictEqual(same, object))
      throw new Error(
        `${objectKey(object)}: config/default renders it differently with the opt-in parts added`,
      );
  }
  if (chartDefaultsSet.length !== defaults.length) throw new Error('the opt-in parts changed config/default');

  const namespaceObject = defaults.find((o) => o.kind === 'Namespace');
  const deployment = defaults.find((o) => o.kind === 'Deployment');
  if (!namespaceObject || !deployment)
    throw new Error('config/default renders no Namespace or no Deployment');
  const namespace = namespaceObject.metadata.name;
  const d = chartDefaults(deployment);
  const version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string })
    .version;

  const chart = {
    apiVersion: 'v2',
    name: CHART_NAME,
    description:
      'Runs AI/LLM benchmark suites across providers and models as Kubernetes Jobs, declaratively, from Git. ' +
      'Generated from config/ by hack/release (make build-installer).',
    type: 'application',
    version,
    appVersion: d.image.tag,
  };
  files.set(`${CHART_DIR}/Chart.yaml`, stringify(chart, { lineWidth: 0 }));
  files.set(`${CHART_DIR}/values.yaml`, valuesYaml(d));
  files.set(`${CHART_DIR}/values.schema.json`, valuesSchema());
  files.set(
    `${CHART_DIR}/.helmignore`,
    '# Generated by hack/release (make build-installer).\n.DS_Store\n*.orig\n*.swp\n*~\n',
  );
  files.set(`${CHART_DIR}/templates/_helpers.tpl`, helpers());
  files.set(`${CHART_DIR}/templates/NOTES.txt`, notes(namespaceObject.metadata.labels ?? {}));

  const bySource = new Map<string, K8sObject[]>();
  for (const { object, origin } of all) bySource.set(origin, [...(bySource.get(origin) ?? []), object]);
  for (const [source, objects] of bySource) {
    const template = templateFile(objects, source, namespace);
    if (!template) continue;
    if (files.has(template.file)) throw new Error(`two sources make ${template.file}`);
    files.set(template.file, template.text);
  }
  return files;
}
