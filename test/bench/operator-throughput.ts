// Benchmark: how fast the operator turns many BenchmarkSuites into Jobs, and what it costs in API
// requests, CPU, memory and idle writes. (Its rate against the API server's own ceiling, on fresh
// clusters, is operator-ceiling.ts.) Run by `make bench` (hack/bench.sh) against a separate
// 100-node cluster:
//
//   BENCH_KUBECONFIG=.cache/testenv/perf-kubeconfig node test/bench/operator-throughput.ts
//
// Environment: BENCH_SUITES (200), BENCH_IDLE_SECONDS (60), BENCH_SUCCEEDED_WAIT_SECONDS (1200),
// BENCH_CPU_PROF=1 (the operator runs under the V8 profiler: .cache/bench/profiles/operator.cpuprofile,
// summarised in the results), BENCH_OPERATOR_NODE_OPTIONS (the operator's NODE_OPTIONS; default the
// ones config/manager ships, '' for V8's defaults on this machine; support.ts operatorNodeOptions),
// BENCH_HEAP_SNAPSHOTS=1 (heap snapshots of the operator in .cache/bench/profiles/ when its last Job
// is seen and when every suite is Succeeded; they inflate its peak RSS). Writes
// .cache/bench/operator-throughput.json.
//
// The operator runs as a child process (as `make run`) on one namespace; the 200 suites are
// created at once and a watch timestamps every Job's ADDED event on arrival (the suites are watched
// only once every Job has been seen, so the harness adds no load of its own). Once every suite is
// Succeeded and the operator has made no write for 5 s (what was still due, e.g. its Event
// backlog, is reported as settling), its non-GET requests are counted over BENCH_IDLE_SECONDS from
// its rest_client_requests_total.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Job } from '@kubernetes/client-node';
import { benchmarkSuiteType, jobType } from '../../operator/src/controllers/resources.ts';
import { CREATE_CONCURRENCY } from '../../operator/src/controllers/scheduler/reconciler.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import {
  benchClient,
  benchKubeconfig,
  cpuSecondsOf,
  createFixtures,
  deleteNamespaces,
  EventClock,
  log,
  machine,
  memoryOf,
  namespaceType,
  now,
  operatorNodeOptions,
  percentile,
  rate,
  requestDelta,
  resultsDir,
  round,
  runBenchmark,
  RUNS_PER_SUITE,
  scrapeRequests,
  startOperator,
  type Suite,
  suiteManifest,
  summariseMemory,
  summariseProfile,
  table,
  waitUntil,
  writes,
} from './support.ts';

