// Benchmark: bench-operator and Kueue side by side, on the same KWOK cluster, with the same runs
// and the same caps. Run by `make bench` (hack/bench.sh) against its separate 100-node cluster:
//
//   BENCH_KUBECONFIG=.cache/testenv/perf-kubeconfig node test/bench/kueue-comparison.ts
//
// Environment: BENCH_KUEUE_SUITES (200), BENCH_KUEUE_CAP (50: each provider's cap, and each
// ClusterQueue's quota), BENCH_KUEUE_RUN_SECONDS (3: how long KWOK keeps a pod Running).
// Writes .cache/bench/kueue-comparison.json. Needs Kueue built (make testenv-kueue; make bench does).
//
// The load: PROVIDERS stand-in providers, each capped at CAP runs at once; suites of 2 targets (on
// two neighbouring providers) × 5 benchmarks = 10 runs each, so every provider gets the same share.
//
// 1. bench-operator: in namespace A the operator runs as a child process (as `make run`) with one
//    ProviderPolicy per provider (maxConcurrentRuns CAP); the suites are created at once. A run is
//    admitted when the operator creates its Job (it creates Jobs only within the caps).
// 2. Kueue: in namespace B Kueue's manager runs as a local process (test/support/kueue.ts), with
//    one LocalQueue per provider whose ClusterQueue's quota is CAP pods (and CAP × the pods' cpu
//    and memory requests, so that no resource is uncovered and none binds tighter). The same runs
//    are submitted as Kueue expects: the operator's own Jobs (renderJob, as a SchedulePolicy naming
//    the provider's LocalQueue renders them: suspended, with Kueue's queue-name label), created
//    directly with CREATE_CONCURRENCY, no operator. A run is admitted when Kueue unsuspends its Job.
//
// For both, watches timestamp each Job's admission and its pod's first Running (or later) phase on
// arrival. Submission is when its suite (A) or its Job (B) create request was sent. Every Job runs
// to completion (KWOK's pod-complete stage), so the capped work drains. KWOK pods run at once and
// do nothing: the times are the control plane's (admission, Job controller, scheduler), not a
// workload's. The operator runs first; Kueue starts once every operator Job has finished.
import pLimit from 'p-limit';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { SchedulePolicy } from '../../operator/src/api/v1alpha1/index.ts';
import {
  benchmarkSuiteType,
  jobType,
  providerPolicyType,
  schedulePolicyType,
} from '../../operator/src/controllers/resources.ts';
import { CREATE_CONCURRENCY } from '../../operator/src/controllers/scheduler/reconciler.ts';
import { renderJob } from '../../operator/src/core/render/job.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../../operator/src/runtime/client/resource.ts';
import { startKueue } from '../support/kueue.ts';
import {
  benchClient,
  benchKubeconfig,
  createNamespace,
  deleteNamespaces,
  EventClock,
  kubectl,
  log,
  machine,
  namespaceType,
  now,
  operatorNodeOptions,
  percentile,
  resultsDir,
  round,
  runBenchmark,
  startOperator,
  type Suite,
  table,
  waitUntil,
} from './support.ts';

const SUITES = Number(process.env.BENCH_KUEUE_SUITES ?? 200);
const CAP = Number(process.env.BENCH_KUEUE_CAP ?? 50);
const RUN_SECONDS = Number(process.env.BENCH_KUEUE_RUN_SECONDS ?? 3);
const PROVIDERS = Array.from({ length: 4 }, (_, i) => `provider-${i}`);
const BENCHMARKS = ['mmlu', 'gsm8k', 'humaneval', 'truthfulqa', 'hellaswag'].map((name) => ({
  name,
})) as Suite['spec']['benchmarks'];
const RUNS = 2 * BENCHMARKS.length;
const JOBS = SUITES * RUNS;
const TOTAL_CAP = CAP * PROVIDERS.length;
// Each pod's requests; small, so that every capped run fits on the nodes at once.
const REQUESTS = { cpuMilli: 10, memoryMi: 16 };
const RESOURCES: SchedulePolicy['spec']['resources'] = {
  requests: { cpu: `${REQUESTS.cpuMilli}m`, memory: `${REQUESTS.memoryMi}Mi` },
};
const WAIT_MS = 30 * 60_000;
/** The --zap-log-level of Kueue's own manager Deployment (config/components/manager/manager.yaml). */
const KUEUE_SHIPPED_LOG_LEVEL = 2;

type Job = V1Job & KubeObject;
type Pod = V1Pod & KubeObject;

const podType: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };

/** Suite `index`'s target `t`: on provider index + t, so that every provider gets the same share. */
function target(index: number, t: number): Suite['spec']['targets'][number] {
  return { name: `t${t}`, providerRef: PROVIDERS[(index + t) % PROVIDERS.length]!, model: 'stand-in' };
}

