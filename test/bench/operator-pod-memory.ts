// Benchmark: the operator's memory as a pod, under operator-throughput's load. operator-throughput
// runs the operator as a process without a memory limit (its peak RSS: 520–580 MiB); here it runs
// as users install it, from dist/install.yaml (2 replicas, leader election, the shipped 512Mi limit,
// the restricted profile), on the cluster's real node, and the question is whether it lives through
// the load. Run by `make bench` (hack/bench.sh), which adds the real node to its cluster for it:
//
//   BENCH_ONLY=operator-pod-memory make bench
//
// Environment: BENCH_SUITES (200), BENCH_SUCCEEDED_WAIT_SECONDS (1200), BENCH_AFTER_SECONDS (120),
// CLUSTER_NAME (bench-perf) and BENCH_KUBECONFIG (as hack/bench.sh sets them). Writes .cache/bench/operator-pod-memory.json. Needs
// root (it reads the pods' cgroups and processes on this machine).
//
// 1. The image from `make images` (hack/images/build.sh, cached) is imported into the real node
//    (node.sh load), and dist/install.yaml applied with only what this cluster needs patched in:
//    placement on the real node (its label and taint) and WATCH_NAMESPACES, the benchmark's
//    namespace. Both replicas Ready on the real node, one holding the Lease.
// 2. The load of operator-throughput (support.ts: 200 suites × 10 runs, their Jobs' pods on the
//    KWOK nodes), created at once; then the wait until every suite is Succeeded (bounded; a timeout
//    still reports everything below, and says what it saw), and BENCH_AFTER_SECONDS more of
//    sampling: what the operator still does then (its Event backlog) and whether its memory settles.
// 3. Meanwhile and at the end, from this machine: each pod's cgroup (v1: kubepods/<qos>/pod<uid>,
//    and each container's beneath it): peak usage (memory.max_usage_in_bytes), failcnt, OOM kills,
//    rss and cache; the container process's peak RSS (VmHWM); the V8 heap in use (the pod's
//    /metrics, over the node's bridge, with external memory and GC time); the containers' restartCount and lastState (an OOMKilled
//    restart is the finding that matters) with the log of each restarted container; the Lease
//    holder; the pods' CPU time (cpuacct.usage). At the end, the V8 heap limit inside the pod.
//
// bench: real-node
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Job, V1Lease, V1Pod } from '@kubernetes/client-node';
import { benchmarkSuiteType, jobType, podType } from '../../operator/src/controllers/resources.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import {
  OPERATOR_DEPLOYMENT as DEPLOYMENT,
  OPERATOR_IMAGE,
  OPERATOR_NAMESPACE as SYSTEM,
  REAL_NODE,
  realNodeInstallKustomization,
  realNodePlacement,
} from '../support/real-node.ts';
import {
  benchClient,
  benchKubeconfig,
  type CgroupMemory,
  createFixtures,
  EventClock,
  kubectl,
  log,
  machine,
  namespaceType,
  now,
  peakRssInCgroup,
  podCgroupPath,
  readCgroupCpuSeconds,
  readCgroupMemory,
  repoRoot,
  resultsDir,
  round,
  RUNS_PER_SUITE,
  type Suite,
  suiteManifest,
  table,
  waitUntil,
} from './support.ts';

const SUITES = Number(process.env.BENCH_SUITES ?? 200);
const JOBS = SUITES * RUNS_PER_SUITE;
const SUCCEEDED_WAIT_MS = Number(process.env.BENCH_SUCCEEDED_WAIT_SECONDS ?? 1200) * 1000;
const AFTER_MS = Number(process.env.BENCH_AFTER_SECONDS ?? 120) * 1000;
const CLUSTER = process.env.CLUSTER_NAME ?? 'bench-perf';
const SELECTOR = 'control-plane=controller-manager';
const CONTAINER = 'manager';
const NODE_SCRIPT = path.join(repoRoot, 'hack/testenv/node/node.sh');
const MiB = 2 ** 20;

type Job = V1Job & KubeObject;
type Pod = V1Pod & KubeObject;
type Lease = V1Lease & KubeObject;
const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
};

