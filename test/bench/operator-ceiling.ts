// Benchmark: the operator's Job creation rate against the API server's own ceiling with the same
// client, as the median of three rounds, each phase on a fresh cluster, with the CPU every process
// spent per Job. Run by `make bench` (hack/bench.sh) before its shared cluster starts, or alone:
//
//   BENCH_ONLY=operator-ceiling hack/bench.sh
//
// It deletes and recreates the cluster named by CLUSTER_NAME (hack/bench.sh sets bench-perf; the
// benchmark refuses to run without it, so that it never removes a cluster someone else named),
// with BENCH_NODES KWOK nodes and bench.sh's CLUSTER_EXTRA_ARGS. Environment: BENCH_CEILING_ROUNDS
// (3), BENCH_SUITES (200). Writes .cache/bench/operator-ceiling.json.
//
// Each round has two phases, each on a cluster just created (the CRDs installed, 100 nodes Ready,
// nothing else in it), so neither inherits the other's Jobs, pods or etcd history:
// - operator: the operator runs as a child process (as `make run`) on one namespace; the suites
//   are created at once; a watch timestamps every Job's ADDED event.
// - ceiling: the same suites are created (nothing watches them), their Jobs rendered with the
//   operator's renderJob (round 1, attempt 1, as its scheduler does), then a child process
//   (ceiling-worker.ts) applies them with RestClient + KubeClient.apply at the scheduler's
//   CREATE_CONCURRENCY, while the same kind of watch timestamps them.
// Both measure Jobs/s the same way: Jobs seen / (last ADDED − first ADDED). A round's ratio is the
// operator's rate over its ceiling's; the result is the median of the rounds' ratios.
//
// CPU per Job: the CPU seconds (user + system, /proc/<pid>/stat) each process used from the start of
// the phase (the suites' creation, or the worker's start) until the last Job was seen, over the
// Jobs: kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kwok-controller, the
// operator or the worker, and this harness. On a shared 2-core machine rates swing with whatever
// else runs; CPU per Job shows where the difference comes from, and is steadier.
//
// bench: own-clusters
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import type { V1Job } from '@kubernetes/client-node';
import { benchmarkSuiteType, jobType } from '../../operator/src/controllers/resources.ts';
import { CREATE_CONCURRENCY } from '../../operator/src/controllers/scheduler/reconciler.ts';
import { renderJob } from '../../operator/src/core/render/job.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import {
  benchClient,
  benchKubeconfig,
  cpuSecondsOf,
  createFixtures,
  EventClock,
  log,
  machine,
  operatorNodeOptions,
  percentile,
  rate,
  repoRoot,
  resultsDir,
  round,
  runBenchmark,
  RUNS_PER_SUITE,
  spawnNode,
  startOperator,
  type Suite,
  suiteManifest,
  table,
  waitUntil,
} from './support.ts';

const ROUNDS = Number(process.env.BENCH_CEILING_ROUNDS ?? 3);
const SUITES = Number(process.env.BENCH_SUITES ?? 200);
const JOBS = SUITES * RUNS_PER_SUITE;
const CLUSTER = process.env.CLUSTER_NAME;
const TARGET_RATIO = 0.9;
const WAIT_MS = 15 * 60_000;
const NAMESPACE = 'bench-ceiling';

type Job = V1Job & KubeObject;
/** CPU seconds used so far, by process. */
type CpuSample = Record<string, number>;

const run = promisify(execFile);

/** Deletes the cluster and creates it again with the CRDs: what each phase starts from. */
async function freshCluster(): Promise<void> {
  const env = {
    ...process.env,
    BENCH_KUBECONFIG: benchKubeconfig,
    CPU_NODES: process.env.BENCH_NODES ?? '100',
    GPU_NODES: '0',
  };
  await run(path.join(repoRoot, 'hack/testenv/cluster.sh'), ['down'], { env });
  await run(path.join(repoRoot, 'hack/testenv/cluster.sh'), ['up'], { env });
  await run(path.join(repoRoot, 'hack/install-crds.sh'), [], { env });
}

