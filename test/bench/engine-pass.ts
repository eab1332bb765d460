// Benchmark: the time of one scheduling pass of the engine (core/scheduling/engine.ts schedule()),
// pure CPU, no cluster. Run by `make bench` (hack/bench.sh), or alone:
//
//   node test/bench/engine-pass.ts
//
// Environment: BENCH_ENGINE_SIZES (1000,10000,100000), BENCH_ENGINE_PASSES (50 for up to 10,000
// runs, 20 above), BENCH_ENGINE_WARMUP (10), BENCH_SNAPSHOT_SUITES (10000; 0 skips the snapshot
// measurement below). Writes .cache/bench/engine-pass.json.
//
// The snapshot: N queued runs (plus 1 running run per 10 queued, so the caps are partly taken)
// over 50 ProviderPolicies and 20 SchedulePolicies in 5 namespaces, in suites of 10 to 100 runs
// with 4 priority levels. Providers: caps of 5 to 40 runs (every 7th uncapped), every 10th
// half-open (2 probes), every 12th open with a failover chain of 2 providers, every 8th with a
// budget (every 16th exhausted), every 25th degraded. Policies: caps of 20 to 200 runs (every 4th
// uncapped). Suites: every 3rd with a cap, every 4th with a SchedulePolicy, every 50th suspended,
// every 5th run depends on nothing but waits on a dependency (not admissible). The data is made
// from a fixed seed, so every run of the benchmark measures the same snapshot.
//
// A pass is timed from the call to schedule() to its return (the decisions, with their messages,
// are built inside). The snapshot is built once per size and reused: schedule() does not mutate it.
// CPU per pass is given twice: the process's (user + system, GC helper threads included) and the
// main thread's (what the pass itself costs, steadier on a busy machine).
//
// The scheduler builds that snapshot on each pass (controllers/scheduler/reconciler.ts), from
// core/scheduling/suite-snapshot.ts; it is measured too, without a cluster: BENCH_SNAPSHOT_SUITES
// suites of 10 runs (2 targets x 5 benchmarks, like operator-throughput's load), all queued.
// "cold": suiteRuns() + suiteContext() for every suite (a suite whose cached objects changed since
// the last pass, or every suite on the first pass); "kept": suiteContext() alone (the scheduler
// keeps a suite's runs between passes until its inputs change: SchedulingState.suiteRuns).
//
// bench: no-cluster
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  schedule,
  type PolicySnapshot,
  type ProviderSnapshot,
  type RunPlacement,
  type SchedulingSnapshot,
  type SuiteSnapshot,
} from '../../operator/src/core/scheduling/engine.ts';
import {
  suiteContext,
  suiteRuns,
  type SuiteRuns,
} from '../../operator/src/core/scheduling/suite-snapshot.ts';
import type { RunState } from '../../operator/src/core/suite/run-state.ts';
import type { BenchmarkSuite, ProviderPolicy } from '../../operator/src/api/v1alpha1/index.ts';
import { log, percentile, resultsDir } from './support.ts';
import { seededRandom } from '../support/seeded-random.ts';

const SIZES = (process.env.BENCH_ENGINE_SIZES ?? '1000,10000,100000').split(',').map(Number);
const WARMUP = Number(process.env.BENCH_ENGINE_WARMUP ?? 10);
const passesFor = (size: number): number =>
  Number(process.env.BENCH_ENGINE_PASSES ?? (size > 10_000 ? 20 : 50));
const SNAPSHOT_SUITES = Number(process.env.BENCH_SNAPSHOT_SUITES ?? 10_000);
const GOALS = [
  { runs: 10_000, medianMs: 20 },
  { runs: 100_000, medianMs: 50 },
];

const NOW = Date.parse('2026-11-22T12:00:00Z');
const NAMESPACES = ['team-a', 'team-b', 'team-c', 'team-d', 'team-e'];
const PROVIDERS = 50;
const POLICIES = 20;
const PRIORITIES = [0, 10, 100, 1000];
const BENCHMARKS = ['mmlu', 'gsm8k', 'humaneval', 'truthfulqa', 'hellaswag', 'arc', 'bbh', 'ifeval'];