const mib = (bytes: number) => round(bytes / MiB);

/** Runs a script of the repository; its stderr goes on to ours when `show`. */
function script(
  file: string,
  args: string[],
  show = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: repoRoot,
      // node.sh acts on the node of the cluster it is named (its default is the dev cluster's).
      env: { ...process.env, CLUSTER_NAME: CLUSTER, BENCH_KUBECONFIG: benchKubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (show) process.stderr.write(chunk);
    });
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: `${stderr}${String(error)}` }));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A precondition not met: said in one sentence, without a stack. */
class NotRunnable extends Error {}

/** The real node Ready in this cluster, or why not, plainly (another cluster's node, none...). */
async function requireRealNode(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new NotRunnable(
      "it reads the operator pods' cgroups and processes on this machine: run it as root",
    );
  if ((await script(NODE_SCRIPT, ['status'])).code === 0) return;
  const available = await script(NODE_SCRIPT, ['available']);
  const owner = await script(NODE_SCRIPT, ['owner']);
  let why: string;
  if (available.code !== 0) why = available.stderr.trim().replace(/^\[node\] /, '');
  else if (owner.code === 0 && owner.stdout.trim() === CLUSTER)
    why = `its node ${REAL_NODE} is not Ready (see .cache/testenv/node/logs)`;
  else why = `the cluster has none (REAL_NODE=1 CLUSTER_NAME=${CLUSTER} hack/testenv/cluster.sh up adds it)`;
  throw new NotRunnable(
    `it needs the real node ${REAL_NODE} in cluster '${CLUSTER}' (${benchKubeconfig}), and ${why}`,
  );
}

/** The operator image of `make images`, imported into the real node; returns its archive. */
async function loadOperatorImage(): Promise<string> {
  const built = await script(path.join(repoRoot, 'hack/images/build.sh'), [], true);
  if (built.code !== 0) throw new Error(`hack/images/build.sh failed (exit ${built.code}, above)`);
  const archive = /^bench-operator=(.+)$/m.exec(built.stdout)?.[1];
  if (!archive)
    throw new Error(`hack/images/build.sh printed no bench-operator=<archive> line:\n${built.stdout}`);
  const loaded = await script(NODE_SCRIPT, ['load', archive], true);
  if (loaded.code !== 0) throw new Error(`node.sh load ${archive} failed (exit ${loaded.code}, above)`);
  return archive;
}

