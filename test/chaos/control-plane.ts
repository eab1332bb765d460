// Restarts one process of the local control plane (kube-apiserver, etcd), as a node reboot or a
// crash-looping static pod would, and plays the kubelet for the others: kube-controller-manager and
// kube-scheduler exit when they cannot renew their own leases (an API server away for 10 s), and a
// real cluster's kubelet starts them again. kwokctl can only stop and start a whole cluster, so this
// does for one component what its binary runtime does: it reads the component's command line from
// the cluster's kwok.yaml and starts it with the same binary, arguments, working directory and log
// file, writing the new pid where kwokctl (and `cluster.sh down`) will find it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../support/paths.ts';
import { kubectl } from '../support/kubectl.ts';
import { waitFor } from '../support/wait.ts';

export type Component =
  'kube-apiserver' | 'etcd' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok-controller';

interface ComponentSpec {
  name: string;
  binary: string;
  args?: string[];
  workDir?: string;
}

function clusterDir(): string {
  return path.join(repoRoot, '.cache/testenv/kwok/clusters', process.env.CLUSTER_NAME ?? 'bench');
}

function componentSpec(name: Component): ComponentSpec {
  const text = readFileSync(path.join(clusterDir(), 'kwok.yaml'), 'utf8');
  for (const document of parseAllDocuments(text)) {
    const config = document.toJS() as { components?: ComponentSpec[] } | null;
    const found = config?.components?.find((c) => c.name === name);
    if (found) return found;
  }
  throw new Error(`no component ${name} in ${clusterDir()}/kwok.yaml`);
}

/** Running, and not a zombie waiting for its parent (this test, for a component it restarted). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function stop(name: Component, pid: number, signal: NodeJS.Signals): Promise<void> {
  if (alive(pid)) process.kill(pid, signal);
  await waitFor(
    `${name} (pid ${pid}) to exit after ${signal}`,
    () => ({ done: !alive(pid), seen: 'still running' }),
    {
      timeoutMs: 15_000,
      intervalMs: 50,
    },
  );
}

/** The API server answers /readyz (so etcd is back too), through the same kubeconfig the operator uses. */
export async function waitForApiServer(timeoutMs = 90_000): Promise<void> {
  await waitFor(
    'the API server to answer /readyz',
    async () => {
      const { stdout } = await kubectl(['get', '--raw', '/readyz', '--request-timeout=2s']);
      return { done: stdout.trim() === 'ok', seen: stdout.trim() };
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/**
 * Stops the component (SIGTERM, or SIGKILL for `crash`), starts it again, and waits until the API
 * server is ready. Returns how long the API was unavailable for this restart, in ms.
 */
export async function restartComponent(
  name: Component,
  how: 'graceful' | 'crash' = 'graceful',
): Promise<number> {
  const pid = Number(readFileSync(pidFileOf(name), 'utf8').trim());
  const started = Date.now();
  if (how === 'crash') await stop(name, pid, 'SIGKILL');
  else {
    // kube-apiserver's graceful shutdown waits for its open watches to drain, which the operator's
    // informers keep open: past 15 s it is killed, as the kubelet would after its grace period.
    await stop(name, pid, 'SIGTERM').catch(() => stop(name, pid, 'SIGKILL'));
  }
  startComponent(name);
  await waitForApiServer();
  return Date.now() - started;
}

const pidFileOf = (name: Component) => path.join(clusterDir(), 'pids', `${name}.pid`);

function startComponent(name: Component): void {
  const spec = componentSpec(name);
  const log = openSync(path.join(clusterDir(), 'logs', `${name}.log`), 'a');
  const child = spawn(spec.binary, spec.args ?? [], {
    cwd: spec.workDir ?? clusterDir(),
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(pidFileOf(name), String(child.pid));
}

const SUPERVISED: Component[] = ['kube-controller-manager', 'kube-scheduler', 'kwok-controller'];

/**
 * Starts again, within half a second, any of the components a kubelet would restart that exited.
 * Returns how many times each was restarted, and a stop function.
 */
export function superviseControlPlane(): { restarts: Record<string, number>; stop(): void } {
  const restarts: Record<string, number> = {};
  const timer = setInterval(() => {
    for (const name of SUPERVISED) {
      if (alive(Number(readFileSync(pidFileOf(name), 'utf8').trim()))) continue;
      startComponent(name);
      restarts[name] = (restarts[name] ?? 0) + 1;
    }
  }, 500);
  return { restarts, stop: () => clearInterval(timer) };
}