const SUITES = Number(process.env.BENCH_SUITES ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const NODE_OPTIONS = operatorNodeOptions();
const HEAP_SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS === '1';
const PROFILE = path.join(resultsDir, 'profiles', 'operator.cpuprofile');
const PEAK_RSS_TARGET_MIB = 256;
const RUNS = RUNS_PER_SUITE;
const JOBS = SUITES * RUNS;
const WAIT_MS = 15 * 60_000;
// Status convergence can lag far behind Job creation on a loaded machine: bounded, and reported.
const SUCCEEDED_WAIT_MS = Number(process.env.BENCH_SUCCEEDED_WAIT_SECONDS ?? 1200) * 1000;
const SETTLE_MS = 5000;

type Job = V1Job & KubeObject;

async function countNodes(client: KubeClient): Promise<number> {
  const nodeType: ResourceType = {
    group: '',
    version: 'v1',
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
  };
  return (await client.list(nodeType)).items.length;
}

async function operatorPhase(client: KubeClient, namespace: string, nodes: number) {
  log(`operator: namespace ${namespace}`);
  await createFixtures(client, namespace);
  const started = await startOperator('operator', namespace, {
    nodeOptions: NODE_OPTIONS,
    heapSnapshots: HEAP_SNAPSHOTS,
    ...(CPU_PROF ? { cpuProfile: PROFILE } : {}),
  });
  const { handle: operator, pid, metricsPort } = started;
  try {
    const jobs = new EventClock<Job>(client, jobType, namespace);
    const succeededAt = new Map<string, number>();
    const suites = new EventClock<Suite>(client, benchmarkSuiteType, namespace, (type, suite, at) => {
      if (
        type !== 'DELETED' &&
        suite.status?.phase === 'Succeeded' &&
        !succeededAt.has(suite.metadata.name!)
      ) {
        succeededAt.set(suite.metadata.name!, at);
      }
    });
    await jobs.start();

    const before = await scrapeRequests(metricsPort);
    const cpuBefore = cpuSecondsOf(pid);
    log(`operator: pid ${pid}, metrics on ${metricsPort}; creating ${SUITES} suites at once`);

    const createdAt = new Map<string, number>();
    const applyStart = now();
    await Promise.all(
      Array.from({ length: SUITES }, async (_, i) => {
        const suite = await client.create<Suite>(benchmarkSuiteType, suiteManifest(namespace, i));
        createdAt.set(suite.metadata.name!, now());
      }),
    );
    const applyEnd = now();
    log(`operator: suites created in ${round(applyEnd - applyStart, 0)} ms; waiting for ${JOBS} Jobs`);

    let lastReport = 0;
    await waitUntil(`${JOBS} Jobs`, WAIT_MS, () => {
      if (now() - lastReport > 5000) {
        lastReport = now();
        log(`operator: ${jobs.addedAt.size} Jobs`);
      }
      return jobs.addedAt.size >= JOBS;
    });
    const cpuAtLastJob = cpuSecondsOf(pid);
    const atLastJob = await scrapeRequests(metricsPort);
    const memoryAtLastJob = memoryOf(pid);
    if (HEAP_SNAPSHOTS) operator.child.kill('SIGUSR2');
    const jobsDoneAt = now();
    // Only now: watching 200 suites' status writes costs the API server and this process CPU the
    // ceiling phase is not charged, on the same 2 cores, while Jobs are being created.
    await suites.start();
    log(`operator: all Jobs seen; waiting for ${SUITES} suites to be Succeeded`);
    const allSucceeded = await waitUntil(`${SUITES} suites Succeeded`, SUCCEEDED_WAIT_MS, () => {
      if (now() - lastReport > 5000) {
        lastReport = now();
        log(`operator: ${succeededAt.size} suites Succeeded`);
      }
      return succeededAt.size >= SUITES;
    }).then(
      () => true,
      (error: unknown) => {
        log(`operator: ${String(error)}; measuring the rest anyway (the operator is not idle)`);
        return false;
      },
    );
    const allSucceededAt = now();
    if (HEAP_SNAPSHOTS) operator.child.kill('SIGUSR2');
    const busy = await scrapeRequests(metricsPort);
    const cpuBusy = cpuSecondsOf(pid);

    // Writes still due once every suite is Succeeded (the Event backlog, a held status write) are
    // not idle writes: wait until none has been made for SETTLE_MS (bounded, and reported).
    log(`operator: all suites Succeeded; waiting until it has made no write for ${SETTLE_MS} ms`);
    let lastWrites = writes(requestDelta([], busy));
    let quietSince = now();
    const settled = await waitUntil(
      `no operator write for ${SETTLE_MS} ms`,
      WAIT_MS,
      async () => {
        const current = writes(requestDelta([], await scrapeRequests(metricsPort)));
        if (current !== lastWrites) [lastWrites, quietSince] = [current, now()];
        return now() - quietSince >= SETTLE_MS;
      },
      500,
    ).then(
      () => true,
      () => false,
    );
    const settledAt = now();
    log(`operator: ${settled ? 'settled' : 'still writing'}; measuring idle writes over ${IDLE_SECONDS} s`);
    const idleStart = await scrapeRequests(metricsPort);
    await sleep(IDLE_SECONDS * 1000);
    const idleEnd = await scrapeRequests(metricsPort);
    const memory = memoryOf(pid);
    await jobs.stop();
    await suites.stop();

    const latencies: number[] = [];
    for (const [name, at] of jobs.addedAt) {
      const suite = jobs.objects.get(name)?.metadata.labels?.['bench.dev/suite'];
      const created = suite ? createdAt.get(suite) : undefined;
      if (created !== undefined) latencies.push(at - created);
    }
    const added = rate([...jobs.addedAt.values()]);
    const busyDelta = requestDelta(before, busy);
    const idleDelta = requestDelta(idleStart, idleEnd);
    const idleWrites = writes(idleDelta);
    return {
      namespace,
      nodes,
      pid,
      jobsCreated: jobs.addedAt.size,
      suitesApplyMs: round(applyEnd - applyStart, 0),
      firstToLastAddedMs: round(added.spanMs, 0),
      jobsPerSecond: round(added.perSecond),
      firstSuiteToLastJobMs: round(added.last - applyStart, 0),
      endToEndJobsPerSecond: round((added.jobs / (added.last - applyStart)) * 1000),
      firstJobAfterMs: round(added.first - applyStart, 0),
      suiteToJobMs: {
        p50: round(percentile(latencies, 50), 0),
        p90: round(percentile(latencies, 90), 0),
        p99: round(percentile(latencies, 99), 0),
        max: round(Math.max(...latencies), 0),
      },
      suitesSucceeded: succeededAt.size,
      allSucceeded,
      allSucceededAfterMs: allSucceeded ? round(allSucceededAt - applyStart, 0) : null,
      apiRequests: busyDelta,
      // What competed with Job creation: the operator's requests until its last Job was seen.
      apiRequestsUntilLastJob: requestDelta(before, atLastJob),
      apiRequestsPerJob: round(busyDelta.total! / JOBS, 2),
      writesPerJob: round(writes(busyDelta) / JOBS, 2),
      cpuSecondsUntilLastJob: round(cpuAtLastJob - cpuBefore, 2),
      cpuSecondsUntilAllSucceeded: round(cpuBusy - cpuBefore, 2),
      rssAtLastJobMiB: round(memoryAtLastJob.rssMiB),
      peakRssMiB: round(memory.peakRssMiB),
      // The sampled breakdown (profiled-operator.ts): its largest sample is a little under VmHWM.
      memory: { nodeOptions: NODE_OPTIONS, ...summariseMemory(started.memorySamples) },
      idle: {
        windowSeconds: IDLE_SECONDS,
        requests: idleDelta,
        writes: idleWrites,
        writesPerMinute: round((idleWrites * 60) / IDLE_SECONDS, 2),
      },
      jobsDoneToSucceededMs: allSucceeded ? round(allSucceededAt - jobsDoneAt, 0) : null,
      settle: {
        settled,
        // From all Succeeded until SETTLE_MS without a write began.
        afterMs: round(settledAt - SETTLE_MS - allSucceededAt, 0),
        requests: requestDelta(busy, idleStart),
      },
    };
  } finally {
    const killer = setTimeout(() => {
      log('operator still running 60 s after SIGTERM: SIGKILL');
      operator.child.kill('SIGKILL');
    }, 60_000);
    const code = await operator.stop();
    clearTimeout(killer);
    if (code !== 0) log(`operator exited with ${code} (log: .cache/bench/operator.log)`);
  }
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const { client } = await benchClient();
  const nodes = await countNodes(client);
  const id = Date.now().toString(36);
  log(
    `cluster ${benchKubeconfig}: ${nodes} nodes; ${SUITES} suites × ${RUNS} runs = ${JOBS} Jobs; concurrency ${CREATE_CONCURRENCY}`,
  );
  // A reused cluster (BENCH_KEEP_CLUSTER=1) may still be deleting an earlier run's 4,000 pods,
  // which would slow this run.
  await waitUntil(
    'earlier benchmark namespaces to be gone',
    WAIT_MS,
    async () => {
      const namespaces = (await client.list(namespaceType)).items;
      return !namespaces.some((ns) => /^bench-operator-/.test(ns.metadata.name ?? ''));
    },
    2000,
  );
  const operatorNamespace = `bench-operator-${id}`;
  const load: Record<string, number[]> = { start: os.loadavg() };
  const operator = await operatorPhase(client, operatorNamespace, nodes);
  load.afterOperator = os.loadavg();
  const profile = CPU_PROF ? summariseProfile(PROFILE) : undefined;
  const peakRssMet = operator.peakRssMiB < PEAK_RSS_TARGET_MIB;
  const result = {
    benchmark: 'operator-throughput',
    date: new Date().toISOString(),
    machine: machine(load),
    config: {
      nodes,
      suites: SUITES,
      runsPerSuite: RUNS,
      jobs: JOBS,
      createConcurrency: CREATE_CONCURRENCY,
      idleSeconds: IDLE_SECONDS,
    },
    operator,
    operatorProfile: profile,
    targets: { idleWritesPerMinute: 0, peakRssMiB: PEAK_RSS_TARGET_MIB },
    peakRssMet,
    pass: operator.allSucceeded && operator.idle.writes === 0,
  };
  const file = path.join(resultsDir, 'operator-throughput.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const sampled = operator.memory.atPeakRss;
  const atPeak = sampled
    ? `${sampled.heapUsedMiB} / ${sampled.heapTotalMiB} / ${sampled.externalMiB} / ${sampled.arrayBuffersMiB} MiB`
    : 'not sampled';
  const requests = Object.entries(operator.apiRequests)
    .filter(([method]) => method !== 'total')
    .map(([method, count]) => `${method} ${count}`)
    .join(', ');
  console.log(
    table([
      ['cluster', `${nodes} nodes, ${SUITES} suites × ${RUNS} runs = ${JOBS} Jobs`],
      [
        'operator: Jobs/s (first→last Job ADDED)',
        `${operator.jobsPerSecond} (${operator.jobsCreated} in ${operator.firstToLastAddedMs} ms)`,
      ],
      ['operator: Jobs/s from first suite created', String(operator.endToEndJobsPerSecond)],
      [
        'suite created → its Job created p50 / p99',
        `${operator.suiteToJobMs.p50} / ${operator.suiteToJobMs.p99} ms`,
      ],
      [
        'all suites Succeeded after',
        operator.allSucceeded
          ? `${operator.allSucceededAfterMs} ms`
          : `only ${operator.suitesSucceeded} of ${SUITES}`,
      ],
      ['operator API requests per Job', `${operator.apiRequestsPerJob} (${requests})`],
      ['operator writes per Job', String(operator.writesPerJob)],
      [
        'operator CPU until last Job / all Succeeded',
        `${operator.cpuSecondsUntilLastJob} / ${operator.cpuSecondsUntilAllSucceeded} s`,
      ],
      [
        `operator peak RSS (VmHWM)${NODE_OPTIONS ? `, NODE_OPTIONS=${NODE_OPTIONS}` : ', V8 defaults'}`,
        `${operator.peakRssMiB} MiB`,
      ],
      ['at peak: heapUsed / heapTotal / external / arrayBuffers', atPeak],
      ['largest live heap (heapUsed after a full GC)', `${operator.memory.liveHeapPeakMiB ?? '-'} MiB`],
      [`peak RSS < ${PEAK_RSS_TARGET_MIB} MiB`, peakRssMet ? 'met' : 'not met'],
      [
        'writes still due after all Succeeded',
        `${writes(operator.settle.requests)} over ${operator.settle.afterMs} ms${operator.settle.settled ? '' : ' (not settled)'}`,
      ],
      [`idle writes per minute (over ${IDLE_SECONDS} s)`, `${operator.idle.writesPerMinute} (target 0)`],
    ]),
  );
  if (profile) {
    log(`operator CPU profile: busy in ${profile.busyPercent}% of samples; by total time (self + callees):`);
    for (const entry of profile.total.slice(0, 15))
      log(`  ${String(entry.percent).padStart(5)}%  ${entry.function}`);
  }
  log(`results: ${path.relative(process.cwd(), file)}`);

  await deleteNamespaces(client, [operatorNamespace]);
}

runBenchmark(main);
