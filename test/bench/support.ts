// Helpers shared by the benchmarks in test/bench/: they run as plain Node scripts (not vitest),
// against the cluster named by BENCH_KUBECONFIG (hack/bench.sh makes a separate one).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import type {
  BenchmarkSuite,
  ProviderPolicy,
  SchedulePolicy,
} from '../../operator/src/api/v1alpha1/index.ts';
import { providerPolicyType, schedulePolicyType } from '../../operator/src/controllers/resources.ts';
import { isAlreadyExists } from '../../operator/src/runtime/client/errors.ts';
import { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import { RestClient } from '../../operator/src/runtime/client/rest-client.ts';
import { consumeWatch, type WatchEvent } from '../../operator/src/runtime/informer/watch-stream.ts';
import { testenvBin } from '../support/paths.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const nodeBinary = path.join(repoRoot, 'node_modules/.bin/node');
export const benchKubeconfig =
  process.env.BENCH_KUBECONFIG ?? path.join(repoRoot, '.cache/testenv/perf-kubeconfig');
export const resultsDir = path.join(repoRoot, '.cache/bench');

/** Wall-clock ms with sub-ms precision, comparable across processes on this machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

export function loadKubeConfig(file = benchKubeconfig): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** A runtime client (the operator's own code path) with its own metrics registry. */
export async function benchClient(
  file = benchKubeconfig,
): Promise<{ client: KubeClient; registry: Registry }> {
  const registry = new Registry();
  const rest = await RestClient.create(loadKubeConfig(file), { registry });
  return { client: new KubeClient(rest), registry };
}

export const namespaceType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
};

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create(namespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  // Pods cannot be created before the namespace's default ServiceAccount exists.
  const serviceAccount: ResourceType = {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
  };
  await waitUntil(`ServiceAccount ${name}/default`, 60_000, async () => {
    try {
      await client.get(serviceAccount, name, 'default');
      return true;
    } catch {
      return false;
    }
  });
}

/** Polls check until it holds; a timeout names what was awaited and, given `seen`, what was last seen. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  intervalMs = 100,
  seen?: () => string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; last seen: ${seen()}` : ''}`,
      );
    await sleep(intervalMs);
  }
}

// The load of operator-throughput and operator-pod-memory: in one namespace, two ProviderPolicies
// and a SchedulePolicy, then suites of 2 targets × 5 benchmarks = 10 runs (Jobs) each.
const LOAD_TARGETS = [
  { name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' },
  { name: 'claude', providerRef: 'anthropic', model: 'claude-haiku-4-5' },
];
const LOAD_BENCHMARKS = ['mmlu', 'gsm8k', 'humaneval', 'truthfulqa', 'hellaswag'].map((name) => ({ name }));
export const RUNS_PER_SUITE = LOAD_TARGETS.length * LOAD_BENCHMARKS.length;

export type Suite = BenchmarkSuite & KubeObject;

/** The namespace (created if need be) with the load's ProviderPolicies and SchedulePolicy. */
export async function createFixtures(
  client: KubeClient,
  namespace: string,
  policySpec: SchedulePolicy['spec'] = {},
): Promise<{ providers: Map<string, ProviderPolicy & KubeObject>; policy: SchedulePolicy & KubeObject }> {
  await createNamespace(client, namespace);
  const providers = new Map<string, ProviderPolicy & KubeObject>();
  for (const provider of ['openai', 'anthropic'] as const) {
    // No maxConcurrentRuns: capacity is not what the benchmarks measure.
    const created = await client.create<ProviderPolicy & KubeObject>(providerPolicyType, {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: provider, namespace },
      spec: { provider },
    });
    providers.set(provider, created);
  }
  // Small requests, so 2,000 pods fit on 100 nodes of 16 CPUs at once.
  const policy = await client.create<SchedulePolicy & KubeObject>(schedulePolicyType, {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name: 'bench', namespace },
    spec: { resources: { requests: { cpu: '10m', memory: '16Mi' } }, ...policySpec },
  });
  return { providers, policy };
}