const providerKey = (i: number): string => `${NAMESPACES[i % NAMESPACES.length]}/provider-${i}`;
const policyKey = (i: number): string => `${NAMESPACES[i % NAMESPACES.length]}/policy-${i}`;

function providers(): Map<string, ProviderSnapshot> {
  const map = new Map<string, ProviderSnapshot>();
  for (let i = 0; i < PROVIDERS; i++) {
    const p: ProviderSnapshot = {};
    if (i % 7 !== 0) p.maxConcurrentRuns = 5 + ((i * 13) % 36);
    if (i % 10 === 3) p.circuit = { state: 'HalfOpen', halfOpenMaxRuns: 2 };
    else if (i % 12 === 5) {
      p.circuit = { state: 'Open', openUntil: NOW + 60_000, halfOpenMaxRuns: 1 };
      // Failover within the namespace (provider keys are namespaced): i+5, i+10 share i's namespace.
      p.failover = [
        { provider: providerKey((i + 5) % PROVIDERS), models: { 'model-0': 'model-0-alt' } },
        { provider: providerKey((i + 10) % PROVIDERS), models: {} },
      ];
    } else p.circuit = { state: 'Closed', halfOpenMaxRuns: 1 };
    if (i % 8 === 1) {
      const limit = 100_000_000_000n; // 100 units
      p.budget = {
        limit,
        spent: i % 16 === 1 ? limit : limit / 2n,
        reservePerRun: 50_000_000n,
        describe: `${i % 16 === 1 ? '100.00' : '50.00'} of 100.00 USD`,
        resetsAt: NOW + 3_600_000,
      };
    }
    if (i % 25 === 24) p.degraded = 'credentials rejected (exit code 12)';
    map.set(providerKey(i), p);
  }
  return map;
}

function policies(): Map<string, PolicySnapshot> {
  const map = new Map<string, PolicySnapshot>();
  for (let i = 0; i < POLICIES; i++) {
    map.set(policyKey(i), i % 4 === 0 ? {} : { maxConcurrentRuns: 20 + ((i * 37) % 181) });
  }
  return map;
}

function runState(name: string, order: number, provider: string, model: string, running: boolean): RunState {
  const [benchmark, target] = name.split('--') as [string, string];
  const spec = {
    name,
    order,
    benchmark: { name: benchmark },
    target: { name: target, providerRef: provider, model },
  };
  if (running) {
    return {
      spec,
      state: 'Running',
      reason: 'Running',
      message: `Job ${name}-1 is running`,
      attempt: 1,
      job: `${name}-1`,
      provider,
      model,
      startTime: new Date(NOW - 60_000).toISOString(),
      admissible: false,
    };
  }
  return {
    spec,
    state: 'Queued',
    reason: 'Queued',
    message: 'waiting to be admitted',
    attempt: 0,
    admissible: true,
  };
}

