// The BenchmarkRound record of a finished round, and which records the suite's history limit lets
// go: the round history that outlives the suite's status (docs/api.md, BenchmarkRound).
import type {
  BenchmarkRound,
  BenchmarkSuite,
  GateStatus,
  RoundRun,
  RunStatus,
  ScoreInterval,
} from '../../api/v1alpha1/index.ts';
import { wilsonInterval } from '../stats/wilson.ts';
import { runArtifactsURL, type ArtifactStore } from '../render/artifact-store.ts';
import { LABELS, MANAGED_BY } from '../render/labels.ts';
import type { SuiteStatus } from '../status/suite-status.ts';
import { correctShare } from './correct-share.ts';

/** The CRD's default of spec.roundHistoryLimit. */
export const DEFAULT_ROUND_HISTORY_LIMIT = 20;

/** A round record as the operator's cache holds it: its name and round, no more. */
export interface RoundRecordView {
  name: string;
  uid?: string | undefined;
  round: number;
}

/** A record's name: the suite's (at most 63 characters) and the round's number. */
export const roundRecordName = (suite: string, round: number): string => `${suite}-${round}`;

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
  const runs = (status.runs ?? []).map((run) => recordedRun(run, where(run)));
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

function recordedRun(run: RunStatus, artifacts: string | undefined): RoundRun {
  const interval = scoreInterval(run);
  return { ...run, ...(interval ? { interval } : {}), ...(artifacts ? { artifacts } : {}) };
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
  const gates = (statuses ?? []).filter((g) => g.round === round);
  if (gates.length === 0) return {};
  const count = (verdict: GateStatus['verdict']) => gates.filter((g) => g.verdict === verdict).length;
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
