import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
// A pure parser of Go durations ("30s", "1m30s"), the format controller-runtime's flags take.
import { parseDuration } from '../../meta/duration.ts';
import { LOG_LEVELS } from '../log/logger.ts';

export interface ManagerOptions {
  /** Path to a kubeconfig; otherwise $KUBECONFIG, in-cluster, ~/.kube/config. */
  kubeconfig?: string;
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  /** Concurrent reconciles per controller, unless a controller sets its own. */
  workers: number;
  /** host:port for /healthz and /readyz; ":0" picks a free port. */
  healthProbeBindAddress: string;
  /** host:port for /metrics; "0" disables it. */
  metricsBindAddress: string;
  leaderElection: boolean;
  leaderElectionId: string;
  /** Defaults to the pod's namespace when in a cluster, else "default". */
  leaderElectionNamespace: string;
  /** Unique per replica: the pod name in a cluster. Used as lease holder and Event reportingInstance. */
  identity: string;
  /**
   * How long shutdown waits for in-flight reconciles before aborting them (controller-runtime's
   * GracefulShutdownTimeout); the Lease is released only after they ended.
   */
  gracefulShutdownTimeoutMs: number;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logLevel: string;
  /** Client-side API request starts per second; 0 turns the limit off (controller-runtime's default, APF guards the server). */
  kubeApiQps: number;
  /** Requests that may start at once before kubeApiQps applies. */
  kubeApiBurst: number;
}

export const defaultManagerOptions: ManagerOptions = {
  namespaces: [],
  workers: 4,
  healthProbeBindAddress: ':8081',
  metricsBindAddress: ':8080',
  leaderElection: true,
  leaderElectionId: 'bench-operator-leader',
  leaderElectionNamespace: 'default',
  identity: hostname(),
  gracefulShutdownTimeoutMs: 30_000,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  logLevel: 'info',
  kubeApiQps: 0,
  kubeApiBurst: 30,
};

const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

// controller-runtime's default: the Lease lives in the operator's own namespace when in a cluster.
function inClusterNamespace(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function positiveInt(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return parsed;
}

function nonNegativeNumber(name: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
    throw new Error(`--${name} must be a number of 0 or more, got "${value}"`);
  return parsed;
}

function duration(name: string, value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    ms = NaN;
  }
  if (!(ms >= 0))
    throw new Error(`--${name} must be a duration of 0 or more such as 30s or 1m30s, got "${value}"`);
  return ms;
}

function logLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  return value;
}

function bool(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`--${name} must be true or false, got "${value}"`);
}

/**
 * Options from flags (kubebuilder's names where they exist) over environment variables over
 * defaults. Environment: KUBECONFIG, WATCH_NAMESPACES (comma-separated), BENCH_WORKERS,
 * BENCH_LEADER_ELECT, POD_NAMESPACE, POD_NAME, BENCH_LOG_LEVEL, BENCH_KUBE_API_QPS,
 * BENCH_KUBE_API_BURST.
 */
export function parseManagerOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  namespaceFile = serviceAccountNamespaceFile,
): ManagerOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      workers: { type: 'string' },
      'health-probe-bind-address': { type: 'string' },
      'metrics-bind-address': { type: 'string' },
      'leader-elect': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'leader-election-namespace': { type: 'string' },
      identity: { type: 'string' },
      'graceful-shutdown-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      'kube-api-qps': { type: 'string' },
      'kube-api-burst': { type: 'string' },
    },
  });
  const namespaces = values.namespaces ?? env.WATCH_NAMESPACES ?? '';
  const workers = values.workers ?? env.BENCH_WORKERS;
  const leaderElect = values['leader-elect'] ?? env.BENCH_LEADER_ELECT;
  const gracefulShutdownTimeout = values['graceful-shutdown-timeout'];
  const kubeconfig = values.kubeconfig;
  const qps = values['kube-api-qps'] ?? env.BENCH_KUBE_API_QPS;
  const burst = values['kube-api-burst'] ?? env.BENCH_KUBE_API_BURST;
  return {
    ...defaultManagerOptions,
    ...(kubeconfig ? { kubeconfig } : {}),
    namespaces: namespaces
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    workers: workers ? positiveInt('workers', workers) : defaultManagerOptions.workers,
    healthProbeBindAddress:
      values['health-probe-bind-address'] ?? defaultManagerOptions.healthProbeBindAddress,
    metricsBindAddress: values['metrics-bind-address'] ?? defaultManagerOptions.metricsBindAddress,
    leaderElection: leaderElect ? bool('leader-elect', leaderElect) : defaultManagerOptions.leaderElection,
    leaderElectionId: values['leader-election-id'] ?? defaultManagerOptions.leaderElectionId,
    leaderElectionNamespace:
      values['leader-election-namespace'] ??
      env.POD_NAMESPACE ??
      inClusterNamespace(namespaceFile) ??
      defaultManagerOptions.leaderElectionNamespace,
    identity: values.identity ?? env.POD_NAME ?? defaultManagerOptions.identity,
    gracefulShutdownTimeoutMs: gracefulShutdownTimeout
      ? duration('graceful-shutdown-timeout', gracefulShutdownTimeout)
      : defaultManagerOptions.gracefulShutdownTimeoutMs,
    logLevel: logLevel(values['log-level'] ?? env.BENCH_LOG_LEVEL ?? defaultManagerOptions.logLevel),
    kubeApiQps: qps ? nonNegativeNumber('kube-api-qps', qps) : defaultManagerOptions.kubeApiQps,
    kubeApiBurst: burst ? positiveInt('kube-api-burst', burst) : defaultManagerOptions.kubeApiBurst,
  };
}

/** Splits "host:port" or ":port" (all interfaces). */
export function parseBindAddress(address: string): { host?: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad bind address "${address}"`);
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  return host ? { host, port } : { port };
}
