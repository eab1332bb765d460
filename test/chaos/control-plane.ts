// Restarts one process of the local control plane (kube-apiserver, etcd), as a node reboot or a
// crash-looping static pod would. kwokctl can only stop and start a whole cluster, so this does for
// one component what its binary runtime does: it reads the component's command line from the
// cluster's kwok.yaml, stops the process named by its pid file, and starts it again with the same
// binary, arguments, working directory and log file, writing the new pid where kwokctl (and
// `cluster.sh down`) will find it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../support/paths.ts';
import { kubectl } from '../support/kubectl.ts';
import { waitFor } from '../support/wait.ts';

export type Component = 'kube-apiserver' | 'etcd';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
export async function restartComponent(name: Component, how: 'graceful' | 'crash' = 'graceful'): Promise<number> {
  const spec = componentSpec(name);
  const pidFile = path.join(clusterDir(), 'pids', `${name}.pid`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const started = Date.now();
  if (alive(pid)) process.kill(pid, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
  await waitFor(`${name} (pid ${pid}) to exit`, () => ({ done: !alive(pid), seen: 'still running' }), {
    timeoutMs: 60_000,
    intervalMs: 50,
  });
  const log = openSync(path.join(clusterDir(), 'logs', `${name}.log`), 'a');
  const child = spawn(spec.binary, spec.args ?? [], {
    cwd: spec.workDir ?? clusterDir(),
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  await waitForApiServer();
  return Date.now() - started;
}
