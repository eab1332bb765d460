import { Gauge, type Registry } from 'prom-client';
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { SuiteObject } from '../caches.ts';
import { AdmissionWaits } from './admission-waits.ts';
import type { MetricSources } from './sources.ts';
import { waitReason, type WaitReason } from './wait-reasons.ts';

type RunState = NonNullable<NonNullable<BenchmarkSuite['status']>['runs']>[number]['state'];
type Phase = NonNullable<NonNullable<BenchmarkSuite['status']>['phase']>;
type GateVerdict = NonNullable<NonNullable<BenchmarkSuite['status']>['gates']>[number]['verdict'];

const RUN_STATES: RunState[] = ['Queued', 'Running', 'Succeeded', 'Failed', 'Retrying', 'Blocked'];
const PHASES: Phase[] = ['Pending', 'Waiting', 'Running', 'Succeeded', 'Failed', 'Suspended'];
const GATE_VERDICTS: GateVerdict[] = ['Passed', 'Failed', 'Inconclusive'];

interface SuiteCounts {
  byState: Map<RunState, number>;
  waitingByReason: Map<WaitReason, number>;
}

// The store replaces an object on every change, so its identity keys the counts of one version.
const countsOf = new WeakMap<SuiteObject, SuiteCounts>();

function counts(suite: SuiteObject): SuiteCounts {
  let found = countsOf.get(suite);
  if (!found) {
    found = { byState: new Map(RUN_STATES.map((s) => [s, 0])), waitingByReason: new Map() };
    for (const run of suite.status?.runs ?? []) {
      found.byState.set(run.state, (found.byState.get(run.state) ?? 0) + 1);
      if (run.state === 'Queued' || run.state === 'Retrying') {
        const reason = waitReason(run.reason);
        found.waitingByReason.set(reason, (found.waitingByReason.get(reason) ?? 0) + 1);
      }
    }
    countsOf.set(suite, found);
  }
  return found;
}

const suiteLabels = (suite: SuiteObject) => ({
  namespace: suite.metadata.namespace!,
  suite: suite.metadata.name!,
});