/** Suite number `index` of the load: suite-000, suite-001, ... */
export function suiteManifest(namespace: string, index: number): Suite {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: `suite-${String(index).padStart(3, '0')}`, namespace },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
      schedulePolicyRef: 'bench',
      targets: LOAD_TARGETS,
      benchmarks: LOAD_BENCHMARKS,
    },
  } as Suite;
}

/** The pinned kubectl (hack/testenv/versions.sh) on the benchmark's cluster; stdout, or an error with stderr. */
export function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      path.join(testenvBin, 'kubectl'),
      ['--kubeconfig', benchKubeconfig, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/**
 * A list + watch over one resource in one namespace that timestamps every event on arrival
 * (now(): epoch ms, comparable with other processes), re-watching from the last resourceVersion when the server
 * closes the stream. Good enough for a benchmark harness; not an informer.
 */
export class EventClock<T extends KubeObject> {
  readonly objects = new Map<string, T>();
  /** First ADDED (or first sight) per object name. */
  readonly addedAt = new Map<string, number>();
  private readonly client: KubeClient;
  private readonly type: ResourceType;
  private readonly namespace: string;
  private readonly onEvent: ((type: WatchEvent['type'], object: T, at: number) => void) | undefined;
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private running: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    type: ResourceType,
    namespace: string,
    onEvent?: (type: WatchEvent['type'], object: T, at: number) => void,
  ) {
    this.client = client;
    this.type = type;
    this.namespace = namespace;
    this.onEvent = onEvent;
  }

  async start(): Promise<void> {
    const list = await this.client.list<T>(this.type, { namespace: this.namespace });
    const at = now();
    for (const object of list.items) this.observe('ADDED', object, at);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  private observe(type: WatchEvent['type'], object: T, at: number): void {
    const name = object.metadata.name!;
    if (type === 'DELETED') this.objects.delete(name);
    else this.objects.set(name, object);
    if (type !== 'DELETED' && !this.addedAt.has(name)) this.addedAt.set(name, at);
    this.onEvent?.(type, object, at);
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const response = await this.client.watch(this.type, {
          namespace: this.namespace,
          resourceVersion: this.resourceVersion,
          timeoutSeconds: 600,
          signal: this.abort.signal,
        });
        if (!response.ok || !response.body)
          throw new Error(`watch ${this.type.plural}: HTTP ${response.status}`);
        await consumeWatch(
          response.body as ReadableStream<Uint8Array>,
          (event) => {
            const at = now();
            const object = event.object as unknown as T;
            if (event.type === 'ERROR')
              throw new Error(`watch ${this.type.plural}: ${JSON.stringify(event.object)}`);
            if (object.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
            if (event.type !== 'BOOKMARK') this.observe(event.type, object, at);
          },
          { stallTimeoutMs: 120_000 },
        );
      } catch (error) {
        if (this.abort.signal.aborted) return;
        log(`watch ${this.type.plural} in ${this.namespace} broke (${String(error)}); re-watching`);
        await sleep(200);
      }
    }
  }
}

/** rest_client_requests_total samples scraped from a Prometheus text endpoint. */
export interface RequestSample {
  method: string;
  code: string;
  value: number;
}

export async function scrapeRequests(metricsPort: number): Promise<RequestSample[]> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  return parseRequests(await response.text());
}

export function parseRequests(text: string): RequestSample[] {
  const samples: RequestSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('rest_client_requests_total{')) continue;
    const match = /^rest_client_requests_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]),
    );
    samples.push({ method: labels.method ?? '?', code: labels.code ?? '?', value: Number(match[2]) });
  }
  return samples;
}