/** Suite number `index`: 2 targets on neighbouring providers × BENCHMARKS, its pods Running RUN_SECONDS. */
function suiteManifest(namespace: string, index: number, schedulePolicyRef: string): Suite {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: `suite-${String(index).padStart(3, '0')}`, namespace },
    spec: {
      runner: {
        image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
        podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': `${RUN_SECONDS}s` },
      },
      schedulePolicyRef,
      targets: [target(index, 0), target(index, 1)],
      benchmarks: BENCHMARKS,
    },
  };
}

const providerSpec = { provider: 'openai' as const, maxConcurrentRuns: CAP };

/**
 * Timestamps, per Job, its admission (`admitted` says when a Job event counts as one) and its pod's
 * first Running (or later: a watch that reconnects may miss the Running event) phase.
 */
async function watchRuns(client: KubeClient, namespace: string, admitted: (job: Job) => boolean) {
  const admittedAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const jobs = new EventClock<Job>(client, jobType, namespace, (type, job, at) => {
    if (type !== 'DELETED' && !admittedAt.has(job.metadata.name!) && admitted(job))
      admittedAt.set(job.metadata.name!, at);
  });
  const pods = new EventClock<Pod>(client, podType, namespace, (type, pod, at) => {
    const job = pod.metadata.labels?.['batch.kubernetes.io/job-name'];
    const phase = pod.status?.phase;
    if (type === 'DELETED' || !job || runningAt.has(job)) return;
    if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') runningAt.set(job, at);
  });
  await Promise.all([jobs.start(), pods.start()]);
  return {
    admittedAt,
    runningAt,
    jobs,
    stop: () => Promise.all([jobs.stop(), pods.stop()]),
  };
}

/** Waits until every Job in the namespace has finished (the capped work drained). */
async function jobsFinished(client: KubeClient, namespace: string, what: string): Promise<void> {
  const finished = (job: Job) =>
    job.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  let seen = '';
  await waitUntil(
    `every ${what} Job in ${namespace} to finish`,
    WAIT_MS,
    async () => {
      const jobs = (await client.list<Job>(jobType, { namespace })).items;
      const unfinished = jobs.filter((job) => !finished(job)).length;
      seen = `${unfinished} of ${jobs.length} unfinished`;
      return jobs.length >= JOBS && unfinished === 0;
    },
    2000,
    () => seen,
  );
}

/** Waits until every Job's pod has been seen Running, logging progress. */
async function allRunning(
  what: string,
  runs: { admittedAt: Map<string, number>; runningAt: Map<string, number> },
) {
  let lastReport = 0;
  await waitUntil(
    `${JOBS} ${what} pods Running`,
    WAIT_MS,
    () => {
      if (now() - lastReport > 10_000) {
        lastReport = now();
        log(`${what}: ${runs.admittedAt.size} admitted, ${runs.runningAt.size} Running`);
      }
      return runs.runningAt.size >= JOBS;
    },
    200,
    () => `${runs.admittedAt.size} admitted, ${runs.runningAt.size} Running`,
  );
}

/** The figures both phases report, from per-Job submission, admission and Running times. */
function summarise(
  submittedAt: (job: string) => number | undefined,
  admittedAt: Map<string, number>,
  runningAt: Map<string, number>,
) {
  const submissions = [...runningAt.keys()].map((job) => submittedAt(job)!).filter((at) => at !== undefined);
  const firstSubmission = Math.min(...submissions);
  const lastSubmission = Math.max(...submissions);
  const admissions = [...admittedAt.values()].sort((a, b) => a - b);
  const lastAdmission = admissions.at(-1)!;
  const toRunning: number[] = [];
  const toAdmission: number[] = [];
  for (const [job, at] of runningAt) {
    const submitted = submittedAt(job);
    if (submitted === undefined) continue;
    toRunning.push(at - submitted);
    const admitted = admittedAt.get(job);
    if (admitted !== undefined) toAdmission.push(admitted - submitted);
  }
  const ms = (values: number[], p: number) => round(percentile(values, p), 0);
  return {
    admitted: admissions.length,
    // Submitting: 200 suites, or 2,000 Jobs (each through Kueue's webhooks).
    submittingMs: round(lastSubmission - firstSubmission, 0),
    running: runningAt.size,
    // Over the whole set: from the first submission to the last admission.
    admissionsPerSecond: round((admissions.length / (lastAdmission - firstSubmission)) * 1000, 2),
    // The first TOTAL_CAP admissions, before any cap binds: how fast each admits unhindered.
    firstCapAdmittedAfterMs: round(
      admissions[Math.min(TOTAL_CAP, admissions.length) - 1]! - firstSubmission,
      0,
    ),
    lastAdmittedAfterMs: round(lastAdmission - firstSubmission, 0),
    lastRunningAfterMs: round(Math.max(...runningAt.values()) - firstSubmission, 0),
    submitToAdmittedMs: { p50: ms(toAdmission, 50), p99: ms(toAdmission, 99) },
    submitToRunningMs: { p50: ms(toRunning, 50), p99: ms(toRunning, 99), max: ms(toRunning, 100) },
  };
}