/** Gauges of the suites' and SchedulePolicies' runs, read from the suites' status at scrape time. */
export function registerSuiteMetrics(registry: Registry, sources: MetricSources): void {
  const registers = [registry];
  /** Sets a gauge from the suites on the leader; always from scratch, so deleted suites' series go. */
  const perSuite = (fill: (gauge: Gauge<string>, suite: SuiteObject) => void) =>
    function collect(this: Gauge<string>) {
      this.reset();
      if (!sources.isLeader()) return;
      for (const suite of sources.suites()) fill(this, suite);
    };
  new Gauge({
    name: 'bench_suite_runs',
    help: "Runs of the suite's current round by state (Queued, Running, Succeeded, Failed, Retrying, Blocked).",
    labelNames: ['namespace', 'suite', 'state'],
    registers,
    collect: perSuite((gauge, suite) => {
      for (const [state, count] of counts(suite).byState) gauge.set({ ...suiteLabels(suite), state }, count);
    }),
  });
  new Gauge({
    name: 'bench_suite_waiting_runs',
    help: "Runs of the suite's current round waiting to start (Queued or Retrying), by the reason in their status.",
    labelNames: ['namespace', 'suite', 'reason'],
    registers,
    collect: perSuite((gauge, suite) => {
      for (const [reason, count] of counts(suite).waitingByReason) {
        gauge.set({ ...suiteLabels(suite), reason }, count);
      }
    }),
  });
  new Gauge({
    name: 'bench_suite_phase',
    help: 'The phase of the suite: 1 for the current phase, 0 for the others.',
    labelNames: ['namespace', 'suite', 'phase'],
    registers,
    collect: perSuite((gauge, suite) => {
      const current = suite.status?.phase ?? 'Pending';
      for (const phase of PHASES) gauge.set({ ...suiteLabels(suite), phase }, phase === current ? 1 : 0);
    }),
  });
  new Gauge({
    name: 'bench_suite_round',
    help: 'The current round of the suite (0 before the first).',
    labelNames: ['namespace', 'suite'],
    registers,
    collect: perSuite((gauge, suite) => gauge.set(suiteLabels(suite), suite.status?.round ?? 0)),
  });
  new Gauge({
    name: 'bench_run_score',
    help: "The score of each succeeded run of the suite's current round, by benchmark and target: at most one series per run of the suite (1,000), gone while the next round's run has not finished.",
    labelNames: ['namespace', 'suite', 'benchmark', 'target'],
    registers,
    collect: perSuite((gauge, suite) => {
      for (const run of suite.status?.runs ?? []) {
        const score = run.result?.score;
        if (run.state !== 'Succeeded' || score === undefined || !Number.isFinite(score)) continue;
        gauge.set({ ...suiteLabels(suite), benchmark: run.benchmark, target: run.target }, score);
      }
    }),
  });
  new Gauge({
    name: 'bench_gate_verdict',
    help: "The verdict of each regression gate on the suite's latest finished round: 1 for the current verdict (Passed, Failed, Inconclusive), 0 for the others; at most 16 gates a suite.",
    labelNames: ['namespace', 'suite', 'gate', 'verdict'],
    registers,
    collect: perSuite((gauge, suite) => {
      for (const gate of suite.status?.gates ?? []) {
        for (const verdict of GATE_VERDICTS) {
          gauge.set({ ...suiteLabels(suite), gate: gate.name, verdict }, verdict === gate.verdict ? 1 : 0);
        }
      }
    }),
  });
  new Gauge({
    name: 'bench_gate_value',
    help: "The candidate's value each regression gate judged on the suite's latest finished round (its score or metric), kept while the next round runs; none when the candidate's run had no value.",
    labelNames: ['namespace', 'suite', 'gate'],
    registers,
    collect: perSuite((gauge, suite) => {
      for (const gate of suite.status?.gates ?? []) {
        if (gate.value !== undefined) gauge.set({ ...suiteLabels(suite), gate: gate.name }, gate.value);
      }
    }),
  });
  const waits = new AdmissionWaits();
  new Gauge({
    name: 'bench_suite_longest_admission_wait_seconds',
    help: 'How long the run of the suite that has waited longest for admission (capacity, circuit, budget) has waited, as seen by this process.',
    labelNames: ['namespace', 'suite'],
    registers,
    collect() {
      this.reset();
      const suites = sources.suites();
      // Observed on standbys too, so a new leader's ages go on from what it saw.
      const longest = waits.observe(suites, sources.now());
      if (!sources.isLeader()) return;
      for (const suite of suites) {
        const labels = suiteLabels(suite);
        this.set(labels, longest.get(`${labels.namespace}/${labels.suite}`) ?? 0);
      }
    },
  });

  /** Per SchedulePolicy: the sum of a count over the suites that reference it. */
  const perPolicy = (count: (suite: SuiteObject) => number) =>
    function collect(this: Gauge<string>) {
      this.reset();
      if (!sources.isLeader()) return;
      const totals = new Map<string, number>();
      for (const policy of sources.schedulePolicies()) {
        totals.set(`${policy.metadata.namespace}/${policy.metadata.name}`, 0);
      }
      for (const suite of sources.suites()) {
        const key = `${suite.metadata.namespace}/${suite.spec.schedulePolicyRef}`;
        const total = totals.get(key);
        if (suite.spec.schedulePolicyRef && total !== undefined) totals.set(key, total + count(suite));
      }
      for (const [key, total] of totals) {
        const [namespace, schedulepolicy] = key.split('/') as [string, string];
        this.set({ namespace, schedulepolicy }, total);
      }
    };
  new Gauge({
    name: 'bench_schedulepolicy_queued_runs',
    help: 'Runs waiting to start (Queued or Retrying) in the current rounds of the suites that use the SchedulePolicy: its queue depth.',
    labelNames: ['namespace', 'schedulepolicy'],
    registers,
    collect: perPolicy((suite) => {
      const { byState } = counts(suite);
      return byState.get('Queued')! + byState.get('Retrying')!;
    }),
  });
  new Gauge({
    name: 'bench_schedulepolicy_running_runs',
    help: 'Runs executing now in the current rounds of the suites that use the SchedulePolicy.',
    labelNames: ['namespace', 'schedulepolicy'],
    registers,
    collect: perPolicy((suite) => counts(suite).byState.get('Running')!),
  });
}
