import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { LABELS } from '../render/labels.ts';
import { observeAttempt } from '../suite/observe.ts';
import type { RunState } from '../suite/run-state.ts';
import type { SuiteInputs } from '../suite/inputs.ts';
import { runStates } from '../suite/round-runs.ts';
import { roundState } from '../suite/round-state.ts';
import { stallReason } from '../suite/stall.ts';
import type { RunPlacement, SuiteGate, SuiteSnapshot } from './engine.ts';
import { suiteGate } from './suite-gate.ts';

/**
 * A schedulable suite's current round and its run states: what a pass derives from the cache for
 * one suite. It depends on the clock only through runs in backoff (`retryAt`), so the scheduler
 * keeps it between passes otherwise (controllers/scheduler/suite-contexts.ts).
 */
export interface SuiteRuns {
  round: number;
  /** The round's Git revision: on its Jobs and in its decisions. */
  revision: string | undefined;
  runs: RunState[];
  policy: SuiteInputs['schedulePolicy'];
  /** Where each run goes, in step with `runs`: the engine's placements, derived with the runs. */
  placements: SuiteSnapshot['placements'];
  /** The latest start among runs whose Job has started, if any. */
  lastStarted: number | undefined;
  /** A run has a Job that has not started yet (or is not yet cached): it counts as started now. */
  unstarted: boolean;
  /** Jobs of earlier rounds still running, by provider: they count against the caps. */
  earlierRounds: SuiteSnapshot['earlierRounds'];
}

/** What the pass knows of one suite: the engine's snapshot and what its Jobs are rendered from. */
export interface SuiteContext {
  suite: BenchmarkSuite;
  round: number;
  revision: string | undefined;
  snapshot: SuiteSnapshot;
}

/**
 * The suite's runs for the engine, or undefined when the pass leaves it alone: deleted, a round
 * its reconciler has not started yet, or a suite that cannot proceed (Stalled).
 */
export function suiteRuns(inputs: SuiteInputs): SuiteRuns | undefined {
  const suite = inputs.suite;
  if (suite.metadata.deletionTimestamp) return undefined;
  const round = roundState(suite, inputs.jobs);
  if (round.startNew || stallReason(inputs)) return undefined;
  const runs = runStates(inputs, round.current);
  const namespace = suite.metadata.namespace!;
  const started = runs.filter((r) => r.attempt > 0);
  const starts = started.flatMap((r) => (r.startTime ? [Date.parse(r.startTime)] : []));
  return {
    round: round.current,
    revision: round.revision,
    runs,
    policy: inputs.schedulePolicy,
    placements: placementsOf(runs, namespace),
    lastStarted: starts.length ? Math.max(...starts) : undefined,
    unstarted: starts.length < started.length,
    earlierRounds: activeEarlierRounds(inputs.jobs, round.current, namespace),
  };
}

/**
 * Where each run goes. Runs with the same target provider, model and judge share one placement
 * (and so one key string per provider): a pass looks up every run's provider by key, and a few
 * objects it touches often stay in the CPU's caches where one per run would not.
 */
function placementsOf(runs: RunState[], namespace: string): RunPlacement[] {
  const shared = new Map<string, RunPlacement>();
  return runs.map(({ spec }) => {
    const judge = spec.benchmark.judge?.providerRef;
    const key = JSON.stringify([spec.target.providerRef, spec.target.model, judge]);
    let placement = shared.get(key);
    if (!placement) {
      placement = {
        provider: `${namespace}/${spec.target.providerRef}`,
        model: spec.target.model,
        ...(judge !== undefined ? { judge: `${namespace}/${judge}` } : {}),
      };
      shared.set(key, placement);
    }
    return placement;
  });
}

/** Running Jobs of rounds before `current`, by their provider (`namespace/name`). */
function activeEarlierRounds(
  jobs: SuiteInputs['jobs'],
  current: number,
  namespace: string,
): Map<string, number> | undefined {
  let counts: Map<string, number> | undefined;
  for (const job of jobs) {
    if (Number(job.metadata.labels?.[LABELS.round] ?? current) >= current) continue;
    const attempt = observeAttempt(job, []);
    if (attempt.phase !== 'Active' || !attempt.provider) continue;
    const provider = `${namespace}/${attempt.provider}`;
    counts ??= new Map();
    counts.set(provider, (counts.get(provider) ?? 0) + 1);
  }
  return counts;
}

/**
 * The suite as the engine sees it now. What depends on the clock (the gate, lastAdmittedAt) is
 * computed here on every pass, never kept with the runs. A suite's own gate (suspension, time
 * windows) comes before `otherGate` (e.g. the audit backlog).
 */
export function suiteContext(
  suite: BenchmarkSuite,
  { round, revision, runs, policy, placements, lastStarted, unstarted, earlierRounds }: SuiteRuns,
  now: number,
  otherGate: SuiteGate | undefined,
): SuiteContext {
  const namespace = suite.metadata.namespace!;
  return {
    suite,
    round,
    revision,
    snapshot: {
      key: `${namespace}/${suite.metadata.name}`,
      namespace,
      createdAt: Date.parse(String(suite.metadata.creationTimestamp ?? '')) || 0,
      // When a run of the suite last started; a Job not yet started (or not yet cached) counts as now.
      lastAdmittedAt: unstarted ? Math.max(lastStarted ?? -Infinity, now) : lastStarted,
      priority: suite.spec.priority ?? policy?.spec.priority ?? 0,
      maxConcurrentRuns: suite.spec.maxConcurrentRuns,
      schedulePolicy: policy ? `${namespace}/${policy.metadata.name}` : undefined,
      gate: suiteGate(suite, policy, now) ?? otherGate,
      runs,
      placements,
      earlierRounds,
    },
  };
}