async function operatorPhase(client: KubeClient, namespace: string) {
  log(`bench-operator: namespace ${namespace}`);
  await createNamespace(client, namespace);
  for (const name of PROVIDERS) {
    await client.create(providerPolicyType, {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name, namespace },
      spec: providerSpec,
    });
  }
  await client.create(schedulePolicyType, {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name: 'bench', namespace },
    spec: { resources: RESOURCES },
  });
  const { handle: operator } = await startOperator('kueue-comparison-operator', namespace, {
    nodeOptions: operatorNodeOptions(),
  });
  try {
    // The operator creates a Job only once it admits the run.
    const runs = await watchRuns(client, namespace, () => true);
    const submittedAt = new Map<string, number>();
    log(`bench-operator: creating ${SUITES} suites at once`);
    await Promise.all(
      Array.from({ length: SUITES }, async (_, i) => {
        const manifest = suiteManifest(namespace, i, 'bench');
        submittedAt.set(manifest.metadata.name!, now());
        await client.create<Suite>(benchmarkSuiteType, manifest);
      }),
    );
    await allRunning('bench-operator', runs);
    await runs.stop();
    const suiteOf = (job: string) => runs.jobs.objects.get(job)?.metadata.labels?.['bench.dev/suite'];
    return summarise((job) => submittedAt.get(suiteOf(job) ?? ''), runs.admittedAt, runs.runningAt);
  } finally {
    const code = await operator.stop();
    if (code !== 0) log(`operator exited with ${code} (log: .cache/bench/kueue-comparison-operator.log)`);
  }
}

/** The operator's Jobs for the same suites, as a SchedulePolicy naming each provider's LocalQueue renders them. */
function kueueJobs(namespace: string): V1Job[] {
  const jobs: V1Job[] = [];
  for (let i = 0; i < SUITES; i++) {
    const suite = suiteManifest(namespace, i, 'bench');
    // Not created: the Jobs are submitted on their own, without an owner the garbage collector would look for.
    suite.metadata.uid = `kueue-comparison-${i}`;
    for (const target of suite.spec.targets) {
      for (const benchmark of suite.spec.benchmarks) {
        const job = renderJob({
          suite,
          round: 1,
          benchmark,
          target,
          attempt: 1,
          provider: { metadata: { name: target.providerRef }, spec: providerSpec },
          model: target.model,
          schedulePolicy: { spec: { resources: RESOURCES, kueue: { localQueueName: target.providerRef } } },
        });
        delete job.metadata!.ownerReferences;
        jobs.push(job);
      }
    }
  }
  return jobs;
}

