// The rounds of a suite the cluster still knows, with the revision each ran and how it ended: a
// finished round from its BenchmarkRound record where there is one (records outlive Jobs and
// Events); otherwise the current round from the suite's status, earlier ones from the Jobs kept by
// the history limits, and rounds whose Jobs are gone from the operator's RoundStarted /
// RoundCompleted Events (while the API server keeps them, an hour by default).
import type { BenchmarkRoundSpec, BenchmarkSuite } from '../api/index.ts';
import { ANNOTATIONS, LABELS } from '../core/render/labels.ts';
import { observeAttempt, type JobView } from '../core/suite/observe.ts';

export interface RoundView {
  round: number;
  /** The suite's bench.dev/source-revision when the round started. */
  revision?: string;
  /** Succeeded, Failed, or (the current round only) the suite's phase while it runs. */
  outcome: string;
  runs: number;
  succeeded: number;
  failed: number;
  startedAt?: string;
  finishedAt?: string;
}

/** An events.k8s.io/v1 Event, the fields read here. */
export interface RoundEvent {
  reason?: string;
  note?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

/** What the Events tell of one round. */
interface EventRound {
  revision?: string;
  startedAt?: string;
  completed?: { runs: number; succeeded: number; failed: number; at?: string };
}

// The notes the operator writes (operator/src/core/decisions/suite.ts).
const STARTED = /^round (\d+) started: .*?(?: \(revision (\S+)\))?$/;
const COMPLETED = /^round (\d+) completed: (\d+)\/(\d+) runs succeeded(?:, (\d+) failed, (\d+) blocked)?$/;

function roundsFromEvents(events: RoundEvent[]): Map<number, EventRound> {
  const rounds = new Map<number, EventRound>();
  const get = (round: number) => rounds.get(round) ?? rounds.set(round, {}).get(round)!;
  for (const event of events) {
    const at = event.eventTime ?? event.metadata?.creationTimestamp;
    const note = event.note ?? '';
    const started = event.reason === 'RoundStarted' ? STARTED.exec(note) : null;
    if (started) {
      Object.assign(get(Number(started[1])), {
        ...(started[2] ? { revision: started[2] } : {}),
        ...(at ? { startedAt: at } : {}),
      });
    }
    const completed = event.reason === 'RoundCompleted' ? COMPLETED.exec(note) : null;
    if (completed) {
      get(Number(completed[1])).completed = {
        succeeded: Number(completed[2]),
        runs: Number(completed[3]),
        failed: Number(completed[4] ?? 0) + Number(completed[5] ?? 0),
        ...(at ? { at } : {}),
      };
    }
  }
  return rounds;
}

/** A round only the Events still tell of. */
function eventRound(round: number, e: EventRound): RoundView {
  const outcome = !e.completed ? 'Unknown' : e.completed.failed > 0 ? 'Failed' : 'Succeeded';
  return {
    round,
    ...(e.revision ? { revision: e.revision } : {}),
    outcome,
    runs: e.completed?.runs ?? 0,
    succeeded: e.completed?.succeeded ?? 0,
    failed: e.completed?.failed ?? 0,
    ...(e.startedAt ? { startedAt: e.startedAt } : {}),
    ...(e.completed?.at ? { finishedAt: e.completed.at } : {}),
  };
}

const min = (values: string[]) => values.sort()[0];
const max = (values: string[]) => values.sort().at(-1);

export function roundsOf(
  suite: BenchmarkSuite | undefined,
  jobs: JobView[],
  events: RoundEvent[] = [],
): RoundView[] {
  const told = roundsFromEvents(events);
  const byRound = new Map<number, JobView[]>();
  for (const job of jobs) {
    const round = Number(job.metadata.labels?.[LABELS.round]);
    if (Number.isInteger(round) && round > 0) byRound.set(round, [...(byRound.get(round) ?? []), job]);
  }
  const current = suite?.status?.round;
  if (current !== undefined && current > 0 && !byRound.has(current)) byRound.set(current, []);
  for (const round of told.keys()) if (!byRound.has(round)) byRound.set(round, []);
  return [...byRound.keys()]
    .sort((a, b) => b - a)
    .map((round) => {
      const roundJobs = byRound.get(round)!;
      if (roundJobs.length === 0 && round !== current) return eventRound(round, told.get(round)!);
      // A run's outcome is its latest attempt's.
      const latest = new Map<string, ReturnType<typeof observeAttempt>>();
      for (const job of roundJobs) {
        const attempt = observeAttempt(job, []);
        const seen = latest.get(attempt.run);
        if (!seen || attempt.attempt > seen.attempt) latest.set(attempt.run, attempt);
      }
      const attempts = [...latest.values()];
      const succeeded = attempts.filter((a) => a.phase === 'Succeeded').length;
      const failed = attempts.filter((a) => a.phase === 'Failed').length;
      const isCurrent = round === current;
      const revision = isCurrent
        ? suite?.status?.sourceRevision
        : (roundJobs.map((j) => j.metadata.annotations?.[ANNOTATIONS.sourceRevision]).find((r) => r) ??
          told.get(round)?.revision);
      const outcome = isCurrent
        ? (suite?.status?.phase ?? 'Pending')
        : attempts.length > 0 && succeeded === attempts.length
          ? 'Succeeded'
          : 'Failed';
      const summary = isCurrent ? suite?.status?.summary : undefined;
      const started = min(
        roundJobs.flatMap((j) => (j.metadata.creationTimestamp ? [j.metadata.creationTimestamp] : [])),
      );
      const finished = max(attempts.flatMap((a) => (a.completionTime ? [a.completionTime] : [])));
      return {
        round,
        ...(revision ? { revision } : {}),
        outcome,
        runs: summary?.total ?? attempts.length,
        succeeded: summary?.succeeded ?? succeeded,
        failed: summary?.failed ?? failed,
        ...(started ? { startedAt: started } : {}),
        ...(finished && outcome !== 'Running' ? { finishedAt: finished } : {}),
      };
    });
}

/** A finished round as its BenchmarkRound record tells it. */
function recordedRound(spec: BenchmarkRoundSpec): RoundView {
  const runs = spec.runs ?? [];
  const succeeded = runs.filter((r) => r.state === 'Succeeded').length;
  return {
    round: spec.round,
    ...(spec.sourceRevision ? { revision: spec.sourceRevision } : {}),
    outcome: spec.phase,
    runs: runs.length,
    succeeded,
    failed: runs.length - succeeded,
    ...(spec.startTime ? { startedAt: spec.startTime } : {}),
    ...(spec.completionTime ? { finishedAt: spec.completionTime } : {}),
  };
}

/** The rounds, each told by its record where it has one, newest first. */
export function withRecords(rounds: RoundView[], records: { spec: BenchmarkRoundSpec }[]): RoundView[] {
  const recorded = new Map(records.map((r) => [r.spec.round, recordedRound(r.spec)]));
  const others = rounds.filter((r) => !recorded.has(r.round));
  return [...others, ...recorded.values()].sort((a, b) => b.round - a.round);
}

/** The commit id a revision names: Flux's `main@sha1:<id>`, Argo CD's `<id>`, or a short id. */
export function commitOfRevision(revision: string): string | undefined {
  return /(?:^|[@:])([0-9a-f]{7,64})$/.exec(revision.trim())?.[1];
}
