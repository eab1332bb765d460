// The BenchmarkRound record of a finished round, and which records the suite's history limit lets
// go: the round history that outlives the suite's status (docs/api.md, BenchmarkRound).
import type {
  BenchmarkRound,
  BenchmarkSuite,
  GateStatus,
  RoundGate,
  RoundRun,
  RunStatus,
  ScoreInterval,
} from '../../api/v1alpha1/index.ts';
import type { ItemOutcomes } from '../../../../runner/src/contract/outcomes.ts';
import type { RunOutcomes } from '../gates/round-gates.ts';
import { wilsonInterval } from '../stats/wilson.ts';
import { runArtifactsURL, type ArtifactStore } from '../render/artifact-store.ts';
import { LABELS, MANAGED_BY } from '../render/labels.ts';
import type { SuiteStatus } from '../status/suite-status.ts';
import { correctShare } from './correct-share.ts';

/** The CRD's default of spec.roundHistoryLimit. */
const DEFAULT_ROUND_HISTORY_LIMIT = 20;

/** A round record as the operator's cache holds it: its name and round, no more. */
export interface RoundRecordView {
  name: string;
  uid?: string | undefined;
  round: number;
}

/**
 * The most characters of per-item outcomes a record keeps, all runs together: with the widest runs'
 * entries the record stays well within etcd's 1.5 MiB (status-size.test.ts).
 */
export const RECORD_OUTCOMES_BUDGET = 524_288;

/** A record's name: the suite's (at most 63 characters) and the round's number. */
const roundRecordName = (suite: string, round: number): string => `${suite}-${round}`;

/**
 * The record of the round `status` describes, when that round has just finished and has none yet;
 * undefined otherwise. A round is finished when every run is (the status has a completionTime).
 * With an artifact store, each run's entry says where its artifacts are (the folder its Jobs were
 * given: the store is configured once, at the operator's start).
 */
export function roundRecordToCreate(
  suite: BenchmarkSuite,
  status: SuiteStatus,
  records: RoundRecordView[],
  artifacts?: ArtifactStore,
  outcomes: RunOutcomes = new Map(),
): BenchmarkRound | undefined {
  const round = status.round ?? 0;
  if (round < 1 || !status.completionTime || records.some((r) => r.round === round)) return undefined;
  const where = (run: RunStatus) =>
    artifacts
      ? runArtifactsURL(artifacts, {
          namespace: suite.metadata.namespace!,
          suite: suite.metadata.name!,
          round,
          run: run.name,
        })
      : undefined;
  const recorded = recordedOutcomes(suite, status.runs ?? [], outcomes);
  const runs = (status.runs ?? []).map((run) => recordedRun(run, where(run), recorded.get(run.name)));
  const succeeded = runs.filter((r) => r.state === 'Succeeded').length;
  const best = bestTarget(runs);
  const name = suite.metadata.name!;
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkRound',
    metadata: {
      name: roundRecordName(name, round),
      namespace: suite.metadata.namespace!,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.suite]: name, [LABELS.round]: String(round) },
      ownerReferences: [
        {
          apiVersion: suite.apiVersion ?? 'bench.dev/v1alpha1',
          kind: suite.kind ?? 'BenchmarkSuite',
          name,
          uid: suite.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      suite: name,
      round,
      phase: succeeded === runs.length ? 'Succeeded' : 'Failed',
      progress: `${succeeded}/${runs.length}`,
      ...(status.sourceRevision ? { sourceRevision: status.sourceRevision } : {}),
      ...(status.lastScheduleTime ? { startTime: status.lastScheduleTime } : {}),
      completionTime: status.completionTime,
      ...(best ? { best } : {}),
      ...gatesOf(status.gates, round),
      runs,
    },
  };
}