async function renderInstall(namespace: string): Promise<string> {
  const dir = realNodeInstallKustomization(namespace);
  try {
    return await kubectl(['kustomize', dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Everything of the install but the CRDs (the cluster's, installed by hack/bench.sh), deleted and gone. */
async function removeInstall(rendered: string): Promise<void> {
  const objects = rendered
    .split(/^---$/m)
    .filter((doc) => doc.trim() && !/^kind: CustomResourceDefinition$/m.test(doc))
    .join('---\n');
  await kubectl(['delete', '--wait=true', '--timeout=300s', '--ignore-not-found', '-f', '-'], objects);
}

const operatorPods = async (client: KubeClient): Promise<Pod[]> =>
  (await client.list<Pod>(podType, { namespace: SYSTEM, labelSelector: SELECTOR })).items.filter(
    (pod) => !pod.metadata.deletionTimestamp,
  );

const managerStatus = (pod: Pod) => pod.status?.containerStatuses?.find((c) => c.name === CONTAINER);

const describePods = (pods: Pod[]) =>
  JSON.stringify(
    pods.map((pod) => ({
      name: pod.metadata.name,
      node: pod.spec?.nodeName,
      phase: pod.status?.phase,
      ready: pod.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      manager: managerStatus(pod),
    })),
  );

/** The Lease holder, if any holds it. */
async function leaseHolder(client: KubeClient): Promise<string | undefined> {
  const leases = (await client.list<Lease>(leaseType, { namespace: SYSTEM })).items;
  return leases.map((lease) => lease.spec?.holderIdentity).find((holder) => holder);
}

/** What one container (by id: a restart is a new one) showed while it was sampled. */
interface ContainerRecord {
  containerId: string;
  firstSeenS: number;
  lastSeenS: number;
  memory?: CgroupMemory;
  peakRssMiB?: number;
  cpuSeconds?: number;
}

interface RestartRecord {
  atS: number;
  restartCount: number;
  lastState: unknown;
  previousLogTail?: string;
}

/** One operator pod as sampled: its cgroups, containers, restarts and /metrics. */
class PodRecord {
  readonly name: string;
  readonly uid: string;
  readonly qosClass: string | undefined;
  podIP: string | undefined;
  restartCount = 0;
  lastStatus: unknown;
  readonly restarts: RestartRecord[] = [];
  readonly containers = new Map<string, ContainerRecord>();
  /** [seconds since the load began, pod cgroup usage MiB, V8 heap used MiB, external MiB] (null: not scraped). */
  readonly timeline: Array<[number, number, number | null, number | null]> = [];
  heapUsedPeakMiB = 0;
  heapTotalPeakMiB = 0;
  externalPeakMiB = 0;
  /** nodejs_gc_duration_seconds_sum over the kinds, first and last scraped. */
  gcSeconds: { first?: number; last?: number } = {};
  currentContainerId: string | undefined;

  constructor(pod: Pod) {
    this.name = pod.metadata.name!;
    this.uid = pod.metadata.uid!;
    this.qosClass = pod.status?.qosClass;
    this.podIP = pod.status?.podIP;
    this.restartCount = managerStatus(pod)?.restartCount ?? 0;
  }

  memoryDir(containerId?: string) {
    return podCgroupPath('memory', this.qosClass, this.uid, containerId);
  }

  cpuDir(containerId?: string) {
    return podCgroupPath('cpuacct', this.qosClass, this.uid, containerId);
  }

  /** The pod cgroup and the current container's, read now (the container's kept by id). */
  readCgroups(atS: number): CgroupMemory {
    const pod = readCgroupMemory(this.memoryDir());
    const id = this.currentContainerId;
    if (id && existsSync(this.memoryDir(id))) {
      const record = this.containers.get(id) ?? { containerId: id, firstSeenS: atS, lastSeenS: atS };
      try {
        record.memory = readCgroupMemory(this.memoryDir(id));
        record.cpuSeconds = readCgroupCpuSeconds(this.cpuDir(id));
        const rss = peakRssInCgroup(this.memoryDir(id));
        if (rss) record.peakRssMiB = Math.max(record.peakRssMiB ?? 0, rss.peakRssMiB);
        record.lastSeenS = atS;
      } catch {
        // the container's cgroup went away between the check and the reads (a restart)
      }
      this.containers.set(id, record);
    }
    return pod;
  }
}

/** Samples the operator pods while the load runs: cgroups every 2 s, the API every 5 s, /metrics every 10 s. */
class Sampler {
  readonly pods = new Map<string, PodRecord>();
  readonly holders: Array<{ atS: number; holder: string | undefined }> = [];
  private readonly client: KubeClient;
  private readonly t0: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private lastTimeline = -Infinity;

  constructor(client: KubeClient, t0: number, pods: Pod[]) {
    this.client = client;
    this.t0 = t0;
    for (const pod of pods) this.track(pod);
  }

  seconds(): number {
    return round((now() - this.t0) / 1000);
  }

  start(): void {
    this.every(2000, () => this.sampleCgroups());
    this.every(5000, () => this.sampleApi());
    this.every(10_000, () => this.sampleMetrics());
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.pending]);
  }

  /** Runs fn every intervalMs, never twice at once; a failed sample is logged, not fatal. */
  private every(intervalMs: number, fn: () => void | Promise<void>): void {
    let busy = false;
    this.timers.push(
      setInterval(() => {
        if (busy) return;
        busy = true;
        const run = Promise.resolve()
          .then(fn)
          .catch((error: unknown) => log(`sample: ${String(error)}`))
          .finally(() => {
            busy = false;
            this.pending.delete(run);
          });
        this.pending.add(run);
      }, intervalMs),
    );
  }

  private track(pod: Pod): PodRecord {
    let record = this.pods.get(pod.metadata.uid!);
    if (!record) {
      record = new PodRecord(pod);
      this.pods.set(record.uid, record);
    }
    record.podIP = pod.status?.podIP ?? record.podIP;
    record.currentContainerId = managerStatus(pod)?.containerID?.replace(/^[a-z]+:\/\//, '');
    record.lastStatus = managerStatus(pod);
    return record;
  }

  sampleCgroups(): void {
    const atS = this.seconds();
    const keep = atS - this.lastTimeline >= 5;
    for (const record of this.pods.values()) {
      if (!existsSync(record.memoryDir())) continue;
      const pod = record.readCgroups(atS);
      if (keep) record.timeline.push([atS, mib(pod.usage), null, null]);
    }
    if (keep) this.lastTimeline = atS;
  }

  async sampleApi(): Promise<void> {
    const atS = this.seconds();
    for (const pod of await operatorPods(this.client)) {
      const record = this.track(pod);
      const status = managerStatus(pod);
      const count = status?.restartCount ?? 0;
      if (count > record.restartCount) {
        const restart: RestartRecord = { atS, restartCount: count, lastState: status?.lastState };
        record.restarts.push(restart);
        record.restartCount = count;
        const terminated = status?.lastState?.terminated;
        log(
          `operator pod ${record.name} restarted (${count}): ${terminated?.reason ?? '?'}, exit ${terminated?.exitCode ?? '?'}`,
        );
        restart.previousLogTail = await kubectl([
          'logs',
          '-n',
          SYSTEM,
          record.name,
          '-c',
          CONTAINER,
          '--previous',
          '--tail=30',
        ]).catch((error: unknown) => `(kubectl logs --previous: ${String(error)})`);
      }
    }
    const holder = await leaseHolder(this.client);
    if (this.holders.at(-1)?.holder !== holder) {
      if (this.holders.length > 0) log(`operator Lease: ${this.holders.at(-1)?.holder} → ${holder}`);
      this.holders.push({ atS, holder });
    }
  }

  async sampleMetrics(): Promise<void> {
    for (const record of this.pods.values()) {
      if (!record.podIP) continue;
      // The node's bridge is this machine's: pods' addresses are reachable from here.
      const response = await fetch(`http://${record.podIP}:8080/metrics`, {
        signal: AbortSignal.timeout(3000),
      }).catch(() => undefined);
      if (!response?.ok) continue;
      const text = await response.text();
      const gauge = (name: string) =>
        Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]);
      const used = gauge('nodejs_heap_size_used_bytes');
      const total = gauge('nodejs_heap_size_total_bytes');
      const external = gauge('nodejs_external_memory_bytes');
      const gc = [...text.matchAll(/^nodejs_gc_duration_seconds_sum(?:\{[^}]*\})? (\S+)/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
      const last = record.timeline.at(-1);
      if (Number.isFinite(used)) {
        record.heapUsedPeakMiB = Math.max(record.heapUsedPeakMiB, mib(used));
        if (last && last[2] === null) last[2] = mib(used);
      }
      if (Number.isFinite(external)) {
        record.externalPeakMiB = Math.max(record.externalPeakMiB, mib(external));
        if (last && last[3] === null) last[3] = mib(external);
      }
      if (Number.isFinite(total)) record.heapTotalPeakMiB = Math.max(record.heapTotalPeakMiB, mib(total));
      record.gcSeconds.first ??= gc;
      record.gcSeconds.last = gc;
    }
  }
}

/** "0", or "2: OOMKilled (exit 137) at 41 s, Error (exit 134) at 95 s". */
function describeRestarts(restarts: RestartRecord[]): string {
  if (restarts.length === 0) return '0';
  const each = restarts.map((r) => {
    const terminated = (r.lastState as { terminated?: { reason?: string; exitCode?: number } } | undefined)
      ?.terminated;
    return `${terminated?.reason ?? '?'} (exit ${terminated?.exitCode ?? '?'}) at ${r.atS} s`;
  });
  return `${restarts.at(-1)!.restartCount}: ${each.join(', ')}`;
}

/** The V8 heap limit and constrained memory Node sees inside the operator's container. */
async function heapLimitInPod(
  pod: string,
): Promise<{ heapSizeLimitMiB: number; constrainedMemoryMiB: number } | string> {
  const probe =
    'const v8 = require("node:v8"); console.log(JSON.stringify([v8.getHeapStatistics().heap_size_limit, process.constrainedMemory()]))';
  try {
    const out = await kubectl(['exec', '-n', SYSTEM, pod, '-c', CONTAINER, '--', 'node', '-e', probe]);
    const [limit, constrained] = JSON.parse(out.trim()) as [number, number];
    return { heapSizeLimitMiB: mib(limit), constrainedMemoryMiB: mib(constrained) };
  } catch (error) {
    return String(error);
  }
}

async function main(): Promise<void> {
  await requireRealNode();
  mkdirSync(resultsDir, { recursive: true });
  const { client } = await benchClient();
  const archive = await loadOperatorImage();
  log(`operator image: ${path.basename(archive)} in ${REAL_NODE}`);
  await waitUntil(
    'earlier benchmark namespaces to be gone',
    15 * 60_000,
    async () => {
      const namespaces = (await client.list(namespaceType)).items;
      return !namespaces.some((ns) => /^bench-(operator|ceiling|pod-memory)-/.test(ns.metadata.name ?? ''));
    },
    2000,
  );
  const nodes = (
    await client.list({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false })
  ).items.length;
  const namespace = `bench-pod-memory-${Date.now().toString(36)}`;
  await createFixtures(client, namespace);

  const rendered = await renderInstall(namespace);
  const exists = await kubectl(['get', 'namespace', SYSTEM, '--ignore-not-found', '-o', 'name']);
  if (exists.trim()) {
    log(`removing the operator left in ${SYSTEM} by an earlier run`);
    await removeInstall(rendered);
  }
  log(`installing dist/install.yaml (placed on ${REAL_NODE}, WATCH_NAMESPACES=${namespace})`);
  await kubectl(['apply', '--server-side', '-f', '-'], rendered);
  const load: Record<string, number[]> = { start: os.loadavg() };
  let sampler: Sampler | undefined;
  const jobs = new EventClock<Job>(client, jobType, namespace);
  const succeededAt = new Map<string, number>();
  const suites = new EventClock<Suite>(client, benchmarkSuiteType, namespace, (type, suite, at) => {
    if (type !== 'DELETED' && suite.status?.phase === 'Succeeded' && !succeededAt.has(suite.metadata.name!))
      succeededAt.set(suite.metadata.name!, at);
  });
  try {
    await kubectl(['rollout', 'status', '-n', SYSTEM, `deployment/${DEPLOYMENT}`, '--timeout=300s']).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\npods: ${describePods(await operatorPods(client))}`);
      },
    );
    let pods: Pod[] = [];
    await waitUntil(
      `2 Ready operator pods on ${REAL_NODE}`,
      60_000,
      async () => {
        pods = await operatorPods(client);
        return (
          pods.length === 2 &&
          pods.every(
            (pod) =>
              pod.spec?.nodeName === REAL_NODE &&
              pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          )
        );
      },
      1000,
      () => describePods(pods),
    );
    let holder: string | undefined;
    await waitUntil(
      'an operator pod to hold the leader-election Lease',
      120_000,
      async () => {
        holder = await leaseHolder(client);
        return pods.some((pod) => pod.metadata.name === holder);
      },
      1000,
      () => `holder ${holder ?? 'none'}; pods ${pods.map((pod) => pod.metadata.name).join(', ')}`,
    );
    log(
      `operator pods ${pods.map((pod) => pod.metadata.name).join(', ')} Ready on ${REAL_NODE}; leader ${holder}`,
    );

    // The load.
    const t0 = now();
    sampler = new Sampler(client, t0, pods);
    sampler.sampleCgroups();
    await sampler.sampleApi();
    await sampler.sampleMetrics();
    const atStart = new Map(
      [...sampler.pods.values()].map((record) => [
        record.uid,
        {
          memory: readCgroupMemory(record.memoryDir()),
          cpuSeconds: readCgroupCpuSeconds(record.cpuDir()),
          gcSeconds: record.gcSeconds.last,
        },
      ]),
    );
    sampler.start();
    await jobs.start();
    log(`creating ${SUITES} suites × ${RUNS_PER_SUITE} runs = ${JOBS} Jobs at once in ${namespace}`);
    await Promise.all(
      Array.from({ length: SUITES }, (_, i) =>
        client.create<Suite>(benchmarkSuiteType, suiteManifest(namespace, i)),
      ),
    );
    const suitesCreatedMs = now() - t0;

    // Suites are watched once every Job is there, as in operator-throughput (their status writes
    // cost this machine's two cores while Jobs are being created).
    let lastReport = 0;
    let suitesWatched = false;
    const progress = () => {
      const memory = [...sampler!.pods.values()]
        .map((record) => {
          const usage = record.timeline.at(-1)?.[1];
          return `${record.name.slice(-5)} ${usage ?? '?'} MiB, ${record.restartCount} restarts`;
        })
        .join('; ');
      return `${jobs.addedAt.size} of ${JOBS} Jobs, ${succeededAt.size} of ${SUITES} suites Succeeded; operator pods: ${memory}`;
    };
    const allSucceeded = await waitUntil(
      `${SUITES} suites Succeeded`,
      SUCCEEDED_WAIT_MS,
      async () => {
        if (!suitesWatched && jobs.addedAt.size >= JOBS) {
          suitesWatched = true;
          await suites.start();
        }
        if (now() - lastReport > 15_000) {
          lastReport = now();
          log(progress());
        }
        return succeededAt.size >= SUITES;
      },
      500,
      progress,
    ).then(
      () => true,
      async (error: unknown) => {
        const phases: Record<string, number> = {};
        for (const suite of (await client.list<Suite>(benchmarkSuiteType, { namespace })).items) {
          const phase = suite.status?.phase ?? 'none';
          phases[phase] = (phases[phase] ?? 0) + 1;
        }
        log(`${String(error)}; suites by phase: ${JSON.stringify(phases)}; reporting what was measured`);
        return false;
      },
    );
    const doneAt = now();
    load.end = os.loadavg();
    const snapshot = () =>
      new Map(
        [...sampler!.pods.values()]
          .filter((record) => existsSync(record.memoryDir()))
          .map((record) => [
            record.uid,
            {
              memory: readCgroupMemory(record.memoryDir()),
              cpuSeconds: readCgroupCpuSeconds(record.cpuDir()),
              gcSeconds: record.gcSeconds.last,
            },
          ]),
      );
    await sampler.sampleMetrics();
    const atSucceeded = snapshot();
    // An observation window, not a wait for a condition: what the operator still does after the
    // load (its Event backlog), and whether its memory settles or keeps growing.
    log(`sampling ${AFTER_MS / 1000} s more, after the load`);
    await sleep(AFTER_MS);
    await sampler.stop();
    sampler.sampleCgroups();
    await sampler.sampleApi();
    await sampler.sampleMetrics();
    load.afterWindow = os.loadavg();

    // The findings, read at the end.
    const finalHolder = await leaseHolder(client);
    const records = [...sampler.pods.values()];
    const perPod = records.map((record) => {
      const start = atStart.get(record.uid);
      const succeeded = atSucceeded.get(record.uid);
      const memory = existsSync(record.memoryDir()) ? readCgroupMemory(record.memoryDir()) : undefined;
      const cpuSeconds = existsSync(record.cpuDir()) ? readCgroupCpuSeconds(record.cpuDir()) : undefined;
      return {
        name: record.name,
        uid: record.uid,
        qosClass: record.qosClass,
        leader: record.name === finalHolder,
        cgroup: record.memoryDir(),
        pod: memory && {
          peakMiB: mib(memory.maxUsage),
          peakUntilSucceededMiB: succeeded && mib(succeeded.memory.maxUsage),
          usageAtSucceededMiB: succeeded && mib(succeeded.memory.usage),
          limitMiB: mib(memory.limit),
          failcnt: memory.failcnt,
          oomKills: memory.oomKills,
          usageAtEndMiB: mib(memory.usage),
          rssAtEndMiB: mib(memory.rss),
          cacheAtEndMiB: mib(memory.cache),
          peakBeforeLoadMiB: start && mib(start.memory.maxUsage),
        },
        containers: [...record.containers.values()].map((container) => ({
          containerId: container.containerId,
          current: container.containerId === record.currentContainerId,
          seenS: [container.firstSeenS, container.lastSeenS],
          peakMiB: container.memory && mib(container.memory.maxUsage),
          limitMiB: container.memory && mib(container.memory.limit),
          failcnt: container.memory?.failcnt,
          oomKills: container.memory?.oomKills,
          processPeakRssMiB: container.peakRssMiB && round(container.peakRssMiB),
          cpuSeconds: container.cpuSeconds && round(container.cpuSeconds, 2),
        })),
        restartCount: record.restartCount,
        restarts: record.restarts,
        lastStatus: record.lastStatus,
        heapUsedPeakMiB: record.heapUsedPeakMiB,
        heapTotalPeakMiB: record.heapTotalPeakMiB,
        externalPeakMiB: record.externalPeakMiB,
        gcSecondsDuringLoad:
          succeeded?.gcSeconds !== undefined && start?.gcSeconds !== undefined
            ? round(succeeded.gcSeconds - start.gcSeconds, 2)
            : null,
        cpuSecondsDuringLoad: succeeded && start ? round(succeeded.cpuSeconds - start.cpuSeconds, 2) : null,
        cpuSecondsAfterLoad:
          cpuSeconds !== undefined && succeeded ? round(cpuSeconds - succeeded.cpuSeconds, 2) : null,
        cpuSecondsTotal: cpuSeconds !== undefined ? round(cpuSeconds, 2) : null,
        timeline: record.timeline,
      };
    });
    const heapLimit = finalHolder ? await heapLimitInPod(finalHolder) : 'no Lease holder at the end';
    const added = [...jobs.addedAt.values()];
    const firstJob = Math.min(...added);
    const lastJob = Math.max(...added);
    const restarts = perPod.reduce((sum, pod) => sum + pod.restartCount, 0);
    const oomKilled =
      perPod.some((pod) => pod.restarts.some((r) => JSON.stringify(r.lastState).includes('OOMKilled'))) ||
      perPod.some((pod) => (pod.pod?.oomKills ?? 0) > 0 || pod.containers.some((c) => (c.oomKills ?? 0) > 0));
    // Node's own death by a full heap (V8's limit inside the cgroup), not the kernel's OOM killer.
    const heapOutOfMemory = perPod.some((pod) =>
      pod.restarts.some((r) => /heap out of memory|Reached heap limit/.test(r.previousLogTail ?? '')),
    );
    const result = {
      benchmark: 'operator-pod-memory',
      date: new Date().toISOString(),
      machine: machine(load),
      config: {
        cluster: CLUSTER,
        nodes,
        suites: SUITES,
        runsPerSuite: RUNS_PER_SUITE,
        jobs: JOBS,
        install: 'dist/install.yaml: 2 replicas, --leader-elect=true, memory limit 512Mi, restricted profile',
        patched: {
          nodeSelector: realNodePlacement.nodeSelector,
          tolerations: realNodePlacement.tolerations,
          WATCH_NAMESPACES: namespace,
        },
        image: OPERATOR_IMAGE,
        archive: path.basename(archive),
      },
      suitesCreatedMs: round(suitesCreatedMs, 0),
      jobsSeen: added.length,
      firstToLastJobMs: added.length > 0 ? round(lastJob - firstJob, 0) : null,
      jobsPerSecond: added.length > 1 ? round((added.length / (lastJob - firstJob)) * 1000) : null,
      suitesSucceeded: succeededAt.size,
      allSucceeded,
      allSucceededAfterMs: allSucceeded ? round(Math.max(...succeededAt.values()) - t0, 0) : null,
      waitedMs: round(doneAt - t0, 0),
      sampledAfterMs: AFTER_MS,
      leaseHolders: sampler.holders,
      leaderAtEnd: finalHolder,
      heapInPod: heapLimit,
      restarts,
      oomKilled,
      heapOutOfMemory,
      pods: perPod,
    };
    const file = path.join(resultsDir, 'operator-pod-memory.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

    const rows: Array<[string, string]> = [
      ['cluster', `${CLUSTER}: ${nodes} nodes, ${SUITES} suites × ${RUNS_PER_SUITE} runs = ${JOBS} Jobs`],
      ['operator', `dist/install.yaml on ${REAL_NODE}: 2 replicas, limit 512Mi`],
      [
        'all suites Succeeded after',
        allSucceeded
          ? `${round(result.allSucceededAfterMs! / 1000)} s`
          : `only ${succeededAt.size} of ${SUITES} in ${round(result.waitedMs / 1000)} s`,
      ],
      ['Jobs seen, Jobs/s (first → last)', `${added.length}, ${result.jobsPerSecond ?? '-'}`],
      [
        'V8 heap limit in the pod',
        typeof heapLimit === 'string'
          ? heapLimit.slice(0, 80)
          : `${heapLimit.heapSizeLimitMiB} MiB (of ${heapLimit.constrainedMemoryMiB} MiB)`,
      ],
    ];
    for (const pod of perPod) {
      const tag = `${pod.name.slice(-5)}${pod.leader ? ' (leader)' : ''}`;
      const containers = pod.containers;
      const max = (values: Array<number | undefined>) => Math.max(...values.map((v) => v ?? NaN));
      const sum = (values: Array<number | undefined>) => values.reduce<number>((a, v) => a + (v ?? 0), 0);
      rows.push(
        [
          `${tag}: peak, pod / container cgroup`,
          `${pod.pod?.peakMiB ?? '?'} / ${max(containers.map((c) => c.peakMiB))} MiB (limit ${pod.pod?.limitMiB ?? '?'})`,
        ],
        [
          `${tag}: pod usage at all Succeeded / ${AFTER_MS / 1000} s after`,
          `${pod.pod?.usageAtSucceededMiB ?? '?'} / ${pod.pod?.usageAtEndMiB ?? '?'} MiB`,
        ],
        [
          `${tag}: failcnt pod / containers, OOM kills`,
          `${pod.pod?.failcnt ?? '?'} / ${sum(containers.map((c) => c.failcnt))}, ${sum([pod.pod?.oomKills, ...containers.map((c) => c.oomKills)])}`,
        ],
        [
          `${tag}: process peak RSS; V8 heap used, external peak`,
          `${max(containers.map((c) => c.processPeakRssMiB))} MiB; ${pod.heapUsedPeakMiB}, ${pod.externalPeakMiB} MiB`,
        ],
        [`${tag}: restarts`, describeRestarts(pod.restarts)],
        [
          `${tag}: CPU during the load (GC) / after`,
          `${pod.cpuSecondsDuringLoad ?? '?'} s (${pod.gcSecondsDuringLoad ?? '?'} s) / ${pod.cpuSecondsAfterLoad ?? '?'} s`,
        ],
      );
    }
    rows.push(['Lease holders', sampler.holders.map((h) => `${h.holder?.slice(-5)}@${h.atS}s`).join(' → ')]);
    console.log(table(rows));
    if (oomKilled)
      log('FINDING: an operator container was OOM-killed under the 512Mi limit (see restarts above)');
    if (heapOutOfMemory)
      log(
        "FINDING: an operator container died of a full V8 heap (the heap limit above; see the restarts' logs)",
      );
    log(`results: ${path.relative(process.cwd(), file)}`);
    if (!allSucceeded)
      throw new Error(
        `only ${succeededAt.size} of ${SUITES} suites Succeeded within ${SUCCEEDED_WAIT_MS} ms (results written)`,
      );
  } finally {
    await sampler?.stop();
    await jobs.stop();
    await suites.stop();
    // Leave the cluster as found (hack/bench.sh removes it anyway, unless BENCH_KEEP_CLUSTER=1).
    await removeInstall(rendered).catch((error: unknown) => log(`removing the operator: ${String(error)}`));
    await client.delete(namespaceType, undefined, namespace).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof NotRunnable) console.error(`operator-pod-memory: not run: ${error.message}`);
    else console.error(error);
    process.exit(error instanceof NotRunnable ? 2 : 1);
  },
);