async function kueuePhase(client: KubeClient, namespace: string) {
  log(`Kueue: namespace ${namespace}`);
  await createNamespace(client, namespace);
  // Logging as Kueue's manifests ship it: the tests' more verbose level costs it CPU.
  const kueue = await startKueue([namespace], { logLevel: KUEUE_SHIPPED_LOG_LEVEL });
  try {
    for (const name of PROVIDERS) {
      await kueue.queue(namespace, name, {
        pods: CAP,
        cpu: `${CAP * REQUESTS.cpuMilli}m`,
        memory: `${CAP * REQUESTS.memoryMi}Mi`,
      });
    }
    const jobs = kueueJobs(namespace);
    // Kueue unsuspends a Job once it admits its Workload.
    const runs = await watchRuns(client, namespace, (job) => job.spec?.suspend !== true);
    const submittedAt = new Map<string, number>();
    log(
      `Kueue: creating ${jobs.length} suspended Jobs in ${PROVIDERS.length} LocalQueues, ${CREATE_CONCURRENCY} at a time`,
    );
    await pLimit(CREATE_CONCURRENCY).map(jobs, async (job) => {
      submittedAt.set(job.metadata!.name!, now());
      await client.create(jobType, job as Job);
    });
    await allRunning('Kueue', runs);
    await runs.stop();
    const result = summarise((job) => submittedAt.get(job), runs.admittedAt, runs.runningAt);
    await jobsFinished(client, namespace, 'Kueue');
    // With Kueue still running, so that it lets its Workloads go with their Jobs: its stop() would
    // otherwise release each one's finalizers by a kubectl call of its own.
    await kubectl(['delete', 'jobs', '--all', '-n', namespace, '--wait=false']);
    await waitUntil(
      `the Workloads of ${namespace} to go with their Jobs`,
      WAIT_MS,
      async () =>
        (await kubectl(['get', 'workloads.kueue.x-k8s.io', '-n', namespace, '-o', 'name'])).trim() === '',
      2000,
    ).catch((error: unknown) => log(String(error)));
    return result;
  } finally {
    await kueue.stop();
  }
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const { client } = await benchClient();
  const nodes = (await client.list({ ...namespaceType, plural: 'nodes', kind: 'Node' })).items.length;
  const id = Date.now().toString(36);
  log(
    `cluster ${benchKubeconfig}: ${nodes} nodes; ${SUITES} suites × ${RUNS} runs = ${JOBS} runs over ${PROVIDERS.length} providers capped at ${CAP}`,
  );
  // A reused cluster (BENCH_KEEP_CLUSTER=1) may still be deleting an earlier run's Jobs and pods.
  await waitUntil(
    'earlier kueue-comparison namespaces to be gone',
    WAIT_MS,
    async () =>
      !(await client.list(namespaceType)).items.some((ns) => ns.metadata.name?.startsWith('bench-kq-')),
    2000,
  );
  const operatorNamespace = `bench-kq-operator-${id}`;
  const kueueNamespace = `bench-kq-kueue-${id}`;
  const load: Record<string, number[]> = { start: os.loadavg() };
  const operator = await operatorPhase(client, operatorNamespace);
  load.afterOperator = os.loadavg();
  await jobsFinished(client, operatorNamespace, 'bench-operator');
  load.beforeKueue = os.loadavg();
  const kueue = await kueuePhase(client, kueueNamespace);
  load.afterKueue = os.loadavg();

  const ratio = (a: number, b: number) => round(a / b, 2);
  const ratios = {
    admissionsPerSecond: ratio(operator.admissionsPerSecond, kueue.admissionsPerSecond),
    submitToRunningP50: ratio(operator.submitToRunningMs.p50, kueue.submitToRunningMs.p50),
    submitToRunningP99: ratio(operator.submitToRunningMs.p99, kueue.submitToRunningMs.p99),
  };
  const result = {
    benchmark: 'kueue-comparison',
    date: new Date().toISOString(),
    note: 'KWOK pods run at once and do nothing: these are control-plane times (admission, Job controller, scheduler), not real workloads.',
    machine: machine(load),
    config: {
      nodes,
      suites: SUITES,
      runsPerSuite: RUNS,
      runs: JOBS,
      providers: PROVIDERS.length,
      capPerProvider: CAP,
      runSeconds: RUN_SECONDS,
      createConcurrency: CREATE_CONCURRENCY,
      kueueVersion: 'v0.19.2',
    },
    benchOperator: operator,
    kueue,
    // bench-operator / Kueue: above 1 is better for bench-operator in throughput, worse in times.
    ratios,
  };
  const file = path.join(resultsDir, 'kueue-comparison.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const loads = (at: number[] | undefined) => (at ?? []).map((l) => l.toFixed(1)).join(' ');
  const both = (pick: (r: typeof operator) => string) => `${pick(operator)} | ${pick(kueue)}`;
  console.log(
    table([
      [
        'cluster',
        `${nodes} KWOK nodes; ${JOBS} runs, ${PROVIDERS.length} providers × cap ${CAP}; pods Running ${RUN_SECONDS} s`,
      ],
      ['(control-plane times: KWOK pods run at once, no real workload)', 'bench-operator | Kueue'],
      ['submitting took (first → last create sent)', both((r) => `${r.submittingMs} ms`)],
      ['admissions/s (first submission → last admission)', both((r) => String(r.admissionsPerSecond))],
      [
        `first ${TOTAL_CAP} admitted after (no cap binding yet)`,
        both((r) => `${r.firstCapAdmittedAfterMs} ms`),
      ],
      [
        'submission → admitted p50 / p99',
        both((r) => `${r.submitToAdmittedMs.p50} / ${r.submitToAdmittedMs.p99} ms`),
      ],
      [
        'submission → pod Running p50 / p99',
        both((r) => `${r.submitToRunningMs.p50} / ${r.submitToRunningMs.p99} ms`),
      ],
      ['last pod Running after', both((r) => `${r.lastRunningAfterMs} ms`)],
      ['ratio bench-operator / Kueue: admissions/s', String(ratios.admissionsPerSecond)],
      [
        'ratio bench-operator / Kueue: to Running p50 / p99',
        `${ratios.submitToRunningP50} / ${ratios.submitToRunningP99}`,
      ],
      [
        'load average (1/5/15 min): start, before Kueue, end',
        `${loads(load.start)}; ${loads(load.beforeKueue)}; ${loads(load.afterKueue)}`,
      ],
    ]),
  );
  log(`results: ${path.relative(process.cwd(), file)}`);

  await deleteNamespaces(client, [operatorNamespace, kueueNamespace]);
}

runBenchmark(main);
