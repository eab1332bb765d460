// Benchmark: the operator's memory at scale, with Jobs completing and cleaned up by their TTL as in
// a real cluster. Run by `make bench` (hack/bench.sh), or alone on its cluster:
//
//   BENCH_ONLY=operator-scale hack/bench.sh
//   BENCH_SCALE_SUITES=2000 BENCH_ONLY=operator-scale hack/bench.sh    # a size this machine affords
//
// Environment: BENCH_SCALE_SUITES (10000 suites of support.ts's 10 runs: 100,000 Jobs),
// BENCH_SCALE_NODES (1000: KWOK nodes are added to the cluster's up to this many, and removed
// after), BENCH_SCALE_TTL (the SchedulePolicy's ttlAfterFinished, 1m), BENCH_SCALE_WAIT_SECONDS
// (7200: how long every suite may take to succeed), BENCH_OPERATOR_NODE_OPTIONS (as in
// operator-throughput: config/manager's by default), BENCH_HEAP_SNAPSHOTS=1 (SIGUSR2 to the
// operator writes a heap snapshot to .cache/bench/profiles/). Writes .cache/bench/operator-scale.json.
//
// The operator runs as a process (profiled-operator.ts samples its memory) on one namespace with
// two ProviderPolicies without caps; the suites are created 16 at a time. Every 10 s the harness
// counts the Jobs that exist (a list with limit=1: remainingItemCount) and the Succeeded suites (a
// paginated list); the operator's /metrics are read only at the end (at 10,000 suites a scrape
// renders over 100,000 series, which would be measured as the operator's own memory). Reported:
// peak RSS (VmHWM) against the 512 MiB goal, the breakdown at that peak, the most Jobs alive at
// once, and the growth of the live heap (heapUsed right after a full collection) over the idle
// operator's heap, per suite and per live Job: RSS grows with V8's slack as much as with the data,
// so the live heap is what another size is extrapolated from (said so wherever it is).
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { benchmarkSuiteType, jobType } from '../../operator/src/controllers/resources.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import { renderNodes } from '../../hack/testenv/nodes.ts';
import {
  benchClient,
  type ChildHandle,
  createFixtures,
  deleteNamespaces,
  log,
  machine,
  memoryOf,
  now,
  operatorNodeOptions,
  resultsDir,
  round,
  runBenchmark,
  RUNS_PER_SUITE,
  startOperator,
  suiteManifest,
  summariseMemory,
  table,
  waitUntil,
} from './support.ts';

const SUITES = Number(process.env.BENCH_SCALE_SUITES ?? 10_000);
const NODES = Number(process.env.BENCH_SCALE_NODES ?? 1000);
const TTL = process.env.BENCH_SCALE_TTL ?? '1m';
const WAIT_MS = Number(process.env.BENCH_SCALE_WAIT_SECONDS ?? 7200) * 1000;
const NODE_OPTIONS = operatorNodeOptions();
const JOBS = SUITES * RUNS_PER_SUITE;
const PEAK_RSS_TARGET_MIB = 512;
const POLL_MS = 10_000;
const SCALE_POOL = 'scale';

const nodeType: ResourceType = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

/** Adds KWOK nodes (kwok-scale-<i>) until the cluster has `total`; returns their names. */
async function addNodes(client: KubeClient, total: number): Promise<string[]> {
  const existing = (await client.list(nodeType)).items.length;
  const nodes = renderNodes({
    zones: ['zone-a', 'zone-b', 'zone-c'],
    pools: [
      {
        name: SCALE_POOL,
        count: Math.max(0, total - existing),
        capacity: { cpu: '32', memory: '128Gi', pods: '250' },
      },
    ],
  }) as KubeObject[];
  await pLimit(16).map(nodes, (node) => client.create(nodeType, node));
  return nodes.map((node) => node.metadata.name!);
}

/** How many objects a list would return, from one item and the server's remainingItemCount. */
async function count(client: KubeClient, type: ResourceType, namespace: string): Promise<number> {
  const page = await client.list(type, { namespace, limit: 1 });
  const remaining = (page.metadata as { remainingItemCount?: number }).remainingItemCount ?? 0;
  return page.items.length + remaining;
}

async function succeededSuites(client: KubeClient, namespace: string): Promise<number> {
  let succeeded = 0;
  let continueToken: string | undefined;
  do {
    const page = await client.list<BenchmarkSuite & KubeObject>(benchmarkSuiteType, {
      namespace,
      limit: 500,
      ...(continueToken ? { continue: continueToken } : {}),
    });
    succeeded += page.items.filter((suite) => suite.status?.phase === 'Succeeded').length;
    continueToken = page.metadata.continue || undefined;
  } while (continueToken);
  return succeeded;
}

/** The scheduling passes the operator's histogram counted: how many, their mean and bucket bounds of p50 and p99. */
/** A quantile's bucket bound, or beyond the largest (bench_scheduling_pass_duration_seconds ends at 10 s). */
const atMost = (ms: number | null) => (ms === null ? '> 10,000 ms' : `≤ ${ms} ms`);