/** after − before, per method (codes summed), plus "total". */
export function requestDelta(before: RequestSample[], after: RequestSample[]): Record<string, number> {
  const sum = (samples: RequestSample[]) => {
    const byMethod: Record<string, number> = {};
    for (const s of samples) byMethod[s.method] = (byMethod[s.method] ?? 0) + s.value;
    return byMethod;
  };
  const b = sum(before);
  const a = sum(after);
  const delta: Record<string, number> = {};
  let total = 0;
  for (const method of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (a[method] ?? 0) - (b[method] ?? 0);
    if (d !== 0) delta[method] = d;
    total += d;
  }
  delta.total = total;
  return delta;
}

export function writes(delta: Record<string, number>): number {
  return Object.entries(delta)
    .filter(([method]) => method !== 'GET' && method !== 'total')
    .reduce((sum, [, value]) => sum + value, 0);
}

/** VmHWM (peak resident set) and VmRSS of a process, in MiB. */
export function memoryOf(pid: number): { peakRssMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after "(comm) ": state is index 0, so utime (14th field) is index 11 and stime index 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Jobs/s of a set of arrival times: how many over the span from the first to the last. */
export function rate(times: number[]): {
  jobs: number;
  spanMs: number;
  perSecond: number;
  first: number;
  last: number;
} {
  const first = Math.min(...times);
  const last = Math.max(...times);
  const spanMs = last - first;
  return {
    jobs: times.length,
    spanMs,
    perSecond: spanMs > 0 ? (times.length / spanMs) * 1000 : NaN,
    first,
    last,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export interface ChildHandle {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the first capture group of the pattern once the output matches it. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns a Node process with its output in a log file (and kept in memory for matching). */
export function spawnNode(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): ChildHandle {
  mkdirSync(resultsDir, { recursive: true });
  const logFile = createWriteStream(path.join(resultsDir, `${name}.log`));
  const child = spawn(nodeBinary, [...nodeFlags, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 1_000_000) output += chunk.toString();
    logFile.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      output += `\n${String(error)}\n`;
      resolve(-1);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(pattern, timeoutMs) {
      let match: RegExpExecArray | null = null;
      await waitUntil(`${name} to print ${pattern}`, timeoutMs, () => {
        if (child.exitCode !== null)
          throw new Error(`${name} exited (${child.exitCode}):\n${output.slice(-3000)}`);
        match = pattern.exec(output);
        return match !== null;
      });
      return (match as RegExpExecArray | null)?.[1] ?? '';
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A fixed-width text table. */
export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v.padStart(valueWidth)} |`), line].join(
    '\n',
  );
}

/** One function's share of a CPU profile's busy (non-idle) samples. */
export interface ProfileEntry {
  /** `name file:line`, the file relative to the repository. */
  function: string;
  percent: number;
}

/**
 * Where a V8 .cpuprofile's busy time went: the share of samples not idle, and the top functions by
 * self time and by total time (the function or anything it called; recursion counted once), as
 * shares of the busy samples.
 */
export function summariseProfile(
  file: string,
  top = 15,
): { busyPercent: number; self: ProfileEntry[]; total: ProfileEntry[] } {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
  };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const label = ({ callFrame: f }: Node) =>
    `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '')}:${f.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id) => {
    const node = nodes.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    busy++;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = label(nodes.get(at)!);
      // The event loop's own frames sit under nearly everything: they say nothing.
      if (seen.has(key) || /^(\(root\)|runMicrotasks|processTicksAndRejections) /.test(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + 1);
    }
  });
  const ranked = (counts: Map<string, number>): ProfileEntry[] =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, count]) => ({ function: fn, percent: Math.round((count / busy) * 1000) / 10 }));
  const busyPercent = Math.round((busy / profile.samples.length) * 1000) / 10;
  return { busyPercent, self: ranked(self), total: ranked(total) };
}

/**
 * A pod's cgroups on the real node (hack/testenv/node): cgroup v1 with the kubelet's cgroupfs
 * driver, so a pod's cgroup is kubepods/<qos>/pod<uid> in each hierarchy (Guaranteed pods directly
 * under kubepods) and each container's is the container's id beneath it.
 */