/** A snapshot with `queued` admissible runs (and some running and some waiting on dependencies). */
export function buildSnapshot(queued: number, seed = 42): SchedulingSnapshot {
  const rand = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const suites: SuiteSnapshot[] = [];
  let admissible = 0;
  for (let s = 0; admissible < queued; s++) {
    const namespace = NAMESPACES[s % NAMESPACES.length]!;
    const size = Math.min(int(10, 100), queued - admissible + Math.ceil((queued - admissible) / 4));
    // Providers of this namespace: index ≡ namespace index (mod 5).
    const nsIndex = s % NAMESPACES.length;
    const targets = Array.from(
      { length: int(1, 4) },
      () => nsIndex + NAMESPACES.length * int(0, PROVIDERS / NAMESPACES.length - 1),
    );
    const policyIndex =
      s % 4 === 0 ? nsIndex + NAMESPACES.length * int(0, POLICIES / NAMESPACES.length - 1) : undefined;
    const runs: RunState[] = [];
    const placements: RunPlacement[] = [];
    const shared = new Map<string, RunPlacement>();
    for (let r = 0; r < size && admissible < queued; r++) {
      const providerIndex = targets[r % targets.length]!;
      const provider = `provider-${providerIndex}`;
      const model = `model-${r % 3}`;
      const name = `${BENCHMARKS[Math.floor(r / targets.length) % BENCHMARKS.length]}-${Math.floor(r / targets.length / BENCHMARKS.length)}--t${r % targets.length}`;
      const roll = rand();
      const running = roll < 0.1;
      const state = runState(name, r, provider, model, running);
      if (!running && roll < 0.28) {
        // Waits on a dependency: in the snapshot, but not a candidate.
        state.admissible = false;
        state.reason = 'WaitingForDependencies';
      }
      if (state.admissible) admissible++;
      runs.push(state);
      // One placement per target and model, shared by its runs, as suiteRuns() makes them.
      const key = `${provider}/${model}`;
      let placement = shared.get(key);
      if (!placement) {
        placement = { provider: `${namespace}/${provider}`, model };
        shared.set(key, placement);
      }
      placements.push(placement);
    }
    suites.push({
      key: `${namespace}/suite-${s}`,
      namespace,
      createdAt: NOW - 86_400_000 + s * 1000,
      ...(s % 2 === 0 ? { lastAdmittedAt: NOW - int(0, 3_600_000) } : {}),
      priority: PRIORITIES[int(0, PRIORITIES.length - 1)]!,
      maxConcurrentRuns: s % 3 === 0 ? int(2, 10) : undefined,
      schedulePolicy: policyIndex !== undefined ? policyKey(policyIndex) : undefined,
      gate: s % 50 === 49 ? { reason: 'Suspended', message: 'the suite is suspended' } : undefined,
      runs,
      placements,
    });
  }
  return { now: NOW, suites, providers: providers(), policies: policies() };
}

interface SizeResult {
  queuedRuns: number;
  totalRuns: number;
  suites: number;
  admitted: number;
  deferred: number;
  passes: number;
  medianMs: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** CPU time of the process (user + system) per pass, GC helper threads included. */
  cpuMedianMs: number;
  cpuP99Ms: number;
  /** CPU time of the main thread per pass: what the pass costs when it has a core to itself. */
  threadCpuMedianMs: number;
}

const threadCpuMs = (): number => process.threadCpuUsage().user / 1000;