/** The control plane's processes (kwokctl's pid files) and their CPU seconds so far. */
function controlPlaneCpu(): CpuSample {
  const pids = path.join(repoRoot, '.cache/testenv/kwok/clusters', CLUSTER!, 'pids');
  const sample: CpuSample = {};
  for (const file of readdirSync(pids).filter((f) => f.endsWith('.pid'))) {
    sample[file.slice(0, -'.pid'.length)] = cpuSecondsOf(Number(readFileSync(path.join(pids, file), 'utf8')));
  }
  return sample;
}

function cpuSample(child: { name: string; pid: number }): CpuSample {
  const harness = process.cpuUsage();
  return {
    ...controlPlaneCpu(),
    [child.name]: cpuSecondsOf(child.pid),
    harness: (harness.user + harness.system) / 1e6,
  };
}

/** Milliseconds of CPU per Job, by process, between two samples. */
function perJob(before: CpuSample, after: CpuSample, jobs: number): Record<string, number> {
  const ms: Record<string, number> = {};
  let total = 0;
  for (const [name, seconds] of Object.entries(after)) {
    const used = seconds - (before[name] ?? 0);
    ms[name] = round((used * 1000) / jobs, 2);
    total += used;
  }
  ms.total = round((total * 1000) / jobs, 2);
  return ms;
}

interface Phase {
  jobs: number;
  firstToLastAddedMs: number;
  jobsPerSecond: number;
  /** CPU ms per Job, by process, from the phase's start until its last Job was seen. */
  cpuMsPerJob: Record<string, number>;
}

async function operatorPhase(client: KubeClient): Promise<Phase> {
  await createFixtures(client, NAMESPACE);
  const operator = await startOperator('ceiling-operator', NAMESPACE, { nodeOptions: operatorNodeOptions() });
  try {
    const jobs = new EventClock<Job>(client, jobType, NAMESPACE);
    await jobs.start();
    const child = { name: 'operator', pid: operator.pid };
    const before = cpuSample(child);
    await Promise.all(
      Array.from({ length: SUITES }, (_, i) =>
        client.create<Suite>(benchmarkSuiteType, suiteManifest(NAMESPACE, i)),
      ),
    );
    await waitUntil(`${JOBS} Jobs from the operator`, WAIT_MS, () => jobs.addedAt.size >= JOBS);
    const after = cpuSample(child);
    await jobs.stop();
    return measured(jobs, perJob(before, after, JOBS));
  } finally {
    await operator.handle.stop();
  }
}

async function ceilingPhase(client: KubeClient): Promise<Phase> {
  const { providers, policy } = await createFixtures(client, NAMESPACE);
  const suites = await pLimit(16).map(
    Array.from({ length: SUITES }, (_, i) => suiteManifest(NAMESPACE, i)),
    (manifest) => client.create<Suite>(benchmarkSuiteType, manifest),
  );
  const rendered = suites.flatMap((suite) =>
    suite.spec.benchmarks.flatMap((benchmark) =>
      suite.spec.targets.map((target) =>
        renderJob({
          suite,
          round: 1,
          benchmark,
          target,
          attempt: 1,
          provider: providers.get(target.providerRef)!,
          model: target.model,
          schedulePolicy: policy,
        }),
      ),
    ),
  );
  const jobsFile = path.join(resultsDir, 'ceiling-jobs.json');
  writeFileSync(jobsFile, JSON.stringify(rendered));

  const jobs = new EventClock<Job>(client, jobType, NAMESPACE);
  await jobs.start();
  const worker = spawnNode('ceiling-worker', ['test/bench/ceiling-worker.ts', jobsFile], {
    KUBECONFIG: benchKubeconfig,
  });
  try {
    // Started and connected before it is timed, as the operator is (its start-up is not Job creation).
    await worker.waitForOutput(/^(ready)$/m, 60_000);
    const child = { name: 'worker', pid: worker.child.pid! };
    const before = cpuSample(child);
    worker.child.kill('SIGUSR1');
    await waitUntil(`${JOBS} Jobs from the ceiling worker`, WAIT_MS, () => {
      if (worker.child.exitCode !== null)
        throw new Error(
          `ceiling worker exited with ${worker.child.exitCode}:\n${worker.output().slice(-3000)}`,
        );
      return jobs.addedAt.size >= JOBS;
    });
    const after = cpuSample(child);
    worker.child.kill('SIGUSR1');
    const code = await worker.exited;
    if (code !== 0) throw new Error(`ceiling worker exited with ${code}:\n${worker.output().slice(-3000)}`);
    await jobs.stop();
    return measured(jobs, perJob(before, after, JOBS));
  } finally {
    await worker.stop('SIGKILL');
  }
}