export function podCgroupPath(
  controller: 'memory' | 'cpuacct',
  qosClass: string | undefined,
  podUid: string,
  containerId?: string,
  root = '/sys/fs/cgroup',
): string {
  const qos = qosClass === 'Guaranteed' ? '' : (qosClass ?? 'Burstable').toLowerCase();
  const pod = path.join(root, controller, 'kubepods', qos, `pod${podUid}`);
  // containerStatuses[].containerID is "containerd://<id>".
  return containerId ? path.join(pod, containerId.replace(/^[a-z]+:\/\//, '')) : pod;
}

/** What a cgroup v1 memory controller says, in bytes (counts for failcnt and oomKills). */
export interface CgroupMemory {
  /** memory.max_usage_in_bytes: the peak of usage (resident and page cache) since the cgroup was made. */
  maxUsage: number;
  usage: number;
  limit: number;
  /** memory.failcnt: how often usage hit the limit (and the kernel reclaimed, or failed to). */
  failcnt: number;
  /** memory.oom_control's oom_kill: processes the OOM killer killed in the cgroup. */
  oomKills: number;
  /** From memory.stat (this cgroup and its children): anonymous memory, page cache. */
  rss: number;
  cache: number;
}

export function readCgroupMemory(dir: string): CgroupMemory {
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const number = (file: string) => Number(read(file).trim());
  const fields = (file: string) =>
    new Map(
      read(file)
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
  const stat = fields('memory.stat');
  return {
    maxUsage: number('memory.max_usage_in_bytes'),
    usage: number('memory.usage_in_bytes'),
    limit: number('memory.limit_in_bytes'),
    failcnt: number('memory.failcnt'),
    oomKills: Number(fields('memory.oom_control').get('oom_kill') ?? NaN),
    rss: Number(stat.get('total_rss') ?? NaN),
    cache: Number(stat.get('total_cache') ?? NaN),
  };
}

/** CPU seconds the cgroup's processes used (cpuacct.usage), children and exited ones included. */
export function readCgroupCpuSeconds(dir: string): number {
  return Number(readFileSync(path.join(dir, 'cpuacct.usage'), 'utf8').trim()) / 1e9;
}

/** The largest VmHWM (peak resident set, MiB) among the processes of a memory cgroup, with its pid. */
export function peakRssInCgroup(
  dir: string,
): { pid: number; command: string; peakRssMiB: number } | undefined {
  let best: { pid: number; command: string; peakRssMiB: number } | undefined;
  for (const pid of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    try {
      const { peakRssMiB } = memoryOf(Number(pid));
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .join(' ')
        .slice(0, 120);
      if (!best || peakRssMiB > best.peakRssMiB) best = { pid: Number(pid), command, peakRssMiB };
    } catch {
      // exited meanwhile
    }
  }
  return best;
}

/** process.memoryUsage() in MiB, as the instrumented operator (profiled-operator.ts) samples it. */
export interface MemoryBreakdown {
  rssMiB: number;
  heapTotalMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

/**
 * What a BENCH_MEMORY_SAMPLES file says, from `since` (epoch ms) on: the sample with the largest
 * resident set (what it was made of at its peak), each field's own peak, and the largest live heap
 * (heapUsed right after a full collection; null when none happened).
 */
export function summariseMemory(
  file: string,
  since = 0,
):
  | { samples: number; atPeakRss: MemoryBreakdown; peaks: MemoryBreakdown; liveHeapPeakMiB: number | null }
  | undefined {
  const toMiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  type Sample = {
    at: number;
    afterMajorGc?: boolean;
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
  };
  type Field = 'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers';
  const samples = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Sample)
    .filter((s) => s.at >= since);
  if (samples.length === 0) return undefined;
  const breakdown = (pick: (field: Field) => number): MemoryBreakdown => ({
    rssMiB: toMiB(pick('rss')),
    heapTotalMiB: toMiB(pick('heapTotal')),
    heapUsedMiB: toMiB(pick('heapUsed')),
    externalMiB: toMiB(pick('external')),
    arrayBuffersMiB: toMiB(pick('arrayBuffers')),
  });
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
  const live = samples.filter((s) => s.afterMajorGc).map((s) => s.heapUsed);
  return {
    samples: samples.length,
    atPeakRss: breakdown((field) => peak[field]),
    peaks: breakdown((field) => samples.reduce((max, s) => Math.max(max, s[field]), 0)),
    liveHeapPeakMiB: live.length > 0 ? toMiB(live.reduce((a, b) => Math.max(a, b))) : null,
  };
}

/** The operator as a benchmarked process: profiled-operator.ts around main.ts, its ports once ready. */
export interface BenchOperator {
  handle: ChildHandle;
  pid: number;
  metricsPort: number;
  /** Where its process.memoryUsage() samples go (summariseMemory). */
  memorySamples: string;
}

/**
 * The V8 flags the operator ships with: NODE_OPTIONS of the manager container in config/manager
 * ('' when it sets none). The benchmarks run the operator process with them, unless
 * BENCH_OPERATOR_NODE_OPTIONS says otherwise ('' for V8's defaults on this machine).
 */
export function operatorNodeOptions(): string {
  const fromEnv = process.env.BENCH_OPERATOR_NODE_OPTIONS;
  if (fromEnv !== undefined) return fromEnv;
  const documents = parseAllDocuments(
    readFileSync(path.join(repoRoot, 'config/manager/manager.yaml'), 'utf8'),
  );
  for (const document of documents) {
    const object = document.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: { containers?: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> };
        };
      };
    };
    if (object?.kind !== 'Deployment') continue;
    const manager = object.spec?.template?.spec?.containers?.find((c) => c.name === 'manager');
    return manager?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
  }
  return '';
}