function measure(size: number): SizeResult {
  const snapshot = buildSnapshot(size);
  const passes = passesFor(size);
  let last = schedule(snapshot);
  for (let i = 0; i < WARMUP; i++) last = schedule(snapshot);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const threadTimes: number[] = [];
  for (let i = 0; i < passes; i++) {
    const cpu = process.cpuUsage();
    const thread = threadCpuMs();
    const start = performance.now();
    last = schedule(snapshot);
    times.push(performance.now() - start);
    threadTimes.push(threadCpuMs() - thread);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  const admitted = last.decisions.filter((d) => d.type === 'admit').length;
  return {
    queuedRuns: size,
    totalRuns: snapshot.suites.reduce((sum, s) => sum + s.runs.length, 0),
    suites: snapshot.suites.length,
    admitted,
    deferred: last.decisions.length - admitted,
    passes,
    medianMs: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
    cpuMedianMs: round(percentile(cpuTimes, 50)),
    cpuP99Ms: round(percentile(cpuTimes, 99)),
    threadCpuMedianMs: round(percentile(threadTimes, 50)),
  };
}

interface SnapshotResult {
  suites: number;
  runs: number;
  passes: number;
  /** suiteRuns() + suiteContext() for every suite. */
  coldMedianMs: number;
  /** suiteContext() for every suite, its runs kept from an earlier pass. */
  keptMedianMs: number;
}

/** The suites' snapshots built as the scheduler builds them, without the cache around them. */
function measureSnapshot(count: number): SnapshotResult {
  const namespaces = Array.from({ length: 20 }, (_, i) => `team-${i}`);
  const providersOf = new Map(
    namespaces.map((namespace) => [
      namespace,
      new Map(
        ['openai', 'anthropic'].map((name) => [
          name,
          { metadata: { name, namespace }, spec: {} } as ProviderPolicy,
        ]),
      ),
    ]),
  );
  const suites = Array.from({ length: count }, (_, i): BenchmarkSuite => {
    const namespace = namespaces[i % namespaces.length]!;
    const suite: BenchmarkSuite = {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: {
        name: `suite-${i}`,
        namespace,
        uid: `uid-${i}`,
        generation: 1,
        // A string, as the operator's cache holds it (V1ObjectMeta's type says Date).
        creationTimestamp: new Date(NOW - 3_600_000 + i).toISOString() as unknown as Date,
      },
      spec: {
        runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
        targets: [
          { name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' },
          { name: 'claude', providerRef: 'anthropic', model: 'claude-haiku-4-5' },
        ],
        benchmarks: [
          { name: 'mmlu' },
          { name: 'gsm8k' },
          { name: 'humaneval' },
          { name: 'truthfulqa' },
          { name: 'hellaswag' },
        ],
      },
      status: { round: 1, roundGeneration: 1, observedGeneration: 1 },
    };
    return suite;
  });
  const cold = (): SuiteRuns[] =>
    suites.map((suite) => {
      const runs = suiteRuns({
        suite,
        jobs: [],
        podsOfJob: () => [],
        pendingAttempts: [],
        providers: providersOf.get(suite.metadata.namespace!)!,
        roundRecords: [],
        now: NOW,
      })!;
      suiteContext(suite, runs, NOW, undefined);
      return runs;
    });
  const kept = cold();
  const passes = 10;
  const time = (build: () => unknown): number => {
    for (let i = 0; i < 3; i++) build();
    const times: number[] = [];
    for (let i = 0; i < passes; i++) {
      const start = performance.now();
      build();
      times.push(performance.now() - start);
    }
    return round(percentile(times, 50));
  };
  return {
    suites: count,
    runs: kept.reduce((sum, r) => sum + r.runs.length, 0),
    passes,
    coldMedianMs: time(cold),
    keptMedianMs: time(() => suites.map((suite, i) => suiteContext(suite, kept[i]!, NOW, undefined))),
  };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function main(): void {
  const results: SizeResult[] = [];
  for (const size of SIZES) {
    log(`engine pass: ${size} queued runs`);
    results.push(measure(size));
  }
  const snapshot = SNAPSHOT_SUITES > 0 ? measureSnapshot(SNAPSHOT_SUITES) : undefined;
  const goals = GOALS.flatMap((goal) => {
    const result = results.find((r) => r.queuedRuns === goal.runs);
    return result
      ? [
          {
            description: `median pass over ${goal.runs} queued runs < ${goal.medianMs} ms`,
            met: result.medianMs < goal.medianMs,
            medianMs: result.medianMs,
          },
        ]
      : [];
  });
  const output = {
    benchmark: 'engine-pass',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: os.loadavg(),
    providers: PROVIDERS,
    policies: POLICIES,
    warmupPasses: WARMUP,
    results,
    snapshot,
    goals,
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'engine-pass.json');
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);

  const header = [
    'queued runs',
    'suites',
    'admitted',
    'deferred',
    'passes',
    'median ms',
    'p99 ms',
    'max ms',
    'CPU median ms',
    'CPU p99 ms',
    'main thread CPU median ms',
  ];
  const rows = results.map((r) => [
    r.queuedRuns.toLocaleString('en-US'),
    String(r.suites),
    String(r.admitted),
    String(r.deferred),
    String(r.passes),
    r.medianMs.toFixed(2),
    r.p99Ms.toFixed(2),
    r.maxMs.toFixed(2),
    r.cpuMedianMs.toFixed(2),
    r.cpuP99Ms.toFixed(2),
    r.threadCpuMedianMs.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  console.log(
    [
      `engine pass: ${PROVIDERS} providers, ${POLICIES} SchedulePolicies (${process.version}, ${os.cpus().length} CPUs)`,
      rule,
      line(header),
      rule,
      ...rows.map(line),
      rule,
      ...goals.map((g) => `${g.description}: ${g.met ? 'met' : 'not met'} (${g.medianMs.toFixed(2)} ms)`),
      snapshot
        ? `snapshot for ${snapshot.suites} suites / ${snapshot.runs} runs (median of ${snapshot.passes}): cold ${snapshot.coldMedianMs.toFixed(1)} ms, runs kept ${snapshot.keptMedianMs.toFixed(1)} ms`
        : '',
      `load average (1/5/15 min): ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}; on a busy machine the CPU columns show what a pass costs with a core to itself`,
      `results: ${path.relative(process.cwd(), file)}`,
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