async function schedulingPasses(metricsPort: number) {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  const passes = value(/^bench_scheduling_pass_duration_seconds_count (\S+)/m);
  const sum = value(/^bench_scheduling_pass_duration_seconds_sum (\S+)/m);
  const buckets = [
    ...text.matchAll(/^bench_scheduling_pass_duration_seconds_bucket\{le="([^"]+)"\} (\S+)/gm),
  ].map((m) => ({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: Number(m[2]) }));
  const quantileBound = (q: number) => buckets.find((b) => b.count >= q * passes)?.le;
  // Beyond the histogram's largest bucket: null, said as "> 10 s" in the table.
  const ms = (seconds: number | undefined) =>
    seconds === undefined || seconds === Infinity ? null : round(seconds * 1000);
  return {
    passes,
    meanMs: ms(sum / passes),
    p50AtMostMs: ms(quantileBound(0.5)),
    p99AtMostMs: ms(quantileBound(0.99)),
  };
}

/**
 * How the operator ended, if it has: its exit code or signal, and whether V8 ran out of heap (the
 * fatal error is the last thing it writes, so the log's tail is read, not the kept output).
 */
function exitOf(handle: ChildHandle): string | undefined {
  const { exitCode, signalCode } = handle.child;
  if (exitCode === null && signalCode === null) return undefined;
  const tail = readFileSync(path.join(resultsDir, 'operator-scale.log'), 'utf8').slice(-20_000);
  const oom = /heap out of memory/.test(tail) ? ': its V8 heap ran out (JavaScript heap out of memory)' : '';
  return `exited (${exitCode ?? signalCode})${oom}; its log: .cache/bench/operator-scale.log`;
}