function measured(jobs: EventClock<Job>, cpuMsPerJob: Record<string, number>): Phase {
  const added = rate([...jobs.addedAt.values()]);
  return {
    jobs: added.jobs,
    firstToLastAddedMs: round(added.spanMs, 0),
    jobsPerSecond: round(added.perSecond),
    cpuMsPerJob,
  };
}

async function phaseOnFreshCluster(
  name: string,
  phase: (client: KubeClient) => Promise<Phase>,
): Promise<Phase> {
  await freshCluster();
  const { client } = await benchClient();
  const result = await phase(client);
  log(`${name}: ${result.jobsPerSecond} Jobs/s; CPU ms per Job ${JSON.stringify(result.cpuMsPerJob)}`);
  return result;
}

const median = (values: number[]): number => percentile(values, 50);

/** The median of each process's CPU per Job over the rounds. */
function medianCpu(phases: Phase[]): Record<string, number> {
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.cpuMsPerJob)))];
  return Object.fromEntries(names.map((n) => [n, median(phases.map((p) => p.cpuMsPerJob[n] ?? 0))]));
}

async function main(): Promise<void> {
  if (!CLUSTER)
    throw new Error(
      'CLUSTER_NAME is not set: this benchmark deletes and recreates that cluster; run it through hack/bench.sh (BENCH_ONLY=operator-ceiling)',
    );
  mkdirSync(resultsDir, { recursive: true });
  const load: Record<string, number[]> = { start: os.loadavg() };
  const rounds: Array<{ operator: Phase; ceiling: Phase; ratio: number }> = [];
  try {
    for (let i = 1; i <= ROUNDS; i++) {
      log(
        `round ${i} of ${ROUNDS}: ${SUITES} suites × ${RUNS_PER_SUITE} runs = ${JOBS} Jobs, each phase on a fresh cluster`,
      );
      const operator = await phaseOnFreshCluster(`round ${i}: operator`, operatorPhase);
      const ceiling = await phaseOnFreshCluster(`round ${i}: ceiling`, ceilingPhase);
      rounds.push({ operator, ceiling, ratio: round(operator.jobsPerSecond / ceiling.jobsPerSecond, 2) });
      load[`round${i}`] = os.loadavg();
    }
  } finally {
    await run(path.join(repoRoot, 'hack/testenv/cluster.sh'), ['down'], { env: process.env }).catch(
      () => undefined,
    );
  }
  const ratio = median(rounds.map((r) => r.ratio));
  const operatorCpu = medianCpu(rounds.map((r) => r.operator));
  const ceilingCpu = medianCpu(rounds.map((r) => r.ceiling));
  const result = {
    benchmark: 'operator-ceiling',
    date: new Date().toISOString(),
    machine: machine(load),
    config: { suites: SUITES, jobs: JOBS, rounds: ROUNDS, createConcurrency: CREATE_CONCURRENCY },
    rounds,
    ratio,
    cpuMsPerJob: { operator: operatorCpu, ceiling: ceilingCpu },
    target: TARGET_RATIO,
    pass: ratio >= TARGET_RATIO,
  };
  const file = path.join(resultsDir, 'operator-ceiling.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const processes = Object.keys({ ...operatorCpu, ...ceilingCpu }).filter((n) => n !== 'total');
  console.log(
    table([
      ['rounds (each phase on a fresh cluster)', `${ROUNDS} × ${JOBS} Jobs`],
      ...rounds.map((r, i): [string, string] => [
        `round ${i + 1}: operator / ceiling Jobs/s`,
        `${r.operator.jobsPerSecond} / ${r.ceiling.jobsPerSecond} = ${r.ratio}`,
      ]),
      [
        `median operator / ceiling (target ≥ ${TARGET_RATIO})`,
        `${ratio}: ${result.pass ? 'met' : 'not met'}`,
      ],
      ...[...processes, 'total'].map((n): [string, string] => [
        `CPU ms per Job, median: ${n} (operator phase / ceiling phase)`,
        `${operatorCpu[n] ?? '-'} / ${ceilingCpu[n] ?? '-'}`,
      ]),
    ]),
  );
  log(`results: ${path.relative(process.cwd(), file)}`);
}

runBenchmark(main);