/**
 * Starts the operator (as `make run`, without leader election) on one namespace and waits until it
 * is ready. `nodeOptions` are its NODE_OPTIONS (operatorNodeOptions); `heapSnapshots` lets SIGUSR2
 * write a heap snapshot to .cache/bench/profiles/; `cpuProfile` is a file for the V8 sampling profiler.
 */
export async function startOperator(
  name: string,
  namespace: string,
  options: { nodeOptions: string; heapSnapshots?: boolean; cpuProfile?: string },
): Promise<BenchOperator> {
  const profiles = path.join(resultsDir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  const memorySamples = path.join(resultsDir, `${name}-memory.jsonl`);
  const handle = spawnNode(
    name,
    [
      'test/bench/profiled-operator.ts',
      '--leader-elect=false',
      `--namespaces=${namespace}`,
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
    ],
    {
      KUBECONFIG: benchKubeconfig,
      POD_NAME: `bench-${name}`,
      BENCH_MEMORY_SAMPLES: memorySamples,
      BENCH_PROFILE: options.cpuProfile ?? '',
      NODE_OPTIONS: options.nodeOptions,
    },
    options.heapSnapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${profiles}`] : [],
  );
  try {
    const metricsPort = Number(await handle.waitForOutput(/"metricsPort":(\d+)/, 60_000));
    const healthPort = Number(await handle.waitForOutput(/"healthPort":(\d+)/, 60_000));
    await waitUntil(`${name} to be ready`, 60_000, async () => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return response?.status === 200;
    });
    return { handle, pid: handle.child.pid!, metricsPort, memorySamples };
  } catch (error) {
    await handle.stop('SIGKILL');
    throw error;
  }
}

/**
 * Leaves a reused cluster tidy (hack/bench.sh removes its cluster anyway): deletes the
 * benchmark's namespaces, not waiting for them to go.
 */
export async function deleteNamespaces(client: KubeClient, names: string[]): Promise<void> {
  for (const name of names) await client.delete(namespaceType, undefined, name).catch(() => undefined);
}

/** Runs a benchmark's main: exits 0 once it is done, or 1 with the error printed. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** The machine a benchmark ran on, as each result records it, with the load averages it sampled. */
export function machine<Load>(loadAverage: Load) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage,
  };
}