/** Records past the suite's history limit, oldest first: the newest `limit` are kept. */
export function roundRecordsToDelete(
  records: RoundRecordView[],
  limit: number = DEFAULT_ROUND_HISTORY_LIMIT,
): RoundRecordView[] {
  return [...records]
    .sort((a, b) => b.round - a.round)
    .slice(limit)
    .reverse();
}

function recordedRun(
  run: RunStatus,
  artifacts: string | undefined,
  outcomes: ItemOutcomes | undefined,
): RoundRun {
  const interval = scoreInterval(run);
  return {
    ...run,
    ...(interval ? { interval } : {}),
    ...(artifacts ? { artifacts } : {}),
    ...(outcomes ? { outcomes } : {}),
  };
}

/**
 * The runs' outcomes the record keeps, within RECORD_OUTCOMES_BUDGET: first those of the runs a gate
 * compares (its benchmark's candidate and baseline target), then the others in the runs' order.
 */
function recordedOutcomes(
  suite: BenchmarkSuite,
  runs: RunStatus[],
  outcomes: RunOutcomes,
): Map<string, ItemOutcomes> {
  const gated = (run: RunStatus) =>
    (suite.spec.gates ?? []).some(
      (g) =>
        g.benchmark === run.benchmark && (g.candidate === run.target || g.baseline.target === run.target),
    );
  const kept = new Map<string, ItemOutcomes>();
  let room = RECORD_OUTCOMES_BUDGET;
  for (const run of [...runs.filter(gated), ...runs.filter((run) => !gated(run))]) {
    const items = outcomes.get(run.name);
    if (!items) continue;
    const size = items.correct.length + (items.answered?.length ?? 0);
    if (size > room) continue;
    kept.set(run.name, items);
    room -= size;
  }
  return kept;
}

/**
 * Wilson's interval for a score that is the share of correct items, from the result's counts; a
 * score over an unknown number of items has none (an interval would be made up).
 */
function scoreInterval(run: RunStatus): ScoreInterval | undefined {
  const share = correctShare(run);
  if (!share) return undefined;
  const { correct, items } = share;
  const { low, high } = wilsonInterval(correct, items);
  const p = correct / items;
  return { method: 'Wilson', low, high, standardError: Math.sqrt((p * (1 - p)) / items), items };
}

/** The gates' verdicts on the round, and their one-word summary for the GATES column. */
function gatesOf(
  statuses: GateStatus[] | undefined,
  round: number,
): Pick<BenchmarkRound['spec'], 'gates' | 'gateVerdict'> {
  // The candidate's outcomes are in the record's runs already.
  const gates = (statuses ?? [])
    .filter((g) => g.round === round)
    .map(({ outcomes: _outcomes, ...gate }): RoundGate => gate);
  if (gates.length === 0) return {};
  const count = (verdict: RoundGate['verdict']) => gates.filter((g) => g.verdict === verdict).length;
  const [verdict, n] = count('Failed')
    ? ['Failed', count('Failed')]
    : count('Inconclusive')
      ? ['Inconclusive', count('Inconclusive')]
      : ['Passed', gates.length];
  return { gates, gateVerdict: `${verdict} ${n}/${gates.length}` };
}

/** The target with the highest mean score over its succeeded runs, e.g. "gpt-4o 0.745". */
function bestTarget(runs: RoundRun[]): string | undefined {
  const scores = new Map<string, number[]>();
  for (const run of runs) {
    const score = run.result?.score;
    if (run.state !== 'Succeeded' || score === undefined || !Number.isFinite(score)) continue;
    scores.set(run.target, [...(scores.get(run.target) ?? []), score]);
  }
  let best: { target: string; mean: number } | undefined;
  for (const [target, values] of scores) {
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    if (!best || mean > best.mean) best = { target, mean };
  }
  return best && `${best.target} ${formatScore(best.mean)}`;
}

/** Three significant places, as a score column reads; never longer than the CRD's bound allows. */
function formatScore(score: number): string {
  return Number(score.toPrecision(3)).toString();
}
