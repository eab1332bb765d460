// Benchmark: slot-to-next-Job latency. With a ProviderPolicy capped at 1 run at a time, every Job
// of a suite waits for the previous one: how long after the previous Job is observed Complete is
// the next Job observed created? That is the whole path through the operator: the Job informer
// event, the scheduling pass, and the server-side apply of the next Job. Run by `make bench`
// (hack/bench.sh), or alone against any cluster:
//
//   BENCH_KUBECONFIG=.cache/testenv/kubeconfig node test/bench/slot-latency.ts
//
// Environment: BENCH_SLOT_RUNS (20), BENCH_SLOT_ROUNDS (1: suites run one after the other, each
// BENCH_SLOT_RUNS runs). Writes .cache/bench/slot-latency.json.
//
// The operator runs as a child process (as `make run`) over a namespace of its own. One watch on
// Jobs (list + watch, this process) timestamps every event on arrival with a sub-millisecond
// clock: "Complete" is the first event showing the Job's Complete condition True, "created" the
// first event showing the next Job. Both are seen by the same watcher the same way, so watch
// delivery delays largely cancel; the Job status condition's own lastTransitionTime has 1 s
// granularity and is not used.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import {
  benchmarkSuiteType,
  jobType,
  providerPolicyType,
  schedulePolicyType,
} from '../../operator/src/controllers/resources.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import {
  benchClient,
  benchKubeconfig,
  createNamespace,
  deleteNamespaces,
  EventClock,
  log,
  now,
  percentile,
  resultsDir,
  runBenchmark,
  spawnNode,
  table,
  waitUntil,
} from './support.ts';

const RUNS = Number(process.env.BENCH_SLOT_RUNS ?? 20);
const SUITES = Number(process.env.BENCH_SLOT_ROUNDS ?? 1);
const GOAL_P99_MS = 1000;

type Job = V1Job & KubeObject;
type Suite = BenchmarkSuite & KubeObject;

const isComplete = (job: Job): boolean =>
  job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;

async function main(): Promise<void> {
  const { client } = await benchClient();
  const namespace = `bench-slot-${Date.now().toString(36)}`;
  log(`slot latency: namespace ${namespace} on ${benchKubeconfig}`);
  await createNamespace(client, namespace);
  await client.create(providerPolicyType, {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'ProviderPolicy',
    metadata: { name: 'openai', namespace },
    spec: { provider: 'openai', maxConcurrentRuns: 1 },
  });
  // Small requests, so the pods fit on any CPU node at once.
  await client.create(schedulePolicyType, {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name: 'bench', namespace },
    spec: { resources: { requests: { cpu: '10m', memory: '16Mi' } } },
  });

  const completeAt = new Map<string, number>();
  const jobs = new EventClock<Job>(client, jobType, namespace, (type, job, at) => {
    if (type !== 'DELETED' && isComplete(job) && !completeAt.has(job.metadata.name!))
      completeAt.set(job.metadata.name!, at);
  });
  await jobs.start();

  const operator = spawnNode(
    'slot-latency-operator',
    [
      'operator/src/main.ts',
      '--leader-elect=false',
      `--namespaces=${namespace}`,
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
    ],
    { KUBECONFIG: benchKubeconfig, POD_NAME: 'bench-slot-latency' },
  );
  const samples: Array<{ previous: string; next: string; ms: number }> = [];
  let elapsedMs: number | undefined;
  try {
    const healthPort = Number(await operator.waitForOutput(/"healthPort":(\d+)/, 60_000));
    await waitUntil('the operator to be ready', 60_000, async () => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return response?.status === 200;
    });

    const startedAt = now();
    for (let s = 0; s < SUITES; s++) {
      const name = `serial-${s}`;
      log(`suite ${name}: ${RUNS} runs, one at a time`);
      await client.create<Suite>(benchmarkSuiteType, {
        apiVersion: 'bench.dev/v1alpha1',
        kind: 'BenchmarkSuite',
        metadata: { name, namespace },
        spec: {
          runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
          schedulePolicyRef: 'bench',
          targets: [{ name: 'mini', providerRef: 'openai', model: 'gpt-4o-mini' }],
          benchmarks: Array.from({ length: RUNS }, (_, i) => ({ name: `b${String(i).padStart(3, '0')}` })),
        },
      } as unknown as Suite);
      const suiteJobs = () => [...jobs.addedAt.keys()].filter((job) => job.startsWith(`${name}-`));
      // Pods take about 1 s each (KWOK): RUNS × (1 s + latency), with a generous margin.
      await waitUntil(`the ${RUNS} Jobs of ${name} to complete`, RUNS * 15_000 + 60_000, () => {
        if (operator.child.exitCode !== null)
          throw new Error(
            `the operator exited (${operator.child.exitCode}):\n${operator.output().slice(-3000)}`,
          );
        const seen = suiteJobs();
        return seen.length === RUNS && seen.every((job) => completeAt.has(job));
      });
      const ordered = suiteJobs().sort((a, b) => jobs.addedAt.get(a)! - jobs.addedAt.get(b)!);
      for (let i = 1; i < ordered.length; i++) {
        const previous = ordered[i - 1]!;
        const next = ordered[i]!;
        const freed = completeAt.get(previous)!;
        const created = jobs.addedAt.get(next)!;
        if (created < freed)
          throw new Error(`Job ${next} was created before ${previous} completed: the cap of 1 was exceeded`);
        samples.push({ previous, next, ms: Math.round((created - freed) * 10) / 10 });
      }
    }
    elapsedMs = now() - startedAt;
  } finally {
    await jobs.stop();
    const code = await Promise.race([
      operator.stop('SIGTERM'),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
    ]);
    if (code === 'timeout') await operator.stop('SIGKILL');
    await deleteNamespaces(client, [namespace]);
  }

  const values = samples.map((s) => s.ms);
  const result = {
    benchmark: 'slot-latency',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    config: { suites: SUITES, runsPerSuite: RUNS, providerMaxConcurrentRuns: 1 },
    latencyMs: {
      samples: values.length,
      p50: percentile(values, 50),
      p90: percentile(values, 90),
      p99: percentile(values, 99),
      max: Math.max(...values),
      min: Math.min(...values),
    },
    totalMs: Math.round(elapsedMs ?? NaN),
    goal: { p99Ms: GOAL_P99_MS, met: percentile(values, 99) < GOAL_P99_MS },
    samples,
  };
  const file = path.join(resultsDir, 'slot-latency.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    table([
      ['slot freed → next Job created', `${SUITES} suite(s) × ${RUNS} runs, provider cap 1`],
      ['samples', String(values.length)],
      ['p50', `${result.latencyMs.p50} ms`],
      ['p90', `${result.latencyMs.p90} ms`],
      [
        'p99',
        `${result.latencyMs.p99} ms (goal < ${GOAL_P99_MS} ms: ${result.goal.met ? 'met' : 'NOT met'})`,
      ],
      ['min / max', `${result.latencyMs.min} / ${result.latencyMs.max} ms`],
      [
        'load average (1/5/15 min)',
        os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' / '),
      ],
    ]),
  );
  log(`results: ${path.relative(process.cwd(), file)}`);
}

runBenchmark(main);
