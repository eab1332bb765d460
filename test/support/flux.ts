// Flux, for real: source-controller and kustomize-controller (built from the Go module proxy by
// hack/testenv/build-flux.sh) run as local processes against the local cluster, as they run in
// flux-system, with their own CRDs. Each watches one namespace only (the test file's), so Flux
// objects that other tests create with a status of their own are left alone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { kubectl } from './kubectl.ts';
import { kubeconfigPath, repoRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

export const FLUX_GROUPS = {
  source: 'source.toolkit.fluxcd.io',
  kustomize: 'kustomize.toolkit.fluxcd.io',
} as const;

export interface FluxControllers {
  /** Where the controllers' logs go: .cache/test-logs/flux-<namespace>-<controller>.log. */
  logFiles: string[];
  /**
   * Asks for a reconciliation now, as `flux reconcile` does (the reconcile.fluxcd.io/requestedAt
   * annotation), instead of waiting for the object's interval.
   */
  reconcile(resource: 'gitrepository' | 'kustomization', name: string): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; removes the artifact storage. */
  stop(): Promise<void>;
}

/** Where hack/testenv/build-flux.sh puts bin/ and crds/, as hack/testenv/flux/versions.sh says. */
const fluxCache = execFileSync('bash', ['-c', 'source hack/testenv/flux/versions.sh && echo "$FLUX_CACHE"'], {
  cwd: repoRoot,
  encoding: 'utf8',
}).trim();

/** The build, complete; a test does not build it (minutes of compiling): make test-e2e does first. */
function fluxFolder(): string {
  if (!existsSync(path.join(fluxCache, '.complete')))
    throw new Error(
      `Flux's controllers are not built in ${fluxCache}: run make testenv-flux (make test-e2e does)`,
    );
  return fluxCache;
}

/**
 * Installs the CRDs of the built releases, as hack/install-crds.sh installs ours: server-side
 * apply, taking over from a stand-in another test may have created (test/fixtures/gitops).
 * Returns the folder of the build.
 */
export async function installFluxCrds(): Promise<string> {
  const folder = fluxFolder();
  const crds = path.join(folder, 'crds');
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  return folder;
}

interface Controller {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  logFile: string;
  output(): string;
}

function startController(
  folder: string,
  name: string,
  namespace: string,
  args: string[],
  logDir: string,
): Controller {
  const logFile = path.join(logDir, `flux-${namespace}-${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    path.join(folder, 'bin', name),
    ['--watch-all-namespaces=false', '--enable-leader-election=false', '--log-level=debug', ...args],
    {
      // RUNTIME_NAMESPACE is the one namespace a controller watches without --watch-all-namespaces.
      env: { ...process.env, KUBECONFIG: kubeconfigPath, RUNTIME_NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  return { name, child, exited, logFile, output: () => tail };
}

async function waitReady(controller: Controller, healthPort: number): Promise<void> {
  await waitFor(
    `${controller.name} to be ready on 127.0.0.1:${healthPort}/readyz`,
    async () => {
      if (controller.child.exitCode !== null)
        throw new Error(`${controller.name} exited ${controller.child.exitCode}: ${controller.output()}`);
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return { done: response.ok, seen: `${response.status}; ${controller.output().slice(-1000)}` };
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

async function stopController(controller: Controller): Promise<void> {
  if (controller.child.exitCode !== null || controller.child.signalCode !== null) return;
  controller.child.kill('SIGTERM');
  const killer = setTimeout(() => controller.child.kill('SIGKILL'), 10_000);
  await controller.exited;
  clearTimeout(killer);
}

/**
 * Starts both controllers for `namespace`, with their CRDs installed: source-controller keeps its
 * artifacts in a temporary folder and serves them on a free port of 127.0.0.1, which it
 * advertises in the artifact URLs kustomize-controller downloads.
 */
export async function startFlux(namespace: string): Promise<FluxControllers> {
  const folder = await installFluxCrds();
  const logDir = path.join(repoRoot, '.cache/test-logs');
  mkdirSync(logDir, { recursive: true });
  const storage = await mkdtemp(path.join(tmpdir(), 'bench-flux-'));
  const [sourceMetrics, sourceHealth, storagePort, kustomizeMetrics, kustomizeHealth] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const source = startController(
    folder,
    'source-controller',
    namespace,
    [
      `--metrics-addr=127.0.0.1:${sourceMetrics}`,
      `--health-addr=127.0.0.1:${sourceHealth}`,
      `--storage-path=${storage}`,
      `--storage-addr=127.0.0.1:${storagePort}`,
      `--storage-adv-addr=127.0.0.1:${storagePort}`,
    ],
    logDir,
  );
  const kustomize = startController(
    folder,
    'kustomize-controller',
    namespace,
    [`--metrics-addr=127.0.0.1:${kustomizeMetrics}`, `--health-addr=127.0.0.1:${kustomizeHealth}`],
    logDir,
  );
  const stop = async () => {
    await Promise.all([stopController(source), stopController(kustomize)]);
    await rm(storage, { recursive: true, force: true });
  };
  try {
    await Promise.all([waitReady(source, sourceHealth!), waitReady(kustomize, kustomizeHealth!)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    logFiles: [source.logFile, kustomize.logFile],
    async reconcile(resource, name) {
      const group = resource === 'gitrepository' ? FLUX_GROUPS.source : FLUX_GROUPS.kustomize;
      await kubectl(
        [
          'annotate',
          '--overwrite',
          `${resource}.${group}/${name}`,
          `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`,
        ],
        { namespace },
      );
    },
    stop,
  };
}

export interface FluxSyncOptions {
  /** The Git repository's URL (test/support/git-server.ts). */
  url: string;
  /** The folder of the repository the Kustomization applies. */
  path: string;
  /** How long a health check may wait on what it applied before it fails. */
  timeout: string;
  healthCheckExprs?: unknown[];
}

/**
 * A GitRepository and a Kustomization, both named `name`, in the test's namespace (which plays
 * flux-system): the Kustomization applies `path` of the branch main into the same namespace and
 * waits for what it applied to be healthy. Returns them as one YAML stream for kubectlApply.
 */
export function fluxSync(namespace: string, name: string, options: FluxSyncOptions): string {
  return [
    {
      apiVersion: `${FLUX_GROUPS.source}/v1`,
      kind: 'GitRepository',
      metadata: { name },
      spec: { interval: '30s', url: options.url, ref: { branch: 'main' } },
    },
    {
      apiVersion: `${FLUX_GROUPS.kustomize}/v1`,
      kind: 'Kustomization',
      metadata: { name },
      spec: {
        interval: '1m',
        sourceRef: { kind: 'GitRepository', name },
        path: options.path,
        targetNamespace: namespace,
        prune: true,
        wait: true,
        timeout: options.timeout,
        ...(options.healthCheckExprs ? { healthCheckExprs: options.healthCheckExprs } : {}),
      },
    },
  ]
    .map((object) => stringify(object))
    .join('---\n');
}

/**
 * Deletes fluxSync's objects while Flux still runs, so that its finalizers go and the namespace
 * can go too, then stops Flux.
 */
export async function deleteFluxSync(namespace: string, name: string, flux: FluxControllers): Promise<void> {
  await kubectl(['delete', `kustomizations.${FLUX_GROUPS.kustomize}`, name, '--timeout=120s'], {
    namespace,
    allowFailure: true,
  });
  await kubectl(['delete', `gitrepositories.${FLUX_GROUPS.source}`, name, '--timeout=60s'], {
    namespace,
    allowFailure: true,
  });
  await flux.stop();
}