async function main(): Promise<void> {
  const { client } = await benchClient();
  const load: Record<string, number[]> = { start: os.loadavg() };
  const added = await addNodes(client, NODES);
  const nodes = (await client.list(nodeType)).items.length;
  const namespace = `bench-scale-${Date.now().toString(36)}`;
  log(
    `operator-scale: ${nodes} nodes (${added.length} added); ${SUITES} suites × ${RUNS_PER_SUITE} runs = ${JOBS} Jobs, TTL ${TTL}`,
  );
  await createFixtures(client, namespace, { ttlAfterFinished: TTL });
  const operator = await startOperator('operator-scale', namespace, {
    nodeOptions: NODE_OPTIONS,
    heapSnapshots: process.env.BENCH_HEAP_SNAPSHOTS === '1',
  });
  try {
    // The idle operator, caches synced and empty: what the slope is measured over.
    const idleAt = now();
    const idle = memoryOf(operator.pid);
    // Its heapUsed now is at most its live heap plus what startup left to collect: the growth
    // below is, if anything, understated by that.
    const idleHeapMiB = summariseMemory(operator.memorySamples, idleAt - 1000)?.atPeakRss.heapUsedMiB ?? NaN;
    const start = now();
    let created = 0;
    const creating = pLimit(16)
      .map(
        Array.from({ length: SUITES }, (_, i) => suiteManifest(namespace, i)),
        async (suite) => {
          await client.create(benchmarkSuiteType, suite);
          created++;
        },
      )
      .then(() => now());
    let suitesCreatedAt: number | undefined;
    void creating.then((at) => (suitesCreatedAt = at));
    const timeline: Array<[number, number, number, number, number]> = [];
    let peakLiveJobs = 0;
    let succeeded = 0;
    const allSucceeded = await waitUntil(
      `${SUITES} suites Succeeded`,
      WAIT_MS,
      async () => {
        const died = exitOf(operator.handle);
        if (died) throw new Error(`the operator ${died} after ${round((now() - start) / 1000, 0)} s`);
        const liveJobs = await count(client, jobType, namespace);
        succeeded = await succeededSuites(client, namespace);
        peakLiveJobs = Math.max(peakLiveJobs, liveJobs);
        const { rssMiB } = memoryOf(operator.pid);
        const seconds = round((now() - start) / 1000, 0);
        timeline.push([seconds, created, liveJobs, succeeded, round(rssMiB)]);
        log(
          `${seconds} s: ${created} suites created, ${liveJobs} Jobs, ${succeeded} Succeeded, RSS ${round(rssMiB)} MiB`,
        );
        return succeeded >= SUITES;
      },
      POLL_MS,
    ).then(
      () => true,
      (error: unknown) => {
        log(String(error));
        return false;
      },
    );
    // Once the operator is gone the harness stops creating suites.
    const operatorExit = exitOf(operator.handle);
    if (!operatorExit) await creating;
    const doneAt = now();
    const sampled = summariseMemory(operator.memorySamples, idleAt);
    // A process that has exited has no VmHWM left: its largest sampled RSS stands in.
    const memory = operatorExit ? { peakRssMiB: sampled?.peaks.rssMiB ?? NaN } : memoryOf(operator.pid);
    const passes = operatorExit ? null : await schedulingPasses(operator.metricsPort);
    const growthMiB = (sampled?.liveHeapPeakMiB ?? NaN) - idleHeapMiB;
    const perThousandSuitesMiB = round((growthMiB / SUITES) * 1000, 2);
    const perThousandLiveJobsMiB = peakLiveJobs > 0 ? round((growthMiB / peakLiveJobs) * 1000, 2) : null;
    const fullSuites = 10_000;
    // Extrapolated, not measured: the idle heap plus this run's live-heap growth per suite, times 10,000.
    const extrapolatedFullLiveHeapMiB = round(idleHeapMiB + (growthMiB / SUITES) * fullSuites);
    load.end = os.loadavg();
    const result = {
      benchmark: 'operator-scale',
      date: new Date().toISOString(),
      machine: machine(load),
      config: {
        nodes,
        suites: SUITES,
        runsPerSuite: RUNS_PER_SUITE,
        jobs: JOBS,
        ttlAfterFinished: TTL,
        nodeOptions: NODE_OPTIONS,
      },
      allSucceeded,
      operatorExit,
      suitesSucceeded: succeeded,
      suitesCreatedAfterMs: suitesCreatedAt === undefined ? null : round(suitesCreatedAt - start, 0),
      allSucceededAfterMs: allSucceeded ? round(doneAt - start, 0) : null,
      peakLiveJobs,
      idleRssMiB: round(idle.rssMiB),
      idleHeapUsedMiB: idleHeapMiB,
      peakRssMiB: round(memory.peakRssMiB),
      memory: sampled,
      liveHeapGrowth: { perThousandSuitesMiB, perThousandLiveJobsMiB },
      extrapolated:
        SUITES === fullSuites ? null : { suites: fullSuites, liveHeapMiB: extrapolatedFullLiveHeapMiB },
      schedulingPasses: passes,
      targets: { peakRssMiB: PEAK_RSS_TARGET_MIB },
      peakRssMet: !operatorExit && memory.peakRssMiB < PEAK_RSS_TARGET_MIB,
      timeline: {
        columns: ['seconds', 'suitesCreated', 'liveJobs', 'suitesSucceeded', 'rssMiB'],
        rows: timeline,
      },
    };
    const file = path.join(resultsDir, 'operator-scale.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    const atPeak = sampled?.atPeakRss;
    console.log(
      table([
        ['cluster', `${nodes} nodes, ${SUITES} suites × ${RUNS_PER_SUITE} runs = ${JOBS} Jobs, TTL ${TTL}`],
        [
          'all suites Succeeded after',
          allSucceeded ? `${result.allSucceededAfterMs} ms` : `only ${succeeded} of ${SUITES}`,
        ],
        ...(operatorExit ? ([['the operator', operatorExit]] as Array<[string, string]>) : []),
        ['most Jobs alive at once', String(peakLiveJobs)],
        [
          `operator peak RSS (VmHWM)${NODE_OPTIONS ? `, NODE_OPTIONS=${NODE_OPTIONS}` : ', V8 defaults'}`,
          `${result.peakRssMiB} MiB (idle ${result.idleRssMiB} MiB)`,
        ],
        [
          'at peak: heapUsed / heapTotal / external / arrayBuffers',
          atPeak
            ? `${atPeak.heapUsedMiB} / ${atPeak.heapTotalMiB} / ${atPeak.externalMiB} / ${atPeak.arrayBuffersMiB} MiB`
            : 'not sampled',
        ],
        [
          'live heap (after a full GC): idle → peak',
          `${idleHeapMiB} → ${sampled?.liveHeapPeakMiB ?? '-'} MiB`,
        ],
        [
          'live heap growth per 1,000 suites / per 1,000 live Jobs',
          `${perThousandSuitesMiB} / ${perThousandLiveJobsMiB ?? '-'} MiB`,
        ],
        ...(result.extrapolated
          ? ([
              ['10,000 suites live heap (extrapolated, not measured)', `${extrapolatedFullLiveHeapMiB} MiB`],
            ] as Array<[string, string]>)
          : []),
        [`peak RSS < ${PEAK_RSS_TARGET_MIB} MiB`, result.peakRssMet ? 'met' : 'not met'],
        [
          'scheduling passes: count, mean, p50 / p99 (bucket bounds, Job creations included)',
          passes
            ? `${passes.passes}, ${passes.meanMs} ms, ${atMost(passes.p50AtMostMs)} / ${atMost(passes.p99AtMostMs)}`
            : 'not read (the operator had exited)',
        ],
      ]),
    );
    log(`results: ${path.relative(process.cwd(), file)}`);
    if (operatorExit) throw new Error(`the operator ${operatorExit}`);
  } finally {
    await operator.handle.stop();
    await deleteNamespaces(client, [namespace]);
    await pLimit(16).map(added, (name) => client.delete(nodeType, undefined, name).catch(() => undefined));
  }
}

runBenchmark(main);
